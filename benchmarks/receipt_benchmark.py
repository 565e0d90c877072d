"""From "Send inn" to a finished receipt, on the path the worker runs (docs/architecture.md §
Performance budget: <= 4 s for 100,000 rows, <= 300 ms for 500 rows after the upload is
stored).

    .venv/bin/python benchmarks/receipt_benchmark.py [--rows 100000 500] [--repeat 3]
        [--cases members unmatched] [--worker]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/receipt_benchmark.py

For each size it generates an xlsx the way payroll systems export it (the same generator
as ``parse_benchmark.py``) and runs two cases, each with its own company:

* ``members``: the normal case, a big employer whose register holds the members its list
  names (every line matches by identity number), plus 1 % more members employed there
  whom the list leaves out (utrukne);
* ``unmatched``: the worst case, a company with no members and a list whose numbers the
  register does not know: every line is unmatched, the register is asked about every
  number and member number, and a finding is written for every line.

Each run starts from a company without submissions (the previous run's are deleted,
untimed). Timed, best of ``--repeat``, on a throw-away database (a SQLite file with the
production settings, or ``<name>_receipt_bench`` on PostgreSQL, created and dropped by the
script):

* submit: ``submit_list`` — checks, the file stored byte for byte, the rows, the job queued
  (what the web request does on "Send inn");
* parse: ``parse_safely`` — the file-safety checks and the parser in its sandbox (a child
  process with memory, CPU and time limits, the lines sent on as JSON in slices while it
  reads), and meanwhile, in this process, each slice prepared for the database
  (``PreparedLines``: identity numbers sealed, hashed, masked), as the parse job does;
* store: ``record_parse_result`` — the prepared lines written, problems, the file's
  summary, the receipt e-mail queued;
* reconcile: ``RECONCILE_STEP`` — the reconciliation of the period after the files are read
  (the jobs the store queued, run as the worker runs them; "n/a" when the hook is None);
* after upload: parse + store + reconcile, what the receipt waits for once the upload
  is stored; total: submit + after upload;
* cpu: the CPU seconds of this process and its sandbox children for "after upload" (on a
  shared machine the wall clock follows the load; the CPU time much less so; PostgreSQL's
  own CPU is not in it).

``--worker`` instead starts a real ``manage.py run_worker`` on the same database and times,
from the moment ``submit_list`` has committed, until the receipt is finished (the file
read and the period reconciled), polling the database every 5 ms: the queue hops included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SEEDS = {"members": 2026, "unmatched": 4711}


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
    parser.add_argument("--cases", nargs="+", default=["members", "unmatched"],
                        choices=["members", "unmatched"])  # fmt: skip
    parser.add_argument("--worker", action="store_true",
                        help="time end to end through a real run_worker process")  # fmt: skip
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

    from django.db import connection
    from parse_benchmark import make_rows

    from trekkportal.accounts.models import Company, User
    from trekkportal.lib.xlsx import write_xlsx

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    vendor = (
        f"sqlite {'.'.join(map(str, connection.Database.sqlite_version_info))}"
        if connection.vendor == "sqlite"
        else f"postgresql {connection.pg_version}"
    )
    worker = _start_worker(tmp, database) if args.worker else None
    try:
        user = User.objects.create_user("bench@example.com", "a-long-benchmark-passphrase")
        print(vendor, "(through a real worker)" if worker else "")
        if worker:
            print(f"{'rows':>8} {'case':>10} {'submit':>8} {'to receipt':>11}")
        else:
            print(f"{'rows':>8} {'case':>10} {'submit':>8} {'parse':>8} {'store':>8}"
                  f" {'reconcile':>10} {'after upload':>13} {'total':>8} {'cpu':>8}")  # fmt: skip
        orgnr = iter(("974760673", "923609016", "982463718", "971524960", "989584022", "916300484"))
        for rows in args.rows:
            for case in args.cases:
                listed = _listed(rows, case, make_rows)
                data = write_xlsx([("Trekkliste", iter(listed))])
                company = Company.objects.create(orgnr=next(orgnr), name=f"{case} {rows} AS")
                if case == "members":
                    _register(company, listed[1:], extra=max(rows // 100, 1))
                if worker:
                    best = _best(
                        args.repeat, functools.partial(_through_worker, company, user, data)
                    )
                    print(f"{rows:>8,} {case:>10} {best['submit']:7.3f}s"
                          f" {best['after']:10.3f}s")  # fmt: skip
                    continue
                best = _best(args.repeat, functools.partial(_one_run, company, user, data, rows))
                reconcile = f"{best['reconcile']:9.3f}s" if "reconcile" in best else "      n/a"
                print(
                    f"{rows:>8,} {case:>10} {best['submit']:7.3f}s {best['parse']:7.3f}s"
                    f" {best['store']:7.3f}s {reconcile:>10} {best['after']:12.3f}s"
                    f" {best['total']:7.3f}s {best['cpu']:7.3f}s"
                )
            _forget_register()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connection.close()
        connection.creation.destroy_test_db(database["TEST"]["NAME"], verbosity=0)


def _period() -> Any:
    """Last month: the list a payroll sends in this month."""
    from django.utils import timezone

    from trekkportal.lib.periods import Period

    return Period.of(timezone.localdate()).previous()


def _listed(rows: int, case: str, make_rows: Callable[..., Any]) -> list[tuple]:
    """parse_benchmark's rows for last month; the ``unmatched`` case's member numbers
    shifted out of the ``members`` case's range (its identity numbers are another seed's)."""
    period = _period()
    header, *lines = make_rows(rows, seed=SEEDS[case])
    shift = 1_000_000 if case == "unmatched" else 0
    month = f"{period.month:02d}.{period.year}"
    return [header, *((*line[:4], line[4] + shift, *line[5:7], month) for line in lines)]


def _best(repeat: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    best: dict[str, float] | None = None
    for _ in range(repeat):
        timings = run()
        if best is None or timings["total"] < best["total"]:
            best = timings
    assert best is not None
    return best


def _submit(company: Any, user: Any, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from trekkportal.submissions.services import submit_list

    _forget_submissions(company)
    return submit_list(
        company=company,
        period=_period(),
        files=[SimpleUploadedFile("trekkliste.xlsx", data)],
        comment="",
        contact_email=user.email,
        acting_user=user,
    )


def _one_run(company: Any, user: Any, data: bytes, rows: int) -> dict[str, float]:
    from trekkportal.jobs.models import Job
    from trekkportal.submissions.bulk import PreparedLines
    from trekkportal.submissions.jobs import local_copy
    from trekkportal.submissions.parsers import parse_safely
    from trekkportal.submissions.services import company_mappings, record_parse_result

    timings: dict[str, float] = {}
    started = time.perf_counter()
    submission = _submit(company, user, data)
    timings["submit"] = time.perf_counter() - started
    submitted_file = submission.files.get()
    # The steps below are what its parse job does, timed one by one: the job itself must
    # not run again in the reconcile step's run_pending().
    Job.objects.filter(name__endswith="parse_submitted_file").delete()

    cpu_started = _cpu()
    started = time.perf_counter()
    mappings = company_mappings(company)
    prepared = PreparedLines(submitted_file.pk)
    with local_copy(submitted_file.storage_name) as path:
        parsed = parse_safely(
            path, submitted_file.original_name, mappings=mappings, on_lines=prepared.add
        )
    timings["parse"] = time.perf_counter() - started

    started = time.perf_counter()
    stored = record_parse_result(submitted_file=submitted_file, parsed=parsed, prepared=prepared)
    timings["store"] = time.perf_counter() - started
    assert stored.valid_rows == rows, (stored.state, stored.valid_rows)

    if RECONCILE_STEP is not None:
        started = time.perf_counter()
        RECONCILE_STEP(submission)
        timings["reconcile"] = time.perf_counter() - started
        _check_reconciled(company, rows)
    timings["after"] = sum(timings[k] for k in ("parse", "store", "reconcile") if k in timings)
    timings["cpu"] = _cpu() - cpu_started
    timings["total"] = timings["submit"] + timings["after"]
    return timings


def _through_worker(company: Any, user: Any, data: bytes) -> dict[str, float]:
    from trekkportal.reconciliation.models import Reconciliation

    started = time.perf_counter()
    submission = _submit(company, user, data)
    stored = time.perf_counter()
    done = Reconciliation.objects.filter(
        company=company, period=submission.period, state=Reconciliation.State.RECONCILED
    )
    deadline = stored + 120
    while not done.exists():
        if time.perf_counter() > deadline:
            raise SystemExit("the worker did not finish the receipt within 120 s")
        time.sleep(0.005)
    finished = time.perf_counter()
    after = finished - stored
    return {"submit": stored - started, "after": after, "total": finished - started}


def _check_reconciled(company: Any, rows: int) -> None:
    """The run did what the case says (a benchmark of a wrong answer is no benchmark)."""
    from trekkportal.reconciliation.models import Reconciliation

    reconciliation = Reconciliation.objects.get(company=company, period=_period().first_day)
    if company.name.startswith("members"):
        extra = max(rows // 100, 1)
        expected = (rows + extra, rows, extra, 0)
    else:
        expected = (0, 0, 0, rows)
    got = (
        reconciliation.expected,
        reconciliation.deducted,
        reconciliation.missing,
        reconciliation.unmatched,
    )
    assert got == expected, (company.name, got, expected)


def _forget_submissions(company: Any) -> None:
    """Delete what an earlier run left for ``company`` (untimed): each run starts with a
    company that has sent nothing for the period."""
    from trekkportal.jobs.models import Job
    from trekkportal.reconciliation.models import (
        FilePeriod,
        LineFinding,
        MissingDeduction,
        Reconciliation,
    )
    from trekkportal.submissions.models import Submission

    LineFinding.objects.filter(reconciliation__company=company).delete()
    MissingDeduction.objects.filter(company=company).delete()
    Reconciliation.objects.filter(company=company).delete()
    FilePeriod.objects.filter(company=company).delete()
    Submission.objects.filter(company=company).delete()
    Job.objects.all().delete()


def _forget_register() -> None:
    """Delete the ``members`` cases' register (untimed), so the next size's lists can
    name other people with the same numbers."""
    from trekkportal.accounts.models import Company
    from trekkportal.members.models import Employment, Member

    for company in Company.objects.all():
        _forget_submissions(company)
    Employment.objects.all().delete()
    Member.objects.all().delete()


def _register(company: Any, listed: list[tuple], *, extra: int) -> None:
    """The register for the ``members`` case: every listed person a member employed at
    ``company`` paying 1.4 % of the base, and ``extra`` more the list does not name."""
    from trekkportal.lib.identity import make_valid_nin, mask_nin, parse_nin
    from trekkportal.lib.names import name_key
    from trekkportal.lib.nincrypt import NinSealer
    from trekkportal.members import bulk
    from trekkportal.members.models import Employment, Member

    sealer = NinSealer()
    people = [(str(nin).zfill(11), f"{surname}, {first}", str(member_no))
              for _no, surname, first, nin, member_no, *_rest in listed]  # fmt: skip
    seen = {nin for nin, _name, _no in people}
    born = dt.date(1950, 6, 1)
    for i in range(extra):
        nin = make_valid_nin(born + dt.timedelta(days=i), 777)
        if nin not in seen:
            people.append((nin, f"Utelatt{i}, Per", str(900_000 + i)))
    now = dt.datetime.now(dt.UTC)
    hashes = []
    member_rows = []
    for nin, name, member_no in people:
        hashed = sealer.hash(nin)
        hashes.append(hashed)
        birth = parse_nin(nin).birth_date
        member_rows.append((sealer.encrypt(nin), hashed, mask_nin(nin), birth, name,
                            name_key(name), member_no, "deduction", "1.40", now, now))  # fmt: skip
    bulk.insert(
        Member,
        ["nin_encrypted", "nin_hash", "nin_masked", "birth_date", "name", "name_key",
         "member_no", "payment", "dues_percent", "created_at", "updated_at"],
        member_rows,
    )  # fmt: skip
    ids = dict(Member.objects.filter(nin_hash__in=set(hashes)).values_list("nin_hash", "pk"))
    bulk.insert(
        Employment,
        ["member_id", "company_id", "from_period"],
        [(ids[h], company.pk, dt.date(2020, 1, 1)) for h in hashes],
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # A register in production has its statistics (autovacuum); one loaded a moment
        # ago has none, and PostgreSQL then scans all members for every look-up.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_member, members_employment")


def _start_worker(tmp: str, database: dict) -> subprocess.Popen:
    name = database["TEST"]["NAME"]
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{name}"
    else:
        url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(Path(tmp) / "media")}
    # --skip-checks: the deploy checks want collected static files, which a worker never
    # serves.
    command = [sys.executable, str(ROOT / "manage.py"), "run_worker", "--skip-checks"]
    # Its console e-mails (the receipts) are not the benchmark's output.
    return subprocess.Popen(command, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL)  # noqa: S603


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
