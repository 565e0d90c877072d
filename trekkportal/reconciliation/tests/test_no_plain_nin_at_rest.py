"""After a list is read, reconciled and answered, no identity number is in plain text in
any table (the raw database rows are read)."""

import pytest

from trekkportal.reconciliation.models import LineFinding, MissingDeduction
from trekkportal.reconciliation.services import answer_missing_deduction, reconcile
from trekkportal.submissions.tests.test_no_plain_nin_at_rest import every_stored_value

from .helpers import a_member, a_nin, a_read_list, last_month, line_for

pytestmark = pytest.mark.django_db


def test_no_identity_number_is_stored_in_plain_text_by_reconciliation(
    company_a, company_b, employer_a
):
    P = last_month()
    ola = a_member(company_a)
    kari = a_member(company_a, name="Hansen, Kari")
    per = a_member(company_b, name="Berg, Per")
    stranger = a_member(None, name="Fremmed, Frida")
    stranger.test_nin = a_nin()
    a_read_list(company_a, employer_a, P, [line_for(ola), line_for(per), line_for(stranger)])
    reconcile(period=P)
    answer_missing_deduction(
        missing_deduction=MissingDeduction.objects.get(member=kari),
        status="laid_off",
        acting_user=employer_a,
    )

    assert LineFinding.objects.count() == 2
    stored = every_stored_value()
    for member in (ola, kari, per, stranger):
        assert member.test_nin not in stored
