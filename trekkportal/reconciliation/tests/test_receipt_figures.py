"""The receipt says, once the period is reconciled, how many expected members were
deducted and how many are missing, with a link to "Utrukne"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from trekkportal.reconciliation.services import reconcile

from .helpers import a_member, a_read_list, last_month, line_for

pytestmark = pytest.mark.django_db

P = last_month()


def receipt(client, submission) -> str:
    return client.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()


def test_the_receipt_gives_the_figures_and_links_to_utrukne(client_a, company_a, employer_a):
    ola = a_member(company_a)
    a_member(company_a, name="Hansen, Kari")
    submission = a_read_list(company_a, employer_a, P, [line_for(ola)])
    reconcile(period=P, company=company_a)

    page = receipt(client_a, submission)

    assert "1 av 2 medlemmer vi har registrert i bedriften er trukket" in page
    assert "1 medlem er ikke trukket." in page
    assert f'href="{reverse("portal:utrukne")}"' in page


def test_the_receipt_thanks_when_everyone_was_deducted(client_a, company_a, employer_a):
    ola = a_member(company_a)
    submission = a_read_list(company_a, employer_a, P, [line_for(ola)])
    reconcile(period=P, company=company_a)

    assert "Alle medlemmer vi har registrert i bedriften er trukket." in receipt(
        client_a, submission
    )


def test_the_receipt_says_so_before_the_comparison(client_a, company_a, employer_a):
    a_member(company_a)
    submission = a_read_list(company_a, employer_a, P, [])

    assert "Listen er ikke sammenholdt med medlemsregisteret ennå." in receipt(client_a, submission)
