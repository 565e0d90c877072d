"""`backup FILE.tar`: the database and every stored file in one archive (see portal/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trekkportal.portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Backs up the database (SQLite online backup or pg_dump) and every stored file."

    def add_arguments(self, parser):
        parser.add_argument("target", help="the archive to write, e.g. /backup/trekk.tar")

    def handle(self, *args, **options):
        try:
            manifest = create_backup(Path(options["target"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            f"backup {options['target']}: {manifest['engine']} database, "
            f"{len(manifest['files'])} files ({size} bytes)"
        )
