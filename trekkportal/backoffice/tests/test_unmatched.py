"""Unmatched lines: the page across companies, and its three actions (move the employment,
not a member, dismiss), each through a reconciliation service, audited, the period
reconciled again; staff with the second factor only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures import log_in_client
from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job
from trekkportal.members.models import Employment
from trekkportal.reconciliation.models import LineFinding, Reconciliation
from trekkportal.reconciliation.services import (
    CannotResolve,
    dismiss_unmatched_line,
    mark_line_not_a_member,
    move_employment_for_line,
    reconcile,
)
from trekkportal.reconciliation.tests.helpers import a_member, a_nin, a_read_list, line_for

from .test_pages import LAST_MONTH

pytestmark = pytest.mark.usefixtures("frozen_now")

P = LAST_MONTH
PAGE = reverse("backoffice:unmatched")
ACTIONS = ["unmatched_move", "unmatched_not_member", "unmatched_dismiss"]


@pytest.fixture
def elsewhere(company_a, company_b, employer_a):
    """Ola is registered at B, but A's list for the period deducts him: unmatched at A,
    pointing to Ola."""
    ola = a_member(company_b, since=P.shift(-6))
    a_read_list(company_a, employer_a, P, [line_for(ola)])
    reconcile(period=P, company=company_a)
    finding = LineFinding.objects.get()
    assert (finding.reason, finding.member) == ("other_company", ola)
    return SimpleNamespace(member=ola, finding=finding)


def runs(company) -> int:
    return AuditEvent.objects.filter(action="reconciliation.run", company=company).count()


# Through the services ------------------------------------------------------------------


def test_moving_the_employment_ends_it_elsewhere_and_reconciles_both_companies(
    staff, company_a, company_b, elsewhere
):
    before = runs(company_a)

    result = move_employment_for_line(finding=elsewhere.finding, acting_user=staff)

    assert result is None  # the line now matches Ola at A
    employments = {
        e.company_id: (e.from_period, e.to_period)
        for e in Employment.objects.filter(member=elsewhere.member)
    }
    assert employments[company_a.pk] == (P.first_day, None)
    assert employments[company_b.pk][1] == P.previous().first_day
    assert not LineFinding.objects.exists()
    row = Reconciliation.objects.get(company=company_a, period=P.first_day)
    assert (row.expected, row.deducted, row.unmatched) == (1, 1, 0)
    assert runs(company_a) == before + 1
    event = AuditEvent.objects.get(action="unmatched_line.moved")
    assert (event.actor, event.company) == (staff, company_a)
    assert event.data["period"] == P.iso
    assert event.data["moved_from"] == str(company_b.pk)


def test_moving_queues_the_later_periods_already_reconciled(
    staff, company_a, employer_a, elsewhere
):
    a_read_list(company_a, employer_a, P.next(), [line_for(elsewhere.member)])
    reconcile(period=P.next(), company=company_a)
    Job.objects.all().delete()

    move_employment_for_line(finding=elsewhere.finding, acting_user=staff)

    queued = Job.objects.filter(name__endswith="reconcile_company_period")
    assert [job.kwargs["period"] for job in queued] == [P.next().iso]


@pytest.mark.parametrize(
    ("service", "resolution", "action"),
    [
        (mark_line_not_a_member, "not_member", "unmatched_line.not_member"),
        (dismiss_unmatched_line, "dismissed", "unmatched_line.dismissed"),
    ],
)
def test_not_a_member_and_dismiss_are_kept_through_a_re_run(
    staff, company_a, elsewhere, service, resolution, action
):
    before = runs(company_a)

    result = service(finding=elsewhere.finding, acting_user=staff)

    assert result is not None and result.pk != elsewhere.finding.pk  # the run replaced it
    assert (result.resolution, result.resolved_by) == (resolution, staff)
    assert runs(company_a) == before + 1
    reconcile(period=P, company=company_a)
    assert LineFinding.objects.get().resolution == resolution
    assert AuditEvent.objects.filter(action=action, actor=staff, company=company_a).count() == 1
    assert Employment.objects.filter(member=elsewhere.member).count() == 1  # untouched


def test_the_unmatched_figure_counts_the_open_lines_only(staff, company_a, elsewhere):
    def figure() -> int:
        return Reconciliation.objects.get(company=company_a).unmatched

    assert figure() == 1
    dismiss_unmatched_line(finding=elsewhere.finding, acting_user=staff)
    assert figure() == 0
    reconcile(period=P, company=company_a)  # a re-run keeps the line resolved
    assert figure() == 0


def test_a_resolved_line_cannot_be_resolved_again(staff, elsewhere):
    finding = dismiss_unmatched_line(finding=elsewhere.finding, acting_user=staff)
    with pytest.raises(CannotResolve):
        mark_line_not_a_member(finding=finding, acting_user=staff)
    assert AuditEvent.objects.filter(action__startswith="unmatched_line.").count() == 1


def test_a_line_with_no_member_in_the_register_cannot_be_moved(staff, company_a, employer_a):
    stranger = SimpleNamespace(test_nin=a_nin(), name="Ukjent, Person")
    a_read_list(company_a, employer_a, P, [line_for(stranger)])
    reconcile(period=P, company=company_a)

    with pytest.raises(CannotResolve):
        move_employment_for_line(finding=LineFinding.objects.get(), acting_user=staff)
    assert not AuditEvent.objects.filter(action="unmatched_line.moved").exists()


# Through the page ----------------------------------------------------------------------


def test_the_page_shows_the_period_s_open_lines_with_masked_numbers_only(
    staff_client, elsewhere, company_a, company_b
):
    response = staff_client.get(PAGE)

    assert response.status_code == 200
    assert response.context["period"] == P
    assert [f.pk for f in response.context["page"].object_list] == [elsewhere.finding.pk]
    page = response.content.decode()
    assert "Linjer uten treff: oktober 2026" in page
    assert "Registrert i en annen bedrift" in page
    assert elsewhere.member.name in page
    assert f"ansatt i {company_b.name}" in page
    assert elsewhere.member.nin_masked in page
    assert elsewhere.member.test_nin not in page


def test_the_page_filters_by_company_and_period(staff_client, elsewhere, company_a):
    def shown(**query):
        return [f.pk for f in staff_client.get(PAGE, query).context["page"].object_list]

    assert shown(q="alfa") == [elsewhere.finding.pk]
    assert shown(q=company_a.orgnr) == [elsewhere.finding.pk]
    assert shown(q="beta") == []
    assert shown(periode=P.previous().iso) == []


def test_the_page_keeps_a_fixed_number_of_queries(
    staff_client, company_a, company_b, employer_a, django_assert_num_queries
):
    def add_lines(n):
        people = [a_member(company_b, since=P.shift(-3)) for _ in range(n)]
        a_read_list(company_a, employer_a, P, [line_for(m) for m in people])
        reconcile(period=P, company=company_a)

    add_lines(2)
    staff_client.get(PAGE)  # warm the session and caches
    with django_assert_num_queries(8):
        staff_client.get(PAGE)
    add_lines(6)
    with django_assert_num_queries(8):
        response = staff_client.get(PAGE)
    assert len(response.context["page"].object_list) == 8


@pytest.mark.parametrize(
    ("name", "resolution"),
    [("unmatched_not_member", "not_member"), ("unmatched_dismiss", "dismissed")],
)
def test_staff_resolve_a_line_on_the_page_and_it_no_longer_shows(
    staff_client, elsewhere, name, resolution
):
    url = reverse(f"backoffice:{name}", args=[elsewhere.finding.pk])
    back = f"{PAGE}?periode={P.iso}"

    response = staff_client.post(url, {"next": back})

    assert (response.status_code, response.url) == (302, back)
    assert LineFinding.objects.get().resolution == resolution
    assert list(staff_client.get(PAGE).context["page"].object_list) == []
    assert "Ingen åpne linjer uten treff" in staff_client.get(PAGE).content.decode()


def test_staff_move_the_employment_on_the_page(staff_client, elsewhere, company_a):
    url = reverse("backoffice:unmatched_move", args=[elsewhere.finding.pk])
    response = staff_client.post(url, follow=True)
    assert response.status_code == 200
    assert "Arbeidsforholdet er flyttet til Alfa Offshore AS" in response.content.decode()
    assert Employment.objects.filter(
        member=elsewhere.member, company=company_a, to_period=None
    ).exists()


@pytest.mark.parametrize("name", ACTIONS)
def test_employers_and_anonymous_visitors_get_404_and_nothing_changes(
    client_a, db, elsewhere, name
):
    url = reverse(f"backoffice:{name}", args=[elsewhere.finding.pk])
    assert client_a.post(url).status_code == 404
    assert client_a.get(PAGE).status_code == 404
    assert Client().post(url).status_code == 404
    assert Client().get(PAGE).status_code == 404
    assert LineFinding.objects.get().resolution == ""
    assert not AuditEvent.objects.filter(action__startswith="unmatched_line.").exists()


@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_without_a_csrf_token_is_refused(staff, elsewhere, name):
    client = log_in_client(Client(enforce_csrf_checks=True), staff)
    url = reverse(f"backoffice:{name}", args=[elsewhere.finding.pk])
    assert client.post(url).status_code == 403
    assert LineFinding.objects.get().resolution == ""


def test_staff_without_the_second_factor_cannot_resolve(client, staff, elsewhere):
    log_in_client(client, staff, second_factor=False)
    url = reverse("backoffice:unmatched_dismiss", args=[elsewhere.finding.pk])
    response = client.post(url)
    assert (response.status_code, response.url) == (302, reverse("staff_second_factor"))
    assert LineFinding.objects.get().resolution == ""


def test_an_unknown_line_is_404(staff_client, db):
    url = reverse("backoffice:unmatched_dismiss", args=[999999])
    assert staff_client.post(url).status_code == 404
