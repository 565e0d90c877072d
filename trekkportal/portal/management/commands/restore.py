"""`restore FILE.tar`: loads a backup into an empty installation and verifies it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trekkportal.portal.backup import BackupError, restore_backup, verify_installation


class Command(BaseCommand):
    help = "Restores a backup into an empty installation, then checks every file's checksum."

    def add_arguments(self, parser):
        parser.add_argument("source", help="an archive written by the backup command")
        parser.add_argument(
            "--force", action="store_true", help="restore even if there are submissions here"
        )

    def handle(self, *args, **options):
        try:
            manifest = restore_backup(Path(options["source"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        result = verify_installation()
        self.stdout.write(
            f"restored {options['source']} (made {manifest['created_at']}): "
            f"{result.submissions} submissions, {result.files} files, {result.lines} lines"
        )
        if result.problems:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(result.problems)} problems after the restore")
