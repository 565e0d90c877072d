"""The pure matching rules, table-driven."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trekkportal.lib.names import name_key
from trekkportal.reconciliation.matching import (
    Expected,
    Known,
    LineRow,
    amount_is_far,
    names_match,
    reconcile_lines,
)

BIRTH = dt.date(1990, 1, 1)


def member(pk=1, *, nin_hash="h1", member_no="", name="Normann, Ola", birth=BIRTH, dues=None):
    return Expected(pk, nin_hash, member_no, birth, name_key(name), None, dues)


def line(pk=10, *, nin_hash="", member_no="", name="", birth=None, amount="630.00", base=None):
    return LineRow(
        pk,
        nin_hash,
        member_no,
        birth,
        name,
        None if amount is None else Decimal(amount),
        None if base is None else Decimal(base),
    )


@pytest.mark.parametrize(
    ("listed", "registered", "same"),
    [
        ("Normann, Ola", "Normann, Ola", True),
        ("Ola Normann", "Normann, Ola", True),
        ("OLA NORMANN", "normann, ola", True),
        ("Øvrebø, Kari Anne", "Kari Anne Ovrebo", True),
        ("Kari Øvrebø", "Øvrebø, Kari Anne", True),  # middle name on one side only
        ("Øvrebø, Kari Anne", "Kari Øvrebø", True),
        ("José Ångström", "angstrom jose", True),
        ("Kari", "Kari Øvrebø", False),  # one word is not enough
        ("Kari Hansen", "Kari Øvrebø", False),
        ("", "Kari Øvrebø", False),
    ],
)
def test_names_match_whatever_their_order_case_accents_and_middle_names(listed, registered, same):
    assert names_match(listed, name_key(registered)) is same


@pytest.mark.parametrize(
    ("the_line", "rule"),
    [
        (line(nin_hash="h1"), "identity number"),
        (line(member_no="M-7"), "member number"),
        (line(birth=BIRTH, name="Ola Normann"), "birth date and name"),
        (line(birth=BIRTH, name="NORMANN, OLA PETTER"), "birth date and a longer name"),
    ],
)
def test_each_matching_rule_finds_the_member(the_line, rule):
    result = reconcile_lines([member(member_no="M-7")], [the_line])

    assert result.deducted == {1}, rule
    assert result.missing == []
    assert result.findings == []


@pytest.mark.parametrize(
    "the_line",
    [
        line(birth=dt.date(1990, 1, 2), name="Ola Normann"),  # another birth date
        line(birth=BIRTH, name="Kari Normann"),  # another name
        line(member_no="M-8"),
        line(nin_hash="h2"),
    ],
)
def test_a_line_of_someone_else_leaves_the_member_missing(the_line):
    result = reconcile_lines([member(member_no="M-7")], [the_line])

    assert result.missing == [1]
    assert [f.reason for f in result.findings] == ["not_in_register"]


def test_identity_number_comes_first():
    ola, kari = member(1, nin_hash="h1"), member(2, nin_hash="h2", name="Kari Normann")
    # Kari's number, Ola's name and birth date: it is Kari's line.
    result = reconcile_lines([ola, kari], [line(nin_hash="h2", birth=BIRTH, name="Ola Normann")])

    assert result.deducted == {2}
    assert result.missing == [1]


def test_a_number_of_another_register_member_is_not_matched_by_name():
    known = {"h9": Known(9, "other_company")}
    result = reconcile_lines(
        [member()], [line(nin_hash="h9", birth=BIRTH, name="Ola Normann")], known
    )

    assert result.missing == [1]
    assert [(f.reason, f.member_id) for f in result.findings] == [("other_company", 9)]


def test_an_amount_of_zero_is_not_a_deduction():
    result = reconcile_lines([member()], [line(nin_hash="h1", amount="0.00")])

    assert result.missing == [1]
    assert result.findings == []  # the line is the member's: not unmatched


def test_any_line_above_zero_deducts_the_member():
    result = reconcile_lines(
        [member()], [line(10, nin_hash="h1", amount="0.00"), line(11, nin_hash="h1")]
    )

    assert result.deducted == {1}


def test_two_members_with_the_same_birth_date_and_name_match_neither():
    twins = [member(1, nin_hash="a"), member(2, nin_hash="b")]
    result = reconcile_lines(twins, [line(birth=BIRTH, name="Ola Normann")])

    assert sorted(result.missing) == [1, 2]


@pytest.mark.parametrize(
    ("amount", "expected", "far"),
    [
        ("630.00", "630.00", False),
        ("700.00", "630.00", False),
        ("900.00", "630.00", True),
        ("63.00", "630.00", True),
        ("15.00", "8.00", False),  # less than 10 kroner off
    ],
)
def test_amounts_far_from_the_dues_are_flagged(amount, expected, far):
    assert amount_is_far(Decimal(amount), Decimal(expected)) is far


def test_a_far_amount_is_a_finding_for_staff_and_still_a_deduction():
    result = reconcile_lines([member(dues=Decimal("630.00"))], [line(nin_hash="h1", amount="63")])

    assert result.deducted == {1}
    assert [(f.kind, f.expected_amount) for f in result.findings] == [("amount", Decimal("630.00"))]


def test_dues_as_a_percentage_of_the_base():
    expected = Expected(1, "h1", "", BIRTH, "ola normann", Decimal("1.40"), None)
    result = reconcile_lines([expected], [line(nin_hash="h1", amount="1400.00", base="45000.00")])

    assert [f.expected_amount for f in result.findings] == [Decimal("630.00")]
