"""Staff see per company and period the figures, the utrukne with their answers and the
lines for staff; per period the totals across companies. Read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from trekkportal.reconciliation import selectors
from trekkportal.reconciliation.models import MissingDeduction, Reconciliation
from trekkportal.reconciliation.services import answer_missing_deduction, reconcile

from .helpers import a_member, a_nin, a_read_list, last_month, line_for

pytestmark = pytest.mark.django_db

P = last_month()


@pytest.fixture
def reconciled(company_a, company_b, employer_a, employer_b):
    ola = a_member(company_a)
    kari = a_member(company_a, name="Hansen, Kari")
    a_member(company_b, name="Berg, Per")
    stranger = a_member(None, name="Fremmed, Frida")
    stranger.test_nin = a_nin()
    a_read_list(company_a, employer_a, P, [line_for(ola), line_for(stranger)])
    a_read_list(company_b, employer_b, P, [])
    reconcile(period=P)
    answer_missing_deduction(
        missing_deduction=MissingDeduction.objects.get(member=kari),
        status="other",
        comment="Ny lønnsavtale",
        acting_user=employer_a,
    )
    return Reconciliation.objects.get(company=company_a)


def test_the_selectors_give_the_figures_per_company_and_the_totals_per_period(reconciled):
    row = selectors.reconciliations(period=P).get(pk=reconciled.pk)
    assert (row.expected, row.deducted, row.missing, row.unmatched) == (2, 1, 1, 1)
    assert (row.missing_open, row.missing_answered, row.missing_resolved) == (0, 1, 0)

    (totals,) = selectors.period_totals()
    assert (totals["companies"], totals["expected"], totals["deducted"]) == (2, 3, 1)
    assert (totals["missing"], totals["missing_open"], totals["missing_answered"]) == (2, 1, 1)


def test_staff_see_reconciliations_utrukne_with_answers_findings_and_totals(
    staff_client, reconciled
):
    pages = {
        "reconciliations": reverse("admin:reconciliation_reconciliation_changelist"),
        "one": reverse("admin:reconciliation_reconciliation_change", args=[reconciled.pk]),
        "utrukne": reverse("admin:reconciliation_missingdeduction_changelist"),
        "findings": reverse("admin:reconciliation_linefinding_changelist"),
        "totals": reverse("admin:reconciliation_reconciliation_totals"),
    }
    content = {name: staff_client.get(url) for name, url in pages.items()}

    assert all(response.status_code == 200 for response in content.values())
    assert "Ny lønnsavtale" in content["utrukne"].content.decode()
    assert "Fremmed, Frida" in content["findings"].content.decode()
    assert P.mmyy in content["totals"].content.decode()


def test_the_admin_changes_nothing(staff_client, reconciled):
    url = reverse(
        "admin:reconciliation_missingdeduction_change", args=[MissingDeduction.objects.first().pk]
    )
    response = staff_client.post(url, {"status": "employed"})

    assert response.status_code == 403
    assert reverse("admin:reconciliation_reconciliation_add")  # exists, but refused:
    assert staff_client.get(reverse("admin:reconciliation_reconciliation_add")).status_code == 403


def test_employers_cannot_open_the_admin(client_a, reconciled):
    response = client_a.get(reverse("admin:reconciliation_reconciliation_changelist"))

    assert response.status_code in (302, 404)
