"""The answers feed: the companies' newest answers to utrukne, "Ansatt" standing out, and
"mark as followed up" through the reconciliation app's service, audited, staff only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from trekkportal.audit.models import AuditEvent
from trekkportal.reconciliation.models import MissingDeduction

from .test_pages import LAST_MONTH, reconciled

pytestmark = pytest.mark.usefixtures("frozen_now")


def answer(item, status, comment=""):
    MissingDeduction.objects.filter(pk=item.pk).update(
        status=status, comment=comment, state="answered", answered_at=timezone.now()
    )


@pytest.fixture
def answered(company_a, employer_a):
    run = reconciled(company_a, LAST_MONTH, expected=3, deducted=1, open_=2, answered=0)
    employed, other = run.missing_deductions.order_by("pk")
    answer(employed, MissingDeduction.Status.EMPLOYED)
    answer(other, MissingDeduction.Status.OTHER, comment="Sluttet i forrige uke")
    return employed, other


def test_the_feed_shows_the_answers_and_employed_ones_stand_out(staff_client, answered):
    response = staff_client.get(reverse("backoffice:answers"))
    assert {a.pk for a in response.context["page"].object_list} == {a.pk for a in answered}
    page = response.content.decode()
    assert page.count('class="row--attention"') == 1
    assert "Sluttet i forrige uke" in page


def test_the_feed_filters_by_answer(staff_client, answered):
    response = staff_client.get(reverse("backoffice:answers"), {"svar": "employed"})
    assert [a.pk for a in response.context["page"].object_list] == [answered[0].pk]


def test_staff_mark_an_answer_as_followed_up_and_it_is_audited(staff_client, staff, answered):
    employed = answered[0]
    url = reverse("backoffice:answer_handled", args=[employed.pk])
    assert staff_client.post(url).status_code == 302
    assert staff_client.post(url).status_code == 302  # twice: one event
    employed.refresh_from_db()
    assert employed.handled_at is not None and employed.handled_by == staff
    assert AuditEvent.objects.filter(action="missing_deduction.handled", actor=staff).count() == 1
    not_yet = staff_client.get(reverse("backoffice:answers")).context["page"].object_list
    assert employed.pk not in [a.pk for a in not_yet]


def test_employers_cannot_see_the_feed_or_mark_answers(client_a, answered):
    assert client_a.get(reverse("backoffice:answers")).status_code == 404
    url = reverse("backoffice:answer_handled", args=[answered[0].pk])
    assert client_a.post(url).status_code == 404
    answered[0].refresh_from_db()
    assert answered[0].handled_at is None


def test_the_feed_has_a_fixed_number_of_queries(
    staff_client, django_assert_num_queries, answered, company_b
):
    url = reverse("backoffice:answers")
    staff_client.get(url, {"behandlet": "alle"})
    with django_assert_num_queries(7):
        staff_client.get(url, {"behandlet": "alle"})
    run = reconciled(company_b, LAST_MONTH, expected=9, deducted=0, open_=9, answered=0)
    for item in run.missing_deductions.all():
        answer(item, MissingDeduction.Status.LAID_OFF)
    with django_assert_num_queries(7):
        assert staff_client.get(url, {"behandlet": "alle"}).status_code == 200


def test_the_company_page_shows_its_utrukne_and_answers(staff_client, company_a, answered):
    page = staff_client.get(reverse("backoffice:company", args=[company_a.pk])).content.decode()
    assert answered[0].member.name in page
    assert "Sluttet i forrige uke" in page
