"""Time ``import_members`` loading 100,000 members across 2,000 companies.

    .venv/bin/python benchmarks/import_benchmark.py [--members 100000] [--companies 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/import_benchmark.py

Runs against a throw-away database: a SQLite file (WAL, as in production settings) under a
temporary folder, or, with a PostgreSQL ``DATABASE_URL``, a separate database
``<name>_import_bench`` that is created and dropped again. It writes a semicolon CSV and
an XLSX register the way docs/members.md describes them (fødselsnummer, navn, orgnr,
medlemsnr, innmeldt, trekk, ansatt_fra) and times, each through the service the command
calls, with the number of SQL queries:

1. the first import (every row a new member: encrypted, hashed, employed, a start change);
2. the same file again (every row unchanged: nothing is written);
3. an update: 5 % moved to another company, 1 % resigned, 2 % renamed;
4. the XLSX of the original file, read with python-calamine (dry run: reading + planning).

Budget (issue 9): importing 100,000 members ≤ 30 s on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = "fødselsnummer;navn;orgnr;medlemsnr;innmeldt;trekk;ansatt_fra"


def numbers(count: int) -> list[str]:
    from trekkportal.lib.identity import make_valid_nin

    seen: set[str] = set()
    out: list[str] = []
    start = dt.date(1950, 1, 1)
    day = 0
    while len(out) < count:
        birth = start + dt.timedelta(days=day % 20000)
        nin = make_valid_nin(birth, 100 + (day // 20000) * 90)
        if nin not in seen:
            seen.add(nin)
            out.append(nin)
        day += 1
    return out


def register_rows(nins: list[str], orgnrs: list[str]) -> list[list[str]]:
    rng = random.Random(9)
    rows = []
    for i, nin in enumerate(nins):
        dues = rng.choice(["ja", "1,40 %", "612,50", "faktura"])
        rows.append(
            [nin, f"Etternavn{i}, Fornavn", orgnrs[i % len(orgnrs)], str(100000 + i),
             "01.01.2020", dues, "2025-01"]
        )  # fmt: skip
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\r\n".join([HEADER, *(";".join(r) for r in rows)]) + "\r\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-import-bench-")
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
        database["TEST"] = {"NAME": f"{database['NAME']}_import_bench"}
    django.setup()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trekkportal.accounts.models import Company
    from trekkportal.lib.identity import make_orgnr
    from trekkportal.lib.periods import Period
    from trekkportal.lib.xlsx import write_xlsx
    from trekkportal.members.imports import import_members
    from trekkportal.members.models import Employment, Member, MemberChange

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        orgnrs: list[str] = []
        first8 = 80000000
        while len(orgnrs) < args.companies:
            orgnr = make_orgnr(f"{first8:08d}")
            first8 += 1
            if orgnr:
                orgnrs.append(orgnr)
        Company.objects.bulk_create(Company(orgnr=o, name=f"Bedrift {o} AS") for o in orgnrs)
        started = time.perf_counter()
        nins = numbers(args.members)
        rows = register_rows(nins, orgnrs)
        data = csv_bytes(rows)
        print(
            f"generated {len(rows):,} members at {len(orgnrs):,} companies, "
            f"{len(data) / 1e6:.1f} MB CSV, in {time.perf_counter() - started:.1f} s"
        )
        print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
        period = Period(2026, 3)

        def timed(label: str, **kwargs):
            with CaptureQueriesContext(connection) as queries:
                connection.force_debug_cursor = True
                started, cpu = time.perf_counter(), time.process_time()
                summary = import_members(period=period, **kwargs)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            counts = summary.counts()
            print(
                f"{label:<34} {elapsed:6.2f} s (cpu {cpu:5.2f} s) {len(queries):>5} queries  "
                f"new {counts['new']:,} changed {counts['changed']:,} "
                f"unchanged {counts['unchanged']:,} ended {counts['ended']:,} "
                f"errors {counts['errors']:,}"
            )
            return summary

        timed("1. first import (CSV)", file=data, filename="register.csv")
        print(
            f"   stored: {Member.objects.count():,} members, "
            f"{Employment.objects.count():,} employments, "
            f"{MemberChange.objects.count():,} member changes"
        )
        timed("2. the same file again", file=data, filename="register.csv")
        rng = random.Random(14)
        updated = [list(r) for r in rows]
        for i in rng.sample(range(len(rows)), len(rows) // 20):
            updated[i][2] = orgnrs[(orgnrs.index(updated[i][2]) + 1) % len(orgnrs)]
            updated[i][6] = ""
        for i in rng.sample(range(len(rows)), len(rows) // 100):
            updated[i][4] = "01.01.2020;15.02.2026"  # innmeldt;utmeldt
        for i in rng.sample(range(len(rows)), len(rows) // 50):
            updated[i][1] = f"Nytt Navn {i}"
        header = HEADER.replace("innmeldt", "innmeldt;utmeldt")
        lines = [header]
        for r in updated:
            if ";" not in r[4]:
                r[4] = r[4] + ";"
            lines.append(";".join(r))
        timed(
            "3. update: moves, resigned, names", file="\r\n".join(lines).encode(), filename="u.csv"
        )
        sheet = write_xlsx([("Medlemmer", [HEADER.split(";"), *rows])], header_rows=1, raw=True)
        timed("4. the XLSX, dry run", file=sheet, filename="register.xlsx", dry_run=True)
        print(f"load average after the run {os.getloadavg()[0]:.1f} (2 vCPUs)")
    finally:
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
