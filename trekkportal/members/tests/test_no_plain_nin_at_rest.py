"""No identity number of the member register is stored in plain text in any table."""

from __future__ import annotations

import datetime as dt

import pytest

from trekkportal.lib.identity import make_2032_nin, make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.imports import import_members
from trekkportal.members.models import Member
from trekkportal.members.services import register_member, reveal_member_nin
from trekkportal.submissions.tests.test_no_plain_nin_at_rest import every_stored_value

pytestmark = pytest.mark.django_db


def test_imported_and_registered_numbers_are_nowhere_in_the_database(company_a, company_b, staff):
    imported = [make_valid_nin(dt.date(1970, 3, 1) + dt.timedelta(days=i)) for i in range(4)]
    imported.append(make_2032_nin("020270555"))
    rows = [["fødselsnummer", "navn", "orgnr", "fødselsdato"]]
    rows += [[n, f"Medlem {i}", company_a.orgnr, ""] for i, n in enumerate(imported[:-1])]
    rows.append([imported[-1], "Medlem 2032", company_a.orgnr, "02.02.1970"])
    rows.append(["01017012345", "Ugyldig", company_a.orgnr, ""])  # an error row, masked
    import_members(rows=rows, apply_valid=True, acting_user=staff, period=Period(2026, 3))
    import_members(  # a move, so employments and member changes are written too
        rows=[["fnr", "navn", "orgnr"], [imported[0], "Medlem 0", company_b.orgnr]],
        acting_user=staff,
    )
    registered = make_valid_nin(dt.date(1991, 6, 2))
    member = register_member(nin=registered, name="Kari", acting_user=staff)
    reveal_member_nin(member=member, acting_user=staff)

    assert Member.objects.count() == 6
    stored = every_stored_value()
    for number in [*imported, registered, "01017012345"]:
        assert number not in stored
    assert registered[:6] + "*****" in stored  # the masked form is what is kept for display
