"""The matching itself: pure, no Django, one company and period at a time.

Expected members and the period's lines come in as plain tuples (read set-based by
``selectors``); out come the deducted members, the missing ones, the unmatched lines with
their reason, and the lines whose amount is far from the member's dues.

Matching order, per line: identity number (keyed hash) → member number → birth date and
name. Names match whatever their order, case and accents ("Øvrebø, Kari Anne" ==
"KARI ANNE OVREBO"), and a middle name on one side only still matches ("Kari Øvrebø").
A line whose identity number belongs to another person in the register is not matched to
an expected member by the weaker rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from trekkportal.lib.names import name_words

# An amount is flagged when it is further than this from the expected dues: a quarter of
# them, and at least this many kroner (rounding and small changes of base are normal).
AMOUNT_TOLERANCE = Decimal("0.25")
AMOUNT_MIN_DIFFERENCE = Decimal("10.00")
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_TOLERANCE = float(AMOUNT_TOLERANCE)
_MIN_DIFFERENCE = float(AMOUNT_MIN_DIFFERENCE)


class Expected(NamedTuple):
    """Dates and amounts as the database returns them (``selectors.raw_rows``): a date or
    its ISO string, a Decimal or a float. Matching only compares like with like."""

    member_id: int
    nin_hash: str
    member_no: str
    birth_date: dt.date | str | None
    name_key: str
    dues_percent: Decimal | float | None
    dues_amount: Decimal | float | None


class LineRow(NamedTuple):
    line_id: int
    nin_hash: str
    member_no: str
    birth_date: dt.date | str | None
    name: str
    amount: Decimal | float | None
    base_amount: Decimal | float | None


class Known(NamedTuple):
    """A register member who is not expected on this company's list, and why not."""

    member_id: int
    reason: str  # a LineFinding.Reason value


# LineFinding.Reason values (kept as strings: this module does not import the models).
NOT_IN_REGISTER = "not_in_register"
AMOUNT = "amount"


@dataclass
class Finding:
    line_id: int
    kind: str  # "unmatched" | "amount"
    reason: str
    member_id: int | None = None
    expected_amount: Decimal | None = None


@dataclass
class Result:
    expected: int = 0
    deducted: set[int] = field(default_factory=set)  # member ids
    missing: list[int] = field(default_factory=list)  # member ids, in expected order
    findings: list[Finding] = field(default_factory=list)
    lines: int = 0

    @property
    def unmatched(self) -> int:
        return sum(1 for f in self.findings if f.kind == "unmatched")

    @property
    def flagged(self) -> int:
        return sum(1 for f in self.findings if f.kind == "amount")


def _words(name_key: str) -> frozenset[str]:
    return frozenset(name_key.split())


def names_match(listed: str, registered_key: str) -> bool:
    """Same words whatever the order; or one side has extra (middle) names, as long as
    at least two words (a first and a last name) are shared."""
    line_words = frozenset(name_words(listed))
    member_words = _words(registered_key)
    if not line_words or not member_words:
        return False
    if line_words == member_words:
        return True
    shorter, longer = sorted((line_words, member_words), key=len)
    return len(shorter) >= 2 and shorter <= longer


def _decimal(value: Decimal | float | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def expected_dues(member: Expected, line: LineRow) -> Decimal | None:
    """The member's monthly dues: the amount, else the percentage of the line's base."""
    if member.dues_amount is not None:
        return _decimal(member.dues_amount).quantize(_CENT)
    if member.dues_percent is not None and line.base_amount is not None:
        base, percent = _decimal(line.base_amount), _decimal(member.dues_percent)
        return (base * percent / _HUNDRED).quantize(_CENT)
    return None


def _dues_roughly(member: Expected, line: LineRow) -> float | None:
    """``expected_dues`` as a float: enough to decide whether an amount is far off."""
    if member.dues_amount is not None:
        return float(member.dues_amount)
    if member.dues_percent is not None and line.base_amount is not None:
        return float(line.base_amount) * float(member.dues_percent) / 100
    return None


def amount_is_far(amount: Decimal | float, expected: Decimal | float) -> bool:
    """Further from the dues than the tolerance. Plain floats are enough to decide (the
    database may hand amounts over as floats); the dues stored with a finding are exact."""
    amount, expected = float(amount), float(expected)
    difference = abs(amount - expected)
    return difference > _MIN_DIFFERENCE and difference > expected * _TOLERANCE


def reconcile_lines(
    expected: Iterable[Expected],
    lines: Iterable[LineRow],
    known: Mapping[str, Known] | None = None,
    known_by_member_no: Mapping[str, Known] | None = None,
) -> Result:
    """Match one company's lines for a period against its expected members.

    ``known`` (by keyed hash) and ``known_by_member_no``: register members who are not
    expected here, to give an unmatched line its reason.
    """
    known = {} if known is None else known  # (not ``or``: a Mapping's len() may be costly)
    known_by_member_no = {} if known_by_member_no is None else known_by_member_no
    members: dict[int, Expected] = {}
    for member in expected:
        members.setdefault(member.member_id, member)
    by_hash = {m.nin_hash: m for m in members.values() if m.nin_hash}
    # Built on first need: most lists match every line by identity number.
    by_no: dict[str, Expected] | None = None
    by_birth: dict[dt.date | str, list[Expected]] | None = None

    result = Result(expected=len(members))
    for line in lines:
        result.lines += 1
        member = by_hash.get(line.nin_hash) if line.nin_hash else None
        other = known.get(line.nin_hash) if line.nin_hash and member is None else None
        if member is None and other is None and line.member_no:
            if by_no is None:
                by_no = {}
                for candidate in members.values():
                    if candidate.member_no:
                        by_no.setdefault(candidate.member_no, candidate)
            member = by_no.get(line.member_no)
            if member is None:
                other = known_by_member_no.get(line.member_no)
        if member is None and other is None and line.birth_date is not None and line.name:
            if by_birth is None:
                by_birth = {}
                for candidate in members.values():
                    if candidate.birth_date is not None:
                        by_birth.setdefault(candidate.birth_date, []).append(candidate)
            candidates = by_birth.get(line.birth_date)
            # (No one expected was born that day: the listed name need not be read.)
            member = _by_birth_and_name(candidates, line.name) if candidates else None
        if member is None:
            result.findings.append(
                Finding(
                    line_id=line.line_id,
                    kind="unmatched",
                    reason=other.reason if other else NOT_IN_REGISTER,
                    member_id=other.member_id if other else None,
                )
            )
            continue
        if line.amount is not None and line.amount > 0:
            result.deducted.add(member.member_id)
            dues = _dues_roughly(member, line)
            if dues is not None and amount_is_far(line.amount, dues):
                result.findings.append(
                    Finding(
                        line_id=line.line_id,
                        kind="amount",
                        reason=AMOUNT,
                        member_id=member.member_id,
                        expected_amount=expected_dues(member, line),
                    )
                )
    result.missing = [m for m in members if m not in result.deducted]
    return result


def _by_birth_and_name(candidates: Iterable[Expected], name: str) -> Expected | None:
    """The one expected member with this birth date whose name matches (an exact set of
    words first; None when two or more match equally well)."""
    listed = frozenset(name_words(name))
    exact = [m for m in candidates if _words(m.name_key) == listed]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    loose = [m for m in candidates if names_match(name, m.name_key)]
    return loose[0] if len(loose) == 1 else None
