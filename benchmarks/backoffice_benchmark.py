"""Server time and query count of every back-office page at the union's full size.

    .venv/bin/python benchmarks/backoffice_benchmark.py [--companies 2000] [--members 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekkportal \\
        .venv/bin/python benchmarks/backoffice_benchmark.py [--runs 20]

Runs against a throw-away database: a SQLite file under a temporary folder, or, with a
PostgreSQL ``DATABASE_URL``, a separate database ``<name>_backoffice_bench`` that is created
and dropped again. It builds:

* 2,000 companies, registered two years ago;
* 100,000 members employed across them, loaded through ``import_members`` (the service the
  command and the back office's import call);
* a year of submissions: for each of the last 12 periods about 90 % of the companies
  submitted one parsed file (rows and total recorded), the rest were reminded;
* the deduction lines of last month's lists, one per member (100,000 lines, identity
  numbers encrypted and hashed as the parser stores them);
* 100,000 audit events;
* last month reconciled for every company, with 2,000 unmatched lines (each pointing to
  a member employed elsewhere) for the unmatched-lines page;
* 12 uploaded letters to every company (24,000 letters, half of them downloaded) and a
  generated draft batch of 2,000 letters, for the letters pages.

Then, logged in as union staff through Django's test client (the full middleware stack, no
network), it requests every back-office page ``--runs`` times and reports the median and
95th percentile server time, the median CPU time of the web process (the part that does
not wait for the database or for other processes on a shared machine) and the number of
SQL queries. Budget (docs/architecture.md):
a fixed number of queries, median ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def build(companies: int, members: int) -> dict:
    from django.utils import timezone
    from import_benchmark import numbers, register_rows

    from trekkportal.accounts.models import Company
    from trekkportal.audit.models import AuditEvent
    from trekkportal.lib.identity import make_orgnr
    from trekkportal.lib.nincrypt import NinSealer
    from trekkportal.lib.periods import Period
    from trekkportal.mail.models import Reminder
    from trekkportal.members.imports import import_members
    from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile

    started = time.perf_counter()
    long_ago = timezone.now() - dt.timedelta(days=730)
    orgnrs: list[str] = []
    first8 = 80000000
    while len(orgnrs) < companies:
        orgnr = make_orgnr(f"{first8:08d}")
        first8 += 1
        if orgnr:
            orgnrs.append(orgnr)
    Company.objects.bulk_create(
        Company(orgnr=o, name=f"Bedrift {i:04d} AS", created_at=long_ago)
        for i, o in enumerate(orgnrs)
    )
    company_ids = dict(Company.objects.values_list("orgnr", "pk"))
    nins = numbers(members)
    rows = register_rows(nins, orgnrs)
    header = ["fødselsnummer", "navn", "orgnr", "medlemsnr", "innmeldt", "trekk", "ansatt_fra"]
    import_members(rows=[header, *rows], period=Period(2025, 1), initial=True)
    print(f"  companies and members: {time.perf_counter() - started:.1f} s")

    today = timezone.localdate()
    last_month = Period.of(today).previous()
    periods = [last_month.shift(-i) for i in range(12)]
    rng = random.Random(11)
    submissions, reminders = [], []
    for period in periods:
        deadline = period.deadline(15)
        for orgnr in orgnrs:
            company_id = company_ids[orgnr]
            if rng.random() < 0.9:
                day = deadline - dt.timedelta(days=rng.randint(-5, 12))
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
                submissions.append(
                    Submission(
                        company_id=company_id,
                        period=period.first_day,
                        contact_email="lonn@bedrift.example",
                        submitted_at=at,
                    )
                )
            else:
                reminders.append(
                    Reminder(
                        company_id=company_id,
                        period=period.iso,
                        deadline=deadline,
                        recipients=1,
                    )
                )
    Submission.objects.bulk_create(submissions, batch_size=5000)
    Reminder.objects.bulk_create(reminders, batch_size=5000)
    per_company = members // companies
    files = [
        SubmittedFile(
            submission_id=s.pk,
            original_name="trekkliste.xlsx",
            storage_name=f"bench/{s.pk}.xlsx",
            kind="xlsx",
            size=40_000,
            sha256="0" * 64,
            state=SubmittedFile.State.DONE,
            rows=per_company,
            valid_rows=per_company,
            invalid_rows=0,
            total_amount=Decimal(per_company * 612),
            parsed_at=s.submitted_at,
            format="xlsx",
        )
        for s in Submission.objects.only("pk", "submitted_at")
    ]
    SubmittedFile.objects.bulk_create(files, batch_size=5000)
    print(f"  {len(submissions):,} submissions, {len(reminders):,} reminders: "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    file_of = dict(
        SubmittedFile.objects.filter(submission__period=last_month.first_day).values_list(
            "submission__company__orgnr", "pk"
        )
    )
    sealer = NinSealer()
    lines = []
    for i, (nin, row) in enumerate(zip(nins, rows, strict=True)):
        file_id = file_of.get(row[2])
        if file_id is None:
            continue
        lines.append(
            DeductionLine(
                submitted_file_id=file_id,
                row=i + 2,
                nin_encrypted=sealer.encrypt(nin),
                nin_hash=sealer.hash(nin),
                nin_masked=nin[:6] + "*****",
                name=row[1],
                amount=Decimal("612.00"),
                period=last_month.first_day,
            )
        )
    DeductionLine.objects.bulk_create(lines, batch_size=5000)
    actions = ["login", "submission.created", "submission.file_parsed", "company.switched"]
    ids = list(company_ids.values())
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                action=actions[i % 4],
                actor_label=f"bruker{i % 3000}@bedrift.example",
                company_id=ids[i % len(ids)],
                created_at=timezone.now() - dt.timedelta(minutes=i),
                data={"n": i},
            )
            for i in range(100_000)
        ),
        batch_size=5000,
    )
    print(f"  {len(lines):,} deduction lines, 100,000 audit events: "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    unmatched_orgnr = _unmatched_lines(last_month, company_ids, count=2_000)
    draft = _letters(list(company_ids.values()))
    print(f"  reconciliations, unmatched lines and letters: "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return {
        "nin": nins[7],
        "member_name": rows[7][1],
        "orgnr": orgnrs[7],
        "unmatched_orgnr": unmatched_orgnr,
        "draft": draft,
    }


def _unmatched_lines(period, company_ids: dict[str, int], *, count: int) -> str:
    """Every company reconciled for ``period``; ``count`` of its lines unmatched, each
    pointing to a member (as a line naming a member registered at another company does)."""
    from django.utils import timezone

    from trekkportal.members.models import Employment
    from trekkportal.reconciliation.models import LineFinding, Reconciliation
    from trekkportal.submissions.models import DeductionLine

    now = timezone.now()
    Reconciliation.objects.bulk_create(
        Reconciliation(
            company_id=cid, period=period.first_day, state="reconciled", reconciled_at=now
        )
        for cid in company_ids.values()
    )
    run_of = dict(
        Reconciliation.objects.filter(period=period.first_day).values_list("company_id", "pk")
    )
    member_of = dict(
        Employment.objects.filter(to_period__isnull=True).values_list("company_id", "member_id")
    )
    step = max(1, DeductionLine.objects.count() // count)
    lines = DeductionLine.objects.order_by("pk").values_list(
        "pk", "submitted_file__submission__company_id"
    )[::step][:count]
    ids = sorted(run_of)
    LineFinding.objects.bulk_create(
        (
            LineFinding(
                reconciliation_id=run_of[cid],
                line_id=line_id,
                kind="unmatched",
                reason="other_company",
                member_id=member_of.get(ids[(ids.index(cid) + 1) % len(ids)]),
            )
            for line_id, cid in lines
        ),
        batch_size=5000,
    )
    return next(o for o, cid in company_ids.items() if cid == lines[0][1])


def _letters(company_ids: list[int]) -> int:
    """12 uploaded letters to every company (half downloaded) and one generated draft."""
    from django.utils import timezone

    from trekkportal.letters.models import Letter, LetterBatch

    now = timezone.now()
    draft = 0
    for month in range(13):
        created = now - dt.timedelta(days=30 * month)
        generated = month == 12
        batch = LetterBatch.objects.create(
            kind="generated" if generated else "uploaded",
            state="draft" if generated else "published",
            created_at=now if generated else created,
            published_at=None if generated else created,
        )
        draft = batch.pk if generated else draft
        Letter.objects.bulk_create(
            (
                Letter(
                    company_id=cid,
                    batch=batch,
                    subject=f"Brev {month}",
                    storage_name=f"bench/letter-{batch.pk}-{cid}.pdf",
                    size=30_000,
                    sha256="0" * 64,
                    created_at=created,
                    is_published=not generated,
                    first_downloaded_at=created if (cid + month) % 2 and not generated else None,
                    starts=1 if generated else 0,
                )
                for cid in company_ids
            ),
            batch_size=5000,
        )
    return draft


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="trekkportal-backoffice-bench-")
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
        database["TEST"] = {"NAME": f"{database['NAME']}_backoffice_bench"}
    django.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.fixtures import log_in_client, make_user
    from trekkportal.accounts.models import Company
    from trekkportal.members.models import Member

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"building {args.companies:,} companies and {args.members:,} members "
              f"on {connection.vendor} …")  # fmt: skip
        facts = build(args.companies, args.members)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        client = log_in_client(Client(), make_user("bench@forbundet.example", is_staff=True))
        company = Company.objects.get(orgnr=facts["orgnr"])
        member = Member.objects.get(name=facts["member_name"])
        pages = [
            ("period overview", reverse("backoffice:overview"), {}),
            ("  state: late", reverse("backoffice:overview"), {"tilstand": "late"}),
            ("  search by name", reverse("backoffice:overview"), {"q": "Bedrift 19"}),
            ("  page 30", reverse("backoffice:overview"), {"side": "30"}),
            ("  CSV export (2,000 rows)", reverse("backoffice:overview_csv"), {}),
            ("  XLSX export (2,000 rows)", reverse("backoffice:overview_xlsx"), {}),
            ("company page", reverse("backoffice:company", args=[company.pk]), {}),
            ("missing lists", reverse("backoffice:missing"), {}),
            ("audit log", reverse("backoffice:audit"), {}),
            (
                "  by action and company",
                reverse("backoffice:audit"),
                {"handling": "login", "bedrift": facts["orgnr"]},
            ),
            ("members: by name", reverse("backoffice:members"), {"q": facts["member_name"]}),
            ("members: by identity number", reverse("backoffice:members"), {"q": facts["nin"]}),
            ("member page", reverse("backoffice:member", args=[member.pk]), {}),
            ("answers", reverse("backoffice:answers"), {}),
            ("unmatched lines (2,000)", reverse("backoffice:unmatched"), {}),
            ("  by company", reverse("backoffice:unmatched"), {"q": facts["unmatched_orgnr"]}),
            ("  page 40", reverse("backoffice:unmatched"), {"side": "40"}),
            ("letters (13 batches)", reverse("backoffice:letters"), {}),
            (
                "letter batch (2,000 letters)",
                reverse("backoffice:letters_batch", args=[facts["draft"]]),
                {},
            ),
            ("NDA", reverse("backoffice:nda"), {}),
        ]
        print(f"load average {os.getloadavg()[0]:.1f} (2 vCPUs); {args.runs} runs per page")
        print(f"{'page':<32} {'median':>8} {'p95':>8} {'cpu':>8} {'queries':>8}")
        for label, url, query in pages:
            times, cpu, counts = [], [], set()
            client.get(url, query)  # warm
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as queries:
                    started, used = time.perf_counter(), time.process_time()
                    response = client.get(url, query)
                    if response.streaming:
                        b"".join(response.streaming_content)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                assert response.status_code == 200, (label, response.status_code)
                counts.add(len(queries))
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            shown = "/".join(str(c) for c in sorted(counts))
            print(
                f"{label:<32} {statistics.median(times):6.1f} ms {p95:6.1f} ms "
                f"{statistics.median(cpu):6.1f} ms {shown:>8}"
            )
        print(f"load average after the run {os.getloadavg()[0]:.1f}")
    finally:
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
