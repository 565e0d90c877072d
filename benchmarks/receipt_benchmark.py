"""From "Send inn" to a finished receipt, on the path the worker runs (docs/architecture.md §
Performance budget: <= 4 s for 100,000 rows, <= 300 ms for 500 rows after the upload is
stored).

    .venv/bin/python benchmarks/receipt_benchmark.py [--rows 100000 500] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/receipt_benchmark.py

For each size it generates an xlsx the way payroll systems export it (the same generator
as ``parse_benchmark.py``), then times, best of ``--repeat``, on a throw-away database (a
SQLite file with the production settings, or ``<name>_receipt_bench`` on PostgreSQL,
created and dropped by the script):

* submit: ``submit_list`` — checks, the file stored byte for byte, the rows, the job queued
  (what the web request does on "Send inn");
* parse: ``parse_safely`` — the file-safety checks and the parser in its sandbox (a child
  process with memory, CPU and time limits, the answer as JSON);
* store: ``record_parse_result`` — lines (each identity number sealed, hashed, masked),
  problems, the file's summary, the receipt e-mail queued;
* reconcile: ``RECONCILE_STEP`` — the reconciliation of the period after the files are read
  (the jobs the store queued, run as the worker runs them; "n/a" when the hook is None);
* after upload: parse + store + reconcile, what the receipt waits for once the upload
  is stored; total: submit + after upload;
* cpu: the CPU seconds of this process and its sandbox children for "after upload" (on a
  shared machine the wall clock follows the load; the CPU time much less so; PostgreSQL's
  own CPU is not in it).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def reconcile_step(submission: Any) -> None:
    """The reconcile step, run once the submission's files are stored: the reconciliation
    jobs ``record_parse_result`` queued for its periods (and the receipt e-mail), as the
    worker runs them."""
    from trekkportal.jobs.worker import run_pending

    run_pending()


# The hook: set to None to measure parse + store alone.
RECONCILE_STEP: Callable[[Any], Any] | None = reconcile_step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 500])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-receipt-bench-")
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
        database["TEST"] = {"NAME": f"{database['NAME']}_receipt_bench"}
    settings.MEDIA_ROOT = str(Path(tmp) / "media")
    settings.SUBMISSION_MAX_FILE_SIZE = 50 * 1024 * 1024
    settings.SUBMISSION_MAX_TOTAL_SIZE = 50 * 1024 * 1024
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django.setup()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.utils import timezone
    from parse_benchmark import make_rows

    from trekkportal.accounts.models import Company, User
    from trekkportal.jobs.models import Job
    from trekkportal.lib.periods import Period
    from trekkportal.lib.xlsx import write_xlsx
    from trekkportal.submissions.jobs import local_copy
    from trekkportal.submissions.parsers import parse_safely
    from trekkportal.submissions.services import (
        company_mappings,
        record_parse_result,
        submit_list,
    )

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    vendor = (
        f"sqlite {'.'.join(map(str, connection.Database.sqlite_version_info))}"
        if connection.vendor == "sqlite"
        else f"postgresql {connection.pg_version}"
    )
    try:
        company = Company.objects.create(orgnr="974760673", name="Benchmark AS")
        user = User.objects.create_user("bench@example.com", "a-long-benchmark-passphrase")
        period = Period.of(timezone.localdate())
        print(vendor)
        print(f"{'rows':>8} {'submit':>8} {'parse':>8} {'store':>8} {'reconcile':>10}"
              f" {'after upload':>13} {'total':>8} {'cpu':>8}")  # fmt: skip
        for rows in args.rows:
            data = write_xlsx([("Trekkliste", make_rows(rows))])
            best: dict[str, float] | None = None
            for _ in range(args.repeat):
                timings: dict[str, float] = {}
                started = time.perf_counter()
                submission = submit_list(
                    company=company,
                    period=period,
                    files=[SimpleUploadedFile("trekkliste.xlsx", data)],
                    comment="",
                    contact_email=user.email,
                    acting_user=user,
                )
                timings["submit"] = time.perf_counter() - started
                submitted_file = submission.files.get()
                # The steps below are what its parse job does, timed one by one: the job
                # itself must not run again in the reconcile step's run_pending().
                Job.objects.filter(name__endswith="parse_submitted_file").delete()

                cpu_started = _cpu()
                started = time.perf_counter()
                mappings = company_mappings(company)
                with local_copy(submitted_file.storage_name) as path:
                    parsed = parse_safely(path, submitted_file.original_name, mappings=mappings)
                timings["parse"] = time.perf_counter() - started

                started = time.perf_counter()
                stored = record_parse_result(submitted_file=submitted_file, parsed=parsed)
                timings["store"] = time.perf_counter() - started
                assert stored.valid_rows == rows, (stored.state, stored.valid_rows)

                if RECONCILE_STEP is not None:
                    started = time.perf_counter()
                    RECONCILE_STEP(submission)
                    timings["reconcile"] = time.perf_counter() - started
                timings["after"] = sum(timings[k] for k in ("parse", "store", "reconcile")
                                       if k in timings)  # fmt: skip
                timings["cpu"] = _cpu() - cpu_started
                timings["total"] = timings["submit"] + timings["after"]
                if best is None or timings["total"] < best["total"]:
                    best = timings
            assert best is not None
            reconcile = f"{best['reconcile']:9.3f}s" if "reconcile" in best else "      n/a"
            print(
                f"{rows:>8,} {best['submit']:7.3f}s {best['parse']:7.3f}s {best['store']:7.3f}s"
                f" {reconcile:>10} {best['after']:12.3f}s {best['total']:7.3f}s"
                f" {best['cpu']:7.3f}s"
            )
    finally:
        connection.creation.destroy_test_db(database["TEST"]["NAME"], verbosity=0)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
