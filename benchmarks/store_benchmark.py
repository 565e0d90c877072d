"""Time ``record_parse_result`` storing a 100,000-line parse result (lines + problems).

    .venv/bin/python benchmarks/store_benchmark.py [--lines 100000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/store_benchmark.py

Runs against a throw-away database: a SQLite file (WAL, as in production settings) under a
temporary folder, or, with a PostgreSQL ``DATABASE_URL``, a separate database
``<name>_store_bench`` that is created and dropped again. It builds a ParsedList in memory
(no file parsing: that is ``parse_benchmark.py``), 1 % of the lines invalid with one
problem each, and reports best of ``--repeat`` for the first store of a file and for
re-recording it (which deletes the earlier lines first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-store-bench-")
    os.environ["TREKKPORTAL_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trekkportal.settings")
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"

    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database["TEST"] = {"NAME": str(Path(tmp) / "bench.sqlite3")}
    else:
        database["TEST"] = {"NAME": f"{database['NAME']}_store_bench"}
    django.setup()

    from django.db import connection

    from trekkportal.accounts.models import Company
    from trekkportal.lib.identity import make_valid_nin
    from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile
    from trekkportal.submissions.parsers import Line, ParsedList, RowError, Totals
    from trekkportal.submissions.services import record_parse_result

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        company = Company.objects.create(orgnr="974760673", name="Benchmark AS")
        submission = Submission.objects.create(
            company=company, period=dt.date(2026, 10, 1), contact_email="bench@example.com"
        )
        file = SubmittedFile.objects.create(
            submission=submission,
            original_name="bench.xlsx",
            storage_name="submissions/bench.xlsx",
            kind="xlsx",
            size=1,
            sha256="0" * 64,
        )
        parsed = build(args.lines, Line, ParsedList, RowError, Totals, make_valid_nin)
        first, again = [], []
        for _ in range(args.repeat):
            DeductionLine.objects.filter(submitted_file=file).delete()
            started = time.perf_counter()
            record_parse_result(submitted_file=file, parsed=parsed)
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            record_parse_result(submitted_file=file, parsed=parsed)
            again.append(time.perf_counter() - started)
        stored = DeductionLine.objects.filter(submitted_file=file).count()
        vendor = f"{connection.vendor} {'.'.join(map(str, connection.Database.sqlite_version_info)) if connection.vendor == 'sqlite' else connection.pg_version}"  # noqa: E501
        print(f"{vendor}: {stored:,} lines, {len(parsed.errors):,} problems stored")
        print(f"record_parse_result, first store     {min(first):6.2f} s (best of {args.repeat})")
        print(f"record_parse_result, re-record       {min(again):6.2f} s (best of {args.repeat})")
    finally:
        connection.creation.destroy_test_db(database["TEST"]["NAME"], verbosity=0)


def build(count, Line, ParsedList, RowError, Totals, make_valid_nin):
    lines, errors = [], []
    start = dt.date(1960, 1, 1)
    for i in range(count):
        row = i + 2
        nin = make_valid_nin(start + dt.timedelta(days=i % 15000), 100 + i % 300)
        ok = i % 100 != 99
        lines.append(
            Line(
                row=row,
                nin=nin,
                name=f"Etternavn{i}, Fornavn",
                employee_no=str(10000 + i),
                member_no=str(500000 + i),
                base_ore=4_200_000 + i,
                amount_ore=61_214 if ok else -61_214,
                period="2026-10",
                ok=ok,
            )
        )
        if not ok:
            errors.append(RowError(row, "Trekk", "amount_negative", {"value": "-612.14"}))
    valid = sum(1 for line in lines if line.ok)
    totals = Totals(rows=count, valid=valid, invalid=count - valid, amount_ore=valid * 61_214)
    return ParsedList(
        format="xlsx",
        columns={"nin": "Fødselsnummer", "name": "Navn", "amount": "Trekk"},
        lines=lines,
        errors=errors,
        totals=totals,
    )


if __name__ == "__main__":
    main()
