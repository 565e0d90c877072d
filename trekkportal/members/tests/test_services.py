"""The register's services write the right MemberChanges (the letters are made of them)."""

from __future__ import annotations

import datetime as dt

import pytest

from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import InvalidNin, make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.models import Employment, Member, MemberChange
from trekkportal.members.services import (
    end_employment,
    end_layoff,
    find_member_by_nin,
    open_layoff,
    register_member,
    resign_member,
    reveal_member_nin,
    start_employment,
    update_member,
)

pytestmark = pytest.mark.django_db

OLA = make_valid_nin(dt.date(1980, 1, 1))


@pytest.fixture
def ola(db):
    return register_member(nin=OLA, name="Nordmann, Ola")


def changes(member):
    return [
        (c.company.name, c.kind, c.reason, Period.of(c.period).iso)
        for c in MemberChange.objects.filter(member=member).order_by("pk")
    ]


def test_a_member_is_registered_without_a_plain_number(ola):
    assert ola.nin_masked == "010180*****" and OLA not in ola.nin_encrypted
    assert ola.birth_date == dt.date(1980, 1, 1) and ola.name_key == "nordmann ola"
    assert find_member_by_nin(OLA) == ola


def test_an_invalid_number_is_refused(db):
    with pytest.raises(InvalidNin):
        register_member(nin="01018012345", name="Feil")


def test_a_move_stops_at_the_old_company_and_starts_at_the_new(ola, company_a, company_b):
    start_employment(member=ola, company=company_a, from_period=Period(2025, 1))
    start_employment(member=ola, company=company_b, from_period=Period(2026, 3))
    assert changes(ola) == [
        ("Alfa Offshore AS", "start", "started", "2025-01"),
        ("Alfa Offshore AS", "stop", "moved_out", "2026-02"),
        ("Beta Raffineri AS", "start", "moved_in", "2026-03"),
    ]
    at_a = Employment.objects.get(member=ola, company=company_a)
    assert Period.of(at_a.to_period) == Period(2026, 2)


def test_leaving_a_company_stops_deduction(ola, company_a):
    start_employment(member=ola, company=company_a, from_period=Period(2025, 1))
    end_employment(member=ola, company=company_a, last_period=Period(2025, 8))
    assert changes(ola)[-1] == ("Alfa Offshore AS", "stop", "left_company", "2025-08")
    assert end_employment(member=ola, company=company_a, last_period=Period(2025, 9)) is None


def test_a_lay_off_stops_and_its_end_starts_again(ola, company_a):
    start_employment(member=ola, company=company_a, from_period=Period(2025, 1))
    layoff = open_layoff(member=ola, company=company_a, from_period=Period(2025, 6))
    assert open_layoff(member=ola, company=company_a, from_period=Period(2025, 6)) == layoff
    end_layoff(layoff=layoff, last_period=Period(2025, 9))
    assert changes(ola)[1:] == [
        ("Alfa Offshore AS", "stop", "laid_off", "2025-05"),
        ("Alfa Offshore AS", "start", "returned", "2025-10"),
    ]


def test_resigning_stops_deduction_where_the_member_works(ola, company_a):
    start_employment(member=ola, company=company_a, from_period=Period(2025, 1))
    resign_member(member=ola, resigned=dt.date(2026, 2, 15))
    assert changes(ola)[-1] == ("Alfa Offshore AS", "stop", "resigned", "2026-02")


def test_an_invoice_payer_has_no_deduction_changes(company_a):
    member = register_member(nin=OLA, name="Ola", payment=Member.Payment.INVOICE)
    start_employment(member=member, company=company_a, from_period=Period(2025, 1))
    assert changes(member) == []


def test_changing_payment_stops_or_starts_deduction(ola, company_a):
    start_employment(member=ola, company=company_a, from_period=Period(2025, 1))
    update_member(member=ola, payment=Member.Payment.INVOICE, period=Period(2026, 3))
    update_member(member=ola, payment=Member.Payment.DEDUCTION, period=Period(2026, 6))
    assert changes(ola)[1:] == [
        ("Alfa Offshore AS", "stop", "invoice", "2026-02"),
        ("Alfa Offshore AS", "start", "deduction", "2026-06"),
    ]


def test_a_new_name_gets_a_new_name_key_and_is_audited(ola, staff):
    update_member(member=ola, name="Ola Nordmann-Berg", acting_user=staff)
    ola.refresh_from_db()
    assert ola.name_key == "berg nordmann ola"
    event = AuditEvent.objects.get(action="member.changed")
    assert event.actor == staff and event.data["fields"] == ["name", "name_key"]


def test_revealing_a_number_is_audited_without_the_number(ola, staff):
    assert reveal_member_nin(member=ola, acting_user=staff) == OLA
    event = AuditEvent.objects.get(action="member.nin_revealed")
    assert event.actor == staff and event.object_id == str(ola.pk)
    assert OLA not in repr(event.data)
