"""Time reconciliation: a whole period for 100,000 members across 2,000 companies, and one
company of 500 members after its list is read.

    .venv/bin/python benchmarks/reconcile_benchmark.py [--members 100000] [--companies 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/reconcile_benchmark.py

Runs against a throw-away database: a SQLite file (WAL, as in production settings) under a
temporary folder, or, with a PostgreSQL ``DATABASE_URL``, a separate database
``<name>_reconcile_bench`` that is created and dropped again.

The data is inserted with ``bulk_create`` directly (going through the register's services
100,000 times would measure the set-up, not the reconciliation): companies with one user
each, members (real keyed hashes and encrypted numbers), one open employment per member,
one submission per company with one read file and a line per deducted member. Of the
members, 1 % are missing from their company's list (utrukne), 1 % are listed by birth date
and name only (no identity number), 0.5 % pay by invoice and 0.5 % are laid off; every
company's list also has one line for a non-member (unmatched). What is timed is the real
path: ``reconciliation.services.reconcile`` (reads, matching, writes, the job that e-mails
the companies with new utrukne, audit), first run and a re-run (idempotent: nothing new);
then, separately, that e-mail job as the worker runs it (one e-mail per company through
the outbox).

The script also runs the same with a tenth of the members (the same companies and the same
number of utrukne and unmatched lines) and prints both query counts: they are equal when
the number of queries does not grow with the number of members.
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

PERIOD = "2026-10"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--one-company", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-reconcile-bench-")
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
        database["TEST"] = {"NAME": f"{database['NAME']}_reconcile_bench"}
    django.setup()

    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        vendor = connection.vendor
        version = (
            ".".join(map(str, connection.Database.sqlite_version_info))
            if vendor == "sqlite"
            else connection.pg_version
        )
        print(f"{vendor} {version}")
        small = run_period(args.members // 10, args.companies, label="a tenth of the members")
        clear()
        large = run_period(args.members, args.companies, label="all members")
        print(
            f"queries, first run: {small[0]} with {args.members // 10:,} members, "
            f"{large[0]} with {args.members:,}"
        )
        print(f"queries, re-run:    {small[1]} with {args.members // 10:,} members, {large[1]}")
        run_one_company(args.one_company, args.repeat)
    finally:
        connection.creation.destroy_test_db(database["TEST"]["NAME"], verbosity=0)


def clear() -> None:
    from django.db import connection

    tables = [
        "reconciliation_linefinding",
        "reconciliation_missingdeduction",
        "reconciliation_reconciliation",
        "reconciliation_fileperiod",
        "submissions_deductionline",
        "submissions_submittedfile",
        "submissions_submission",
        "members_layoff",
        "members_employment",
        "members_member",
        "mail_outboxmessage",
        "jobs_job",
        "audit_auditevent",
        "accounts_companyaccess",
        "accounts_user",
        "accounts_company",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)


def build(members: int, companies: int, *, missing_total: int, offset: int = 0):
    """Insert the data set; returns the companies. ``missing_total`` members (spread over
    the companies) are left off the lists."""
    from decimal import Decimal

    from trekkportal.accounts.models import Company, CompanyAccess, User
    from trekkportal.lib.identity import make_valid_nin, make_valid_orgnr, mask_nin
    from trekkportal.lib.names import name_key
    from trekkportal.lib.nincrypt import NinSealer
    from trekkportal.lib.periods import Period
    from trekkportal.members.models import Employment, Layoff, Member
    from trekkportal.reconciliation.models import FilePeriod
    from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile

    period = Period.parse(PERIOD)
    first = period.first_day
    sealer = NinSealer()
    made = Company.objects.bulk_create(
        Company(name=f"Bedrift {offset + i} AS", orgnr=make_valid_orgnr(80000000 + offset + i * 10))
        for i in range(companies)
    )
    users = User.objects.bulk_create(
        User(email=f"lonn{offset + i}@bedrift.example", name="Lønn", is_active=True)
        for i in range(companies)
    )
    CompanyAccess.objects.bulk_create(
        CompanyAccess(user=u, company=c) for u, c in zip(users, made, strict=True)
    )
    born = dt.date(1960, 1, 1)
    nins = []
    member_rows = []
    for i in range(members):
        nin = unique_nin(make_valid_nin, born + dt.timedelta(days=(offset + i) % 15000))
        nins.append(nin)
        kind = i % 200
        member_rows.append(
            Member(
                nin_encrypted=sealer.encrypt(nin),
                nin_hash=sealer.hash(nin),
                nin_masked=mask_nin(nin),
                birth_date=born + dt.timedelta(days=(offset + i) % 15000),
                name=f"Etternavn{offset + i}, Fornavn",
                name_key=name_key(f"Etternavn{offset + i}, Fornavn"),
                member_no=str(500000 + offset + i),
                payment=Member.Payment.INVOICE if kind == 198 else Member.Payment.DEDUCTION,
                dues_amount=Decimal("612.14"),
            )
        )
    Member.objects.bulk_create(member_rows, batch_size=2000)
    member_ids = [member.pk for member in member_rows]  # bulk_create sets them (SQLite ≥ 3.35)
    company_of = [made[i % companies] for i in range(members)]
    Employment.objects.bulk_create(
        (
            Employment(member_id=pk, company=company_of[i], from_period=dt.date(2020, 1, 1))
            for i, pk in enumerate(member_ids)
        ),
        batch_size=2000,
    )
    Layoff.objects.bulk_create(
        Layoff(member_id=pk, company=company_of[i], from_period=dt.date(2026, 9, 1))
        for i, pk in enumerate(member_ids)
        if i % 200 == 199
    )
    submissions = Submission.objects.bulk_create(
        Submission(company=c, period=first, contact_email="lonn@bedrift.example") for c in made
    )
    files = SubmittedFile.objects.bulk_create(
        SubmittedFile(
            submission=s,
            original_name="trekkliste.xlsx",
            storage_name=f"submissions/bench-{offset}-{s.pk}.xlsx",
            kind="xlsx",
            size=1,
            sha256="0" * 64,
            state=SubmittedFile.State.DONE,
        )
        for s in submissions
    )
    files = {
        f.submission.company_id: f
        for f in SubmittedFile.objects.filter(submission__in=submissions).select_related(
            "submission"
        )
    }
    FilePeriod.objects.bulk_create(
        FilePeriod(submitted_file=f, company_id=cid, period=first) for cid, f in files.items()
    )
    # The missing members: the first member of each of the first ``missing_total`` companies
    # (the same companies and number of utrukne whatever the number of members).
    lines = []
    rows: dict[int, int] = {}
    for i in range(len(member_ids)):
        if i < min(missing_total, companies) or i % 200 in (198, 199):
            continue  # missing; and invoice payers / laid off are not on the list
        company = company_of[i]
        row = rows.get(company.pk, 1) + 1
        rows[company.pk] = row
        by_name = i % 100 == 50
        nin = nins[i]
        lines.append(
            DeductionLine(
                submitted_file=files[company.pk],
                row=row,
                nin_encrypted="" if by_name else sealer.encrypt(nin),
                nin_hash="" if by_name else sealer.hash(nin),
                nin_masked="" if by_name else mask_nin(nin),
                birth_date=born + dt.timedelta(days=(offset + i) % 15000),
                name=f"Fornavn Etternavn{offset + i}",
                member_no="",
                amount=Decimal("612.14"),
                valid=True,
            )
        )
    for company in made:  # one non-member on every list
        stranger = unique_nin(make_valid_nin, dt.date(1950, 1, 1) + dt.timedelta(days=company.pk))
        lines.append(
            DeductionLine(
                submitted_file=files[company.pk],
                row=rows.get(company.pk, 1) + 1,
                nin_encrypted=sealer.encrypt(stranger),
                nin_hash=sealer.hash(stranger),
                nin_masked=mask_nin(stranger),
                name="Ikke Medlem",
                amount=Decimal("612.14"),
                valid=True,
            )
        )
    DeductionLine.objects.bulk_create(lines, batch_size=2000)
    return made


_USED: set[str] = set()


def unique_nin(make_valid_nin, birth: dt.date) -> str:
    """A valid number for ``birth`` not used before in this run."""
    individual = 100
    while True:
        nin = make_valid_nin(birth, individual)
        if nin not in _USED:
            _USED.add(nin)
            return nin
        individual = int(nin[6:9]) + 1


def timed(callable_):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a deque of 9,000: counting needs room
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = callable_()
        elapsed = time.perf_counter() - started
    if os.environ.get("BENCH_SLOW_QUERIES"):
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]:
            print(f"    {float(query['time']):6.3f} s  {query['sql'][:300]}")
    return result, elapsed, len(queries)


def run_period(members: int, companies: int, *, label: str) -> tuple[int, int]:
    from trekkportal.lib.periods import Period
    from trekkportal.reconciliation.services import reconcile

    started = time.perf_counter()
    build(members, companies, missing_total=1000)
    print(
        f"[{label}] inserted {members:,} members across {companies:,} companies "
        f"in {time.perf_counter() - started:.1f} s"
    )
    period = Period.parse(PERIOD)
    first, seconds, queries = timed(lambda: reconcile(period=period))
    print(
        f"[{label}] reconcile {PERIOD}, first run  {seconds:6.2f} s  {queries:5d} queries  "
        f"expected {first.expected:,}, deducted {first.deducted:,}, missing {first.missing:,} "
        f"(new {first.new_missing:,}), unmatched {first.unmatched:,}, "
        f"e-mails to {len(first.notified_companies):,} companies"
    )
    from trekkportal.reconciliation.services import notify_new_missing_deductions

    told, seconds_mail, queries_mail = timed(lambda: notify_new_missing_deductions(period=period))
    print(
        f"[{label}] the e-mail job afterwards  {seconds_mail:6.2f} s  {queries_mail:5d} queries  "
        f"{told:,} companies e-mailed"
    )
    again, seconds_again, queries_again = timed(lambda: reconcile(period=period))
    print(
        f"[{label}] reconcile {PERIOD}, re-run     {seconds_again:6.2f} s  {queries_again:5d} "
        f"queries  new {again.new_missing}, resolved {again.resolved}"
    )
    return queries, queries_again


def run_one_company(members: int, repeat: int) -> None:
    """One company of ``members`` members among the others, after its list is read."""
    from trekkportal.accounts.models import Company
    from trekkportal.lib.periods import Period
    from trekkportal.reconciliation.services import reconcile

    (company,) = build(members, 1, missing_total=5, offset=900_000)
    company = Company.objects.get(pk=company.pk)
    period = Period.parse(PERIOD)
    first, seconds, queries = timed(lambda: reconcile(period=period, company=company))
    reruns = [timed(lambda: reconcile(period=period, company=company)) for _ in range(repeat)]
    best = min(r[1] for r in reruns)
    print(
        f"one company, {members} members: first run {seconds * 1000:6.1f} ms ({queries} queries, "
        f"missing {first.missing}), re-run best of {repeat} {best * 1000:6.1f} ms "
        f"({reruns[0][2]} queries)"
    )


if __name__ == "__main__":
    main()
