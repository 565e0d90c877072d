"""manage.py purge_expired: apply the retention rules now (the worker does it nightly)."""

from django.core.management.base import BaseCommand, CommandError

from trekkportal.letters.retention import PurgeFailed, purge_expired


class Command(BaseCommand):
    help = (
        "Deletes what the retention rules say has expired: letters after six months, "
        "received list files and their lines after RETENTION_YEARS, and what other apps "
        "register. Idempotent; each purge is audited with its counts."
    )

    def handle(self, *args, **options):
        try:
            results = purge_expired()
        except PurgeFailed as failure:
            self._print(failure.results)
            raise CommandError(
                f"These purges failed and will be retried: {failure.failed}"
            ) from None
        self._print(results)

    def _print(self, results):
        for name, counts in results.items():
            shown = ", ".join(f"{key}={value}" for key, value in counts.items())
            self.stdout.write(f"{name}: {shown}")
