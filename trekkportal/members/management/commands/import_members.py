"""``manage.py import_members FILE [--dry-run] [--apply-valid]``: load or update the member
register from CSV/XLSX (columns and rules: docs/members.md).

Prints a summary (new, changed, unchanged, ended, errors) and every row error with its row
number and a masked identity number. A file with errors changes nothing unless
``--apply-valid``. Exit status 1 when the file could not be read or had errors and nothing
was applied.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from trekkportal.lib.periods import Period
from trekkportal.members.imports import import_members


class Command(BaseCommand):
    help = "Loads or updates the member register from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, change nothing"
        )
        parser.add_argument(
            "--apply-valid",
            action="store_true",
            help="apply the valid rows even when other rows have errors",
        )
        parser.add_argument(
            "--period",
            help="the import's period YYYY-MM: new employments without ansatt_fra start "
            "then (default: this month)",
        )
        parser.add_argument(
            "--initial",
            action="store_true",
            help="first load of a register the companies already deduct: write no "
            "start/stop member changes (so no letters)",
        )
        parser.add_argument("--language", default=None)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            period = Period.parse(options["period"]) if options["period"] else None
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from None
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            summary = import_members(
                file=path,
                dry_run=options["dry_run"],
                apply_valid=options["apply_valid"],
                period=period,
                initial=options["initial"],
            )
            out = self.stdout.write
            if summary.file_problem is not None:
                raise CommandError(summary.file_problem.message(gettext))
            out(f"Rows:      {summary.rows}")
            for label, value in (
                ("New", summary.new),
                ("Changed", summary.changed),
                ("Unchanged", summary.unchanged),
                ("Ended", summary.ended),
                ("Errors", summary.errors),
            ):
                out(f"{label + ':':<10} {value}")
            for problem in summary.problems:
                masked = f" ({problem.masked})" if problem.masked else ""
                out(f"  row {problem.row}{masked}: {problem.message(gettext)}")
            if summary.applied:
                out(self.style.SUCCESS("Applied."))
            elif summary.dry_run:
                out("Dry run: nothing was changed.")
            elif summary.problems and not options["apply_valid"]:
                raise CommandError(
                    "The file has errors, so nothing was changed. Fix them, or run again "
                    "with --apply-valid to apply the valid rows."
                )
            elif summary.nothing_to_change:
                out(self.style.SUCCESS("Nothing to change: the register already says this."))
