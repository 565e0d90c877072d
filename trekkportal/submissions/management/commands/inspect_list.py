"""``manage.py inspect_list FILE [--json]``: parse a deduction list without storing anything.

Prints the format, detected columns, rows, valid/invalid counts, total amount and the row
errors (README.md § Operator commands). Identity numbers appear masked only. The file is
parsed the way the portal parses uploads: checked, then read in a sandboxed child process.
Exit status 0 when the file could be read (even with row errors), 1 when it could not.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from trekkportal.lib.filesafety import sanitize_filename
from trekkportal.submissions.parsers import ParseFailure
from trekkportal.submissions.parsers.sandbox import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    parse_safely,
)


class Command(BaseCommand):
    help = (
        "Parses a deduction list without storing anything and prints format, columns, rows, "
        "valid/invalid counts, total amount and row errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--name", help="the file's original name, if FILE is stored under another name"
        )
        parser.add_argument(
            "--language",
            default=None,
            help=f"language of the messages (default {settings.LANGUAGE_CODE})",
        )
        parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
        parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        name = options["name"] or path.name
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            result = parse_safely(
                path, name, timeout_s=options["timeout"], memory_mb=options["memory_mb"]
            )
            if isinstance(result, ParseFailure):
                message = result.message(name, gettext)
                if options["json"]:
                    self.stdout.write(
                        json.dumps(
                            {
                                "file": sanitize_filename(name),
                                "error": result.code,
                                "message": message,
                            },
                            ensure_ascii=False,
                        )
                    )
                raise CommandError(message)
            summary = {"file": sanitize_filename(name), **result.summary(gettext)}
            if options["json"]:
                self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
                return
            self._print_text(summary)

    def _print_text(self, s: dict) -> None:
        out = self.stdout.write
        details = ", ".join(
            f"{key} {s[key]}"
            for key in ("sheet", "encoding", "delimiter", "layout", "header_row")
            if s.get(key) is not None
        )
        out(f"File:         {s['file']}")
        out(f"Format:       {s['format']}" + (f" ({details})" if details else ""))
        out("Columns:      " + (", ".join(f"{k} = {v!r}" for k, v in s["columns"].items()) or "-"))
        out(f"Rows:         {s['rows']}")
        out(f"Valid:        {s['valid']}")
        out(f"Invalid:      {s['invalid']}")
        out(f"Total amount: {s['total_amount']}")
        if s.get("declared_total") is not None:
            out(f"File total:   {s['declared_total']}")
        if s["errors"]:
            out(f"Errors ({len(s['errors'])}):")
            for error in s["errors"]:
                where = "file" if error["row"] is None else f"row {error['row']}"
                if error["column"]:
                    where += f", {error['column']}"
                out(f"  {where}: {error['message']}")
        else:
            out("Errors:       none")
