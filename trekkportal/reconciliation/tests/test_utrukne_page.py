"""The employer's "Utrukne": the seed's screen, answers, and what they do to the register."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.members.models import Employment, Layoff
from trekkportal.reconciliation import selectors
from trekkportal.reconciliation.models import MissingDeduction
from trekkportal.reconciliation.services import reconcile

from .helpers import a_member, a_read_list, last_month

pytestmark = pytest.mark.django_db

P = last_month()
URL = reverse("portal:utrukne")


@pytest.fixture
def ola(company_a, employer_a):
    member = a_member(company_a, name="Normann, Ola")
    a_read_list(company_a, employer_a, P, [])
    reconcile(period=P, company=company_a)
    return member


def utrukket(member) -> MissingDeduction:
    return MissingDeduction.objects.get(member=member)


def answer(client, missing, status, comment=""):
    prefix = f"u{missing.pk}"
    return client.post(
        reverse("reconciliation:answer", args=[missing.pk]),
        {f"{prefix}-status": status, f"{prefix}-comment": comment},
    )


def expected_next_month(company, member) -> bool:
    found = selectors.expected_members(period=P.next(), company_id=company.pk)
    return member.pk in {m.member_id for m in found.get(company.pk, [])}


def test_it_shows_the_seeds_columns_and_no_identity_number(client_a, ola):
    response = client_a.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Fødselsdato", "Navn", "Periode utrukket", "Send status", "Kommentar:"):
        assert text in page
    for choice in ("Ansatt", "Permittert", "Sluttet i bedrift", "Annet"):
        assert f">{choice}</option>" in page
    assert "Normann, Ola" in page
    assert ola.birth_date.strftime("%d.%m.%Y") in page
    assert P.long_name("nb").capitalize() in page
    assert ola.test_nin not in page
    assert ola.nin_masked not in page


def test_it_lists_the_oldest_open_period_first(client_a, company_a, employer_a, ola):
    a_read_list(company_a, employer_a, P.previous(), [])
    reconcile(period=P.previous(), company=company_a)

    rows = list(selectors.open_missing_deductions(company_a))

    assert [r.period for r in rows] == [P.previous().first_day, P.first_day]


def test_on_a_phone_each_utrukket_is_a_stacked_row_with_its_labels(client_a, company_a, ola):
    answer(client_a, utrukket(ola), "other", "Sluttet")
    a_member(company_a, name="Hansen, Kari")
    reconcile(period=P, company=company_a)

    page = client_a.get(URL).content.decode()

    assert page.count('class="utrukne table--stack"') == 1
    assert 'class="utrukne utrukne--answered table--stack"' in page
    assert 'data-label="Fødselsdato"' in page and 'data-label="Besvart"' in page


def test_other_without_a_comment_is_refused(client_a, ola):
    response = answer(client_a, utrukket(ola), "other")

    assert response.status_code == 400
    assert "Skriv en kommentar" in response.content.decode()
    assert utrukket(ola).state == "open"


def test_a_refused_answer_is_shown_under_the_utrukne_tab(client_a, ola):
    html = answer(client_a, utrukket(ola), "other").content.decode()

    current = re.findall(r'<a href="([^"]*)" aria-current="page">', html)
    assert current == [URL]


def test_other_with_a_comment_is_answered_and_shown_below(client_a, employer_a, ola):
    response = answer(client_a, utrukket(ola), "other", "Lønn utbetales neste uke")

    assert response.status_code == 302
    row = utrukket(ola)
    assert (row.state, row.status, row.comment, row.answered_by) == (
        "answered",
        "other",
        "Lønn utbetales neste uke",
        employer_a,
    )
    page = client_a.get(URL).content.decode()
    answered = page.split('id="answered-heading"')[1]
    assert "Normann, Ola" in answered and "Lønn utbetales neste uke" in answered
    assert "Kari Alfa" in answered  # by whom
    assert "Send status" not in answered
    assert AuditEvent.objects.filter(action="missing_deduction.answered").exists()


def test_an_identity_number_typed_into_the_comment_is_stored_and_shown_masked(client_a, ola):
    response = answer(client_a, utrukket(ola), "other", "Gjelder 14037523586, sluttet")

    assert response.status_code == 302
    assert utrukket(ola).comment == "Gjelder 140375*****, sluttet"
    assert "14037523586" not in client_a.get(URL).content.decode()


def test_laid_off_opens_a_layoff_from_that_period(client_a, company_a, ola):
    answer(client_a, utrukket(ola), "laid_off")

    layoff = Layoff.objects.get(member=ola, company=company_a)
    assert (layoff.from_period, layoff.to_period) == (P.first_day, None)
    assert not expected_next_month(company_a, ola)


def test_left_the_company_ends_the_employment_before_that_period(client_a, company_a, ola):
    answer(client_a, utrukket(ola), "left_company")

    employment = Employment.objects.get(member=ola, company=company_a)
    assert employment.to_period == P.previous().first_day
    assert not expected_next_month(company_a, ola)


@pytest.mark.parametrize("status", ["employed", "other"])
def test_employed_and_other_are_kept_for_staff_and_change_nothing(client_a, company_a, ola, status):
    answer(client_a, utrukket(ola), status, "Se e-post")

    assert utrukket(ola).status == status
    assert expected_next_month(company_a, ola)
    assert not Layoff.objects.exists()


def test_an_answer_stays_answered_when_the_period_is_reconciled_again(client_a, company_a, ola):
    answer(client_a, utrukket(ola), "laid_off")

    reconcile(period=P, company=company_a)

    assert (utrukket(ola).state, utrukket(ola).status) == ("answered", "laid_off")


def test_another_companys_utrukket_is_not_answerable(client_b, ola):
    response = answer(client_b, utrukket(ola), "employed")

    assert response.status_code == 404
    assert utrukket(ola).state == "open"
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_an_answered_utrukket_cannot_be_answered_again(client_a, ola):
    answer(client_a, utrukket(ola), "employed")
    answer(client_a, utrukket(ola), "laid_off")

    assert utrukket(ola).status == "employed"
    assert not Layoff.objects.exists()


def test_it_uses_a_fixed_number_of_queries(
    client_a, company_a, employer_a, ola, django_assert_max_num_queries
):
    kari = a_member(company_a, name="Hansen, Kari")
    reconcile(period=P, company=company_a)
    answer(client_a, utrukket(kari), "employed")  # one row in each list
    client_a.get(URL)  # warm the session and caches
    with django_assert_max_num_queries(20) as few:
        client_a.get(URL)
    count = len(few.captured_queries)
    for i in range(30):
        a_member(company_a, name=f"Person {i}, Test")
    reconcile(period=P, company=company_a)
    answer(client_a, utrukket(ola), "employed")
    assert MissingDeduction.objects.filter(state="open").count() == 30

    with django_assert_max_num_queries(count):
        client_a.get(URL)


def test_it_paginates(client_a, company_a, employer_a, ola):
    for i in range(30):
        a_member(company_a, name=f"Person {i:02d}, Test")
    reconcile(period=P, company=company_a)

    first = client_a.get(URL).content.decode()
    second = client_a.get(URL + "?side=2").content.decode()

    assert first.count("Send status</button>") == 25
    assert second.count("Send status</button>") == 6
