"""Reconciling a company's period against the register: who is expected, what counts as
deducted, what becomes an utrukket, and what re-runs keep."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail  # noqa: F401  (the outbox is Django's in tests)

from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.mail.models import OutboxMessage
from trekkportal.members.models import Member
from trekkportal.members.services import (
    end_employment,
    open_layoff,
    resign_member,
    start_employment,
)
from trekkportal.reconciliation import selectors
from trekkportal.reconciliation.models import LineFinding, MissingDeduction, Reconciliation
from trekkportal.reconciliation.services import answer_missing_deduction, reconcile

from .helpers import a_member, a_nin, a_read_list, an_unreadable_list, last_month, line_for

pytestmark = pytest.mark.django_db

P = last_month()


def expected_ids(company, period=P):
    return {
        m.member_id
        for m in selectors.expected_members(period=period, company_id=company.pk)[company.pk]
    }


# The expected set ----------------------------------------------------------------------


def test_a_member_who_moves_in_march_is_expected_at_a_until_february_and_at_b_from_march(
    company_a, company_b
):
    march = P
    ola = a_member(company_a, since=march.shift(-6))
    start_employment(member=ola, company=company_b, from_period=march)

    assert ola.pk in expected_ids(company_a, march.previous())
    assert ola.pk not in expected_ids(company_a, march)
    assert ola.pk in expected_ids(company_b, march)
    assert ola.pk not in expected_ids(company_b, march.previous())


def test_an_employment_covers_its_first_and_last_month(company_a):
    ola = a_member(company_a, since=P.shift(-2))
    end_employment(member=ola, company=company_a, last_period=P)

    assert ola.pk not in expected_ids(company_a, P.shift(-3))
    assert ola.pk in expected_ids(company_a, P.shift(-2))
    assert ola.pk in expected_ids(company_a, P)
    assert ola.pk not in expected_ids(company_a, P.next())


def test_a_laid_off_member_is_not_expected_during_the_spell(company_a):
    ola = a_member(company_a)
    open_layoff(member=ola, company=company_a, from_period=P.previous(), to_period=P)

    assert ola.pk in expected_ids(company_a, P.shift(-2))
    assert ola.pk not in expected_ids(company_a, P.previous())
    assert ola.pk not in expected_ids(company_a, P)
    assert ola.pk in expected_ids(company_a, P.next())


def test_a_member_who_resigned_is_expected_up_to_the_month_of_resignation(company_a):
    ola = a_member(company_a)
    resign_member(member=ola, resigned=P.first_day + dt.timedelta(days=9))

    assert ola.pk in expected_ids(company_a, P)
    assert ola.pk not in expected_ids(company_a, P.next())


def test_invoice_payers_and_members_not_yet_joined_are_not_expected(company_a):
    invoice = a_member(company_a, payment=Member.Payment.INVOICE)
    later = a_member(company_a, joined=P.next().first_day)

    assert expected_ids(company_a).isdisjoint({invoice.pk, later.pk})


# Deducted, missing, unmatched ------------------------------------------------------------


def test_a_member_missing_from_the_list_becomes_an_utrukket(company_a, employer_a):
    ola, kari = a_member(company_a), a_member(company_a, name="Hansen, Kari")
    a_read_list(company_a, employer_a, P, [line_for(ola)])

    summary = reconcile(period=P, company=company_a)

    assert (summary.expected, summary.deducted, summary.missing) == (2, 1, 1)
    utrukket = MissingDeduction.objects.get()
    assert (utrukket.member, utrukket.period, utrukket.state) == (kari, P.first_day, "open")
    row = Reconciliation.objects.get(company=company_a, period=P.first_day)
    assert (row.state, row.expected, row.deducted, row.missing) == ("reconciled", 2, 1, 1)


def test_lines_match_by_member_number_and_by_birth_date_and_name(company_a, employer_a):
    by_number = a_member(company_a, member_no="4711")
    by_name = a_member(company_a, name="Øvrebø, Kari Anne", birth=dt.date(1970, 5, 17))
    a_read_list(
        company_a,
        employer_a,
        P,
        [
            line_for(by_number, nin=None, member_no="4711"),
            line_for(by_name, nin=None, name="KARI OVREBO", listed_birth_date=by_name.birth_date),
        ],
    )

    summary = reconcile(period=P, company=company_a)

    assert (summary.deducted, summary.missing, summary.unmatched) == (2, 0, 0)


def test_a_line_in_another_companys_list_does_not_count(
    company_a, company_b, employer_a, employer_b
):
    ola = a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    a_read_list(company_b, employer_b, P, [line_for(ola)])

    reconcile(period=P)

    assert MissingDeduction.objects.get(company=company_a).member == ola
    finding = LineFinding.objects.get(reconciliation__company=company_b)
    assert (finding.kind, finding.reason, finding.member) == ("unmatched", "other_company", ola)


def test_a_line_for_another_period_does_not_count(company_a, employer_a):
    ola = a_member(company_a)
    a_read_list(company_a, employer_a, P, [line_for(ola, period=P.previous().iso)])

    reconcile(period=P, company=company_a)
    reconcile(period=P.previous(), company=company_a)

    assert MissingDeduction.objects.get().period == P.first_day
    assert Reconciliation.objects.get(period=P.previous().first_day).deducted == 1


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        ("resigned", "resigned"),
        ("invoice", "invoice"),
        ("elsewhere", "other_company"),
        ("unknown", "not_in_register"),
        ("laid_off", "laid_off"),
        ("no_employment", "not_employed"),
    ],
)
def test_an_unmatched_line_says_why_when_it_is_known(
    make, reason, company_a, company_b, employer_a
):
    if make == "resigned":
        member = a_member(company_a)
        resign_member(member=member, resigned=P.previous().first_day)
    elif make == "invoice":
        member = a_member(company_a, payment=Member.Payment.INVOICE)
    elif make == "elsewhere":
        member = a_member(company_b)
    elif make == "laid_off":
        member = a_member(company_a)
        open_layoff(member=member, company=company_a, from_period=P)
    elif make == "no_employment":
        member = a_member(None)
    else:
        member = SimpleNamespace(test_nin=a_nin(), name="Ukjent, Person")  # not registered
    a_read_list(company_a, employer_a, P, [line_for(member)])

    reconcile(period=P, company=company_a)

    finding = LineFinding.objects.get()
    assert (finding.kind, finding.reason) == ("unmatched", reason)
    assert not MissingDeduction.objects.exists()


def test_an_amount_far_from_the_dues_is_flagged_for_staff(company_a, employer_a):
    from decimal import Decimal

    ola = a_member(company_a, dues_amount=Decimal("630.00"))
    a_read_list(company_a, employer_a, P, [line_for(ola, amount="6300.00")])

    summary = reconcile(period=P, company=company_a)

    assert (summary.deducted, summary.flagged) == (1, 1)
    assert LineFinding.objects.get().expected_amount == Decimal("630.00")


# Re-runs, corrections, held-back periods ------------------------------------------------


def test_rerunning_keeps_answers_and_creates_nothing_twice(company_a, employer_a):
    ola = a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    reconcile(period=P, company=company_a)
    utrukket = MissingDeduction.objects.get()
    answer_missing_deduction(
        missing_deduction=utrukket,
        status="other",
        comment="Trekkes neste måned",
        acting_user=employer_a,
    )

    again = reconcile(period=P, company=company_a)
    reconcile(period=P)

    assert again.new_missing == 0
    utrukket = MissingDeduction.objects.get()
    assert (utrukket.member, utrukket.state, utrukket.status) == (ola, "answered", "other")
    assert utrukket.comment == "Trekkes neste måned"
    assert Reconciliation.objects.count() == 1


def test_a_correction_list_resolves_the_utrukket_and_keeps_it_visible(company_a, employer_a):
    ola = a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    reconcile(period=P, company=company_a)

    a_read_list(company_a, employer_a, P, [line_for(ola)], name="rettet.csv")
    summary = reconcile(period=P, company=company_a)

    assert summary.resolved == 1
    utrukket = MissingDeduction.objects.get()
    assert (utrukket.state, utrukket.resolution) == ("resolved", "deducted")
    assert utrukket in selectors.answered_missing_deductions(company_a)
    assert not selectors.open_missing_deductions(company_a).exists()


def test_an_unreadable_file_holds_the_period_back_and_staff_see_why(company_a, employer_a):
    a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    an_unreadable_list(company_a, employer_a, P)

    summary = reconcile(period=P, company=company_a)

    assert (summary.reconciled, summary.held_back) == (0, 1)
    assert not MissingDeduction.objects.exists()  # no false utrukne
    row = Reconciliation.objects.get()
    assert row.state == "held_back"
    assert "skadet.csv" in row.held_back_because


def test_a_file_read_without_a_single_valid_row_holds_the_period_back(company_a, employer_a):
    ola = a_member(company_a)
    a_read_list(company_a, employer_a, P, [line_for(ola, ok=False)])

    reconcile(period=P, company=company_a)

    row = Reconciliation.objects.get()
    assert row.state == "held_back"
    assert "liste.csv" in row.held_back_because
    assert not MissingDeduction.objects.exists()


def test_a_file_still_being_read_holds_the_period_back(company_a, employer_a):
    from trekkportal.submissions.services import submit_list
    from trekkportal.submissions.tests.files import CSV, upload

    a_member(company_a)
    submit_list(
        company=company_a,
        period=P,
        files=[upload("liste.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )

    reconcile(period=P, company=company_a)

    assert Reconciliation.objects.get().state == "waiting"
    assert not MissingDeduction.objects.exists()


def test_a_company_without_a_list_is_not_reconciled(company_a):
    a_member(company_a)

    summary = reconcile(period=P)

    assert summary.companies == 0
    assert not MissingDeduction.objects.exists()


# The job after a file is read, and the e-mail ---------------------------------------------


def test_reading_the_last_file_queues_a_reconciliation_of_the_companys_period(
    company_a, employer_a
):
    a_read_list(company_a, employer_a, P, [])

    job = Job.objects.get(name__endswith="reconcile_company_period")
    assert job.kwargs == {"company_id": company_a.pk, "period": P.iso}


def test_the_worker_reconciles_after_the_file_is_read(company_a, employer_a):
    a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    run_pending()

    assert MissingDeduction.objects.filter(company=company_a).count() == 1


def test_new_utrukne_send_one_email_once(company_a, employer_a):
    ola = a_member(company_a)
    a_member(company_a, name="Hansen, Kari")
    a_read_list(company_a, employer_a, P, [])
    OutboxMessage.objects.all().delete()  # the receipt

    reconcile(period=P, company=company_a)
    run_pending()
    reconcile(period=P, company=company_a)
    run_pending()

    message = OutboxMessage.objects.get()
    assert message.to == employer_a.email
    assert message.template_name == "new_missing_deductions"
    body = message.subject + message.body_text + message.body_html
    assert "/utrukne/" in body
    for private in (ola.name, "Normann", "Hansen", ola.test_nin, ola.nin_masked, "14.03.1985"):
        assert private not in body


def test_new_utrukne_in_a_later_run_send_a_new_email(company_a, employer_a):
    a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    reconcile(period=P, company=company_a)
    run_pending()
    a_member(company_a, name="Hansen, Kari")  # registered later

    reconcile(period=P, company=company_a)
    run_pending()

    assert OutboxMessage.objects.filter(template_name="new_missing_deductions").count() == 2


def test_the_email_job_run_twice_sends_one_email(company_a, employer_a):
    from trekkportal.reconciliation.jobs import send_missing_deduction_emails

    a_member(company_a)
    a_read_list(company_a, employer_a, P, [])
    reconcile(period=P, company=company_a)

    send_missing_deduction_emails(period=P.iso, company_id=company_a.pk)
    send_missing_deduction_emails(period=P.iso, company_id=company_a.pk)

    assert OutboxMessage.objects.filter(template_name="new_missing_deductions").count() == 1


def test_one_query_count_whatever_the_number_of_members(
    company_a, employer_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(n):
        members = [a_member(company_a, name=f"Person {i}, Test") for i in range(n)]
        a_read_list(company_a, employer_a, P, [line_for(m) for m in members[: n // 2]])
        with CaptureQueriesContext(connection) as queries:
            reconcile(period=P, company=company_a)
        MissingDeduction.objects.all().delete()
        return len(queries)

    few = run(4)
    many = run(40)
    assert few == many


def test_a_read_files_periods_are_the_same_from_the_lines_written_and_read_back(
    company_a, employer_a
):
    from trekkportal.reconciliation.models import FilePeriod
    from trekkportal.reconciliation.services import file_read

    ola = a_member(company_a)
    kari = a_member(company_a, name="Nordmann, Kari")
    submission = a_read_list(
        company_a, employer_a, P, [line_for(ola), line_for(kari, period=P.previous().iso)]
    )
    file = submission.files.get()
    stored = FilePeriod.objects.filter(submitted_file=file)
    from_the_lines_written = set(stored.values_list("period", flat=True))

    file_read(submitted_file=file)  # without line_periods: read back from the lines

    assert from_the_lines_written == set(stored.values_list("period", flat=True))
    assert from_the_lines_written == {P.first_day, P.previous().first_day}


def test_the_register_is_asked_in_chunks_and_every_chunks_members_are_found(
    monkeypatch, company_a, company_b, employer_a
):
    monkeypatch.setattr(selectors, "KNOWN_CHUNK", 2)
    monkeypatch.setattr(selectors, "KNOWN_CHUNK_PG", 2)
    elsewhere = [
        a_member(company_b, name=f"Annen{i}, Ola", birth=dt.date(1980, 1, 1 + i), member_no=f"7{i}")
        for i in range(5)
    ]
    lines = [line_for(m, row=2 + i) for i, m in enumerate(elsewhere[:3])]
    lines += [
        line_for(SimpleNamespace(test_nin=None, name=m.name), row=10 + i, member_no=m.member_no)
        for i, m in enumerate(elsewhere[3:])
    ]
    a_read_list(company_a, employer_a, P, lines)

    reconcile(period=P, company=company_a)

    findings = LineFinding.objects.order_by("line__row")
    assert [(f.reason, f.member_id) for f in findings] == [
        (LineFinding.Reason.OTHER_COMPANY, m.pk) for m in elsewhere
    ]


ODD_KEYS = ['7"1', "7\\2", "7,3", "{7}", " 7 ", "NULL", "", "7ø"]


def test_the_register_look_up_sends_keys_as_one_array_that_postgresql_reads_back_unchanged(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the array literal is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [selectors.text_array(ODD_KEYS)])
        assert cursor.fetchone()[0] == ODD_KEYS


def test_member_numbers_with_quotes_commas_and_braces_are_looked_up_like_any_other(
    company_a, company_b, employer_a
):
    elsewhere = [
        a_member(company_b, name=f"Annen{i}, Ola", birth=dt.date(1980, 1, 1 + i), member_no=no)
        for i, no in enumerate(key for key in ODD_KEYS if key.strip())
    ]
    lines = [
        line_for(SimpleNamespace(test_nin=None, name=m.name), row=2 + i, member_no=m.member_no)
        for i, m in enumerate(elsewhere)
    ]
    a_read_list(company_a, employer_a, P, lines)

    reconcile(period=P, company=company_a)

    findings = LineFinding.objects.order_by("line__row")
    assert [(f.reason, f.member_id) for f in findings] == [
        (LineFinding.Reason.OTHER_COMPANY, m.pk) for m in elsewhere
    ]
