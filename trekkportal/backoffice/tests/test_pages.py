"""The back office's pages: staff only (404 for employers and anonymous visitors),
a fixed number of queries whatever the number of companies, and what each page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures import NOW, log_in_client, make_user, submit_one_csv
from trekkportal.accounts.services import add_company
from trekkportal.lib.identity import make_valid_nin, make_valid_orgnr
from trekkportal.lib.periods import Period
from trekkportal.mail.models import Reminder

pytestmark = pytest.mark.usefixtures("frozen_now")

LAST_MONTH = Period(2026, 10)  # NOW is 20 November 2026
PAGES = [
    ("backoffice:overview", {}),
    ("backoffice:overview_csv", {}),
    ("backoffice:overview_xlsx", {}),
    ("backoffice:missing", {}),
    ("backoffice:audit", {}),
    ("backoffice:audit_export", {}),
    ("backoffice:nda", {}),
    ("backoffice:members", {}),
    ("backoffice:member_import", {}),
    ("backoffice:answers", {}),
    ("backoffice:unmatched", {}),
]


def backdate():
    """Every company registered well before last month's deadline (the fixtures make them
    at NOW, after it; a company counts for a period only if it existed at its deadline)."""
    from trekkportal.accounts.models import Company

    Company.objects.update(created_at=NOW - dt.timedelta(days=400))


def many_companies(n: int, start: int = 100):
    return [
        add_company(orgnr=make_valid_orgnr(93000000 + (start + i) * 10), name=f"Bedrift {i:04d} AS")
        for i in range(n)
    ]


def company_url(company) -> str:
    return reverse("backoffice:company", args=[company.pk])


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_employers_get_404_on_every_back_office_page(client_a, name, kwargs):
    assert client_a.get(reverse(name, kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_anonymous_visitors_get_404(client, db, name, kwargs):
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_employers_get_404_on_a_company_page_and_its_actions(client_a, company_a, employer_a):
    assert client_a.get(company_url(company_a)).status_code == 404
    grant = reverse("backoffice:company_grant", args=[company_a.pk])
    assert client_a.post(grant, {"email": employer_a.email}).status_code == 404
    remind = reverse("backoffice:missing_remind", args=[company_a.pk])
    assert client_a.post(remind, {"periode": "2026-10"}).status_code == 404


def test_staff_without_the_second_factor_are_sent_to_set_it_up(client, staff):
    log_in_client(client, staff, second_factor=False)
    response = client.get(reverse("backoffice:overview"))
    assert response.status_code == 302
    assert response.url == reverse("staff_second_factor")


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_staff_open_every_page(staff_client, company_a, name, kwargs):
    assert staff_client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_the_overview_opens_on_last_month(staff_client, company_a):
    response = staff_client.get(reverse("backoffice:overview"))
    assert response.context["period"] == LAST_MONTH
    assert "oktober 2026" in response.content.decode()


def test_any_period_can_be_chosen(staff_client, company_a):
    response = staff_client.get(reverse("backoffice:overview"), {"periode": "2019-03"})
    assert response.context["period"] == Period(2019, 3)
    assert 'value="2019-03" selected' in response.content.decode()


def test_the_overview_shows_who_submitted_and_who_is_late(
    staff_client, company_a, company_b, employer_a
):
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    Reminder.objects.create(company=company_b, period="2026-10", deadline=dt.date(2026, 11, 15))

    response = staff_client.get(reverse("backoffice:overview"))

    counts = response.context["counts"]
    assert counts["companies"] == 3  # A, B and C (employer_a also has C)
    assert counts["submitted"] == 1
    assert counts["late"] == 3  # A after the deadline, B and C not at all
    assert counts["reminded"] == 1
    rows = {c.name: c for c in response.context["page"].object_list}
    assert rows["Alfa Offshore AS"].submission_count == 1
    assert rows["Alfa Offshore AS"].file_count == 1
    assert rows["Alfa Offshore AS"].unread_count == 1  # not parsed in this test
    assert rows["Alfa Offshore AS"].late is True  # submitted on the 20th, due on the 15th
    assert rows["Beta Raffineri AS"].submission_count == 0
    assert rows["Beta Raffineri AS"].late is True
    assert rows["Beta Raffineri AS"].reminded_at is not None


def test_the_overview_filters_by_state_and_searches_name_or_orgnr(
    staff_client, company_a, company_b, employer_a
):
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    url = reverse("backoffice:overview")

    submitted = staff_client.get(url, {"tilstand": "submitted"}).context["page"].object_list
    assert [c.name for c in submitted] == ["Alfa Offshore AS"]
    missing = staff_client.get(url, {"tilstand": "not_submitted"}).context["page"].object_list
    assert "Alfa Offshore AS" not in [c.name for c in missing]
    by_name = staff_client.get(url, {"q": "beta"}).context["page"].object_list
    assert [c.name for c in by_name] == ["Beta Raffineri AS"]
    by_orgnr = staff_client.get(url, {"q": company_b.orgnr[:6]}).context["page"].object_list
    assert company_b.pk in [c.pk for c in by_orgnr]


def test_the_chart_and_its_table_show_the_same_twelve_months(
    staff_client, company_a, company_b, employer_a
):
    backdate()
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    response = staff_client.get(reverse("backoffice:overview"))
    months = response.context["months"]
    assert [m.period for m in months][-1] == LAST_MONTH
    assert len(months) == 12
    assert months[-1].submitted == 1
    assert months[-1].rate == 100 * 1 // months[-1].companies
    page = response.content.decode()
    assert 'role="img"' in page
    assert f"{months[-1].rate} %" in page


def test_the_overview_has_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, company_a, employer_a
):
    url = reverse("backoffice:overview")
    staff_client.get(url)  # warm the session
    with django_assert_num_queries(QUERIES["overview"]):
        staff_client.get(url)
    many_companies(60)
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    with django_assert_num_queries(QUERIES["overview"]):
        assert staff_client.get(url).status_code == 200


def test_the_company_page_has_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, company_a, employer_a
):
    url = company_url(company_a)
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    staff_client.get(url)
    with django_assert_num_queries(QUERIES["company"]):
        staff_client.get(url)
    for _ in range(3):
        submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    make_user("ole@alfa.example", companies=[company_a])
    Reminder.objects.create(company=company_a, period="2026-09", deadline=dt.date(2026, 10, 15))
    with django_assert_num_queries(QUERIES["company"]):
        assert staff_client.get(url).status_code == 200


def test_the_missing_lists_page_has_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, company_a
):
    url = reverse("backoffice:missing")
    backdate()
    staff_client.get(url)
    with django_assert_num_queries(QUERIES["missing"]):
        staff_client.get(url)
    many_companies(40)
    backdate()
    with django_assert_num_queries(QUERIES["missing"]):
        assert staff_client.get(url).status_code == 200


def test_the_audit_log_has_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, company_a, company_b
):
    url = reverse("backoffice:audit")
    staff_client.get(url)
    with django_assert_num_queries(QUERIES["audit"]):
        staff_client.get(url)
    many_companies(30)  # each writes an audit event with its company
    with django_assert_num_queries(QUERIES["audit"]):
        assert staff_client.get(url).status_code == 200


def test_the_nda_page_has_a_fixed_number_of_queries(staff_client, django_assert_num_queries):
    url = reverse("backoffice:nda")
    staff_client.get(url)
    with django_assert_num_queries(QUERIES["nda"]):
        assert staff_client.get(url).status_code == 200


# The frame's (session, user, NDA, granted companies) and each page's own; the same with
# one company or sixty.
QUERIES = {"overview": 13, "company": 15, "missing": 7, "audit": 7, "nda": 7}


def test_the_missing_lists_page_lists_companies_without_a_list_past_the_deadline(
    staff_client, company_a, company_b, employer_a, employer_b
):
    backdate()
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    response = staff_client.get(reverse("backoffice:missing"))
    assert response.context["period"] == LAST_MONTH  # due 15 November, today the 20th
    names = [c.name for c in response.context["page"].object_list]
    assert "Beta Raffineri AS" in names
    assert "Alfa Offshore AS" not in names
    assert "Send en purring nå" in response.content.decode()


def test_staff_are_sent_to_the_back_office_from_the_portal_home(staff_client):
    response = staff_client.get(reverse("portal:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("backoffice:overview")
    assert response.status_code == 200
    assert "portal/no_company.html" not in [t.name for t in response.templates]


def test_the_admin_carries_the_unions_name(staff_client, settings):
    response = staff_client.get(reverse("admin:index"))
    assert settings.UNION_NAME in response.content.decode()


def test_submitted_at_is_shown_in_the_portals_time_zone(staff_client, company_a, employer_a):
    submit_one_csv(company_a, employer_a, period=LAST_MONTH)
    page = staff_client.get(reverse("backoffice:overview")).content.decode()
    local = NOW.astimezone(dt.timezone(dt.timedelta(hours=1)))  # CET in November
    assert local.strftime("%d.%m.%Y %H:%M") in page


def test_a_second_staff_member_sees_the_same_overview(db, company_a):
    other = make_user("nils@forbundet.example", is_staff=True)
    client = log_in_client(Client(), other)
    assert client.get(reverse("backoffice:overview")).status_code == 200


def reconciled(company, period, *, expected, deducted, open_, answered):
    """A reconciliation as ``reconciliation.services.reconcile`` leaves it, with its
    utrukne (members registered for the purpose)."""
    from trekkportal.members.services import register_member
    from trekkportal.reconciliation.models import MissingDeduction, Reconciliation

    run = Reconciliation.objects.create(
        company=company,
        period=period.first_day,
        state=Reconciliation.State.RECONCILED,
        expected=expected,
        deducted=deducted,
        missing=open_ + answered,
    )
    from trekkportal.members.models import Member

    first = Member.objects.count()
    for i in range(open_ + answered):
        member = register_member(
            nin=make_valid_nin(dt.date(1970, 1, 1) + dt.timedelta(days=first + i)),
            name=f"Medlem {first + i}",
        )
        MissingDeduction.objects.create(
            reconciliation=run,
            company=company,
            period=period.first_day,
            member=member,
            state=MissingDeduction.State.OPEN if i < open_ else MissingDeduction.State.ANSWERED,
        )
    return run


def test_the_overview_shows_the_reconciled_figures_and_filters_on_open_utrukne(
    staff_client, company_a, company_b
):
    reconciled(company_a, LAST_MONTH, expected=5, deducted=3, open_=1, answered=1)
    url = reverse("backoffice:overview")

    response = staff_client.get(url)
    row = next(c for c in response.context["page"].object_list if c.pk == company_a.pk)
    assert (row.expected, row.deducted, row.missing_open, row.missing_answered) == (5, 3, 1, 1)
    assert "3 av 5 trukket" in response.content.decode()
    assert response.context["counts"]["open_missing"] == 1
    assert response.context["months"][-1].open_missing == 1

    with_open = staff_client.get(url, {"tilstand": "open_missing"}).context["page"].object_list
    assert [c.pk for c in with_open] == [company_a.pk]


def test_the_admin_offers_no_deletion_of_audit_events_jobs_or_mail_records(staff_client):
    from django.contrib import admin

    from trekkportal.audit.models import AuditEvent
    from trekkportal.jobs.models import Job, ScheduledRun
    from trekkportal.mail.models import OutboxMessage

    request = staff_client.get(reverse("admin:index")).wsgi_request
    for model in (AuditEvent, Job, ScheduledRun, OutboxMessage, Reminder):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
