"""Norwegian national identity numbers (fødselsnummer, D-, H- and synthetic numbers) and
organisation numbers (orgnr).

Pure functions, no Django. Rules from docs/domain.md § National identity numbers:

* 11 digits: DDMMYY + individual number (3) + two mod-11 check digits.
* k1 weights 3,7,6,1,8,9,4,5,2; k2 weights 5,4,3,2,7,6,5,4,3,2.
* From 2032 k1 may be any of (11, 12, 13, 14) - (sum mod 11) (the "2032 rule");
  k2 is unchanged. Both rules are accepted.
* D-numbers add 40 to the day, H-numbers 40 to the month, synthetic test numbers
  (Skatteetaten's Tenor) 80 to the month.
* Gender is never derived. Future-looking dates are accepted.
* A birth date is derived only from a classic number (k1 by the old rule).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)

_NON_DIGITS = re.compile(r"[\s.\-]")


class NinKind(StrEnum):
    FNR = "fnr"  # ordinary fødselsnummer
    DNR = "dnr"  # D-number: day + 40
    HNR = "hnr"  # H-number: month + 40
    SYNTHETIC = "synthetic"  # test number: month + 80


class NinError(StrEnum):
    LENGTH = "length"
    NOT_DIGITS = "not_digits"
    CHECKSUM = "checksum"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Nin:
    """A validated national identity number."""

    value: str
    kind: NinKind
    new_rule: bool  # k1 is valid only by the 2032 rule
    birth_date: dt.date | None  # None when it cannot be read (2032-rule numbers)

    @property
    def masked(self) -> str:
        return mask_nin(self.value)


class InvalidNin(ValueError):
    def __init__(self, reason: NinError):
        super().__init__(reason.value)
        self.reason = reason


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def _k1_candidates(digits9: str) -> tuple[int | None, set[int]]:
    """The old-rule k1 (None if it would be 10) and the set of k1 values the 2032 rule allows."""
    s = _weighted_sum(digits9, K1_WEIGHTS) % 11
    old = (11 - s) % 11
    old_k1 = None if old == 10 else old
    # 2032 rule: the weighted sum including k1 may leave a remainder of 0, 1, 2 or 3.
    new_k1 = {(base - s) % 11 for base in (11, 12, 13, 14)} - {10}
    return old_k1, new_k1


def _k2(digits10: str) -> int | None:
    s = _weighted_sum(digits10, K2_WEIGHTS) % 11
    v = (11 - s) % 11
    return None if v == 10 else v


def _century(yy: int, individual: int) -> int | None:
    """Century from the individual-number ranges (Skatteetaten)."""
    if individual <= 499:
        return 1900
    if individual <= 749 and yy >= 54:
        return 1800
    if individual >= 900 and yy >= 40:
        return 1900
    if yy <= 39:
        return 2000
    return None


def _birth_date(value: str) -> tuple[NinKind, dt.date | None, bool]:
    """Kind, birth date and whether the date is valid, for a classic number."""
    day, month, yy = int(value[0:2]), int(value[2:4]), int(value[4:6])
    individual = int(value[6:9])
    kind = NinKind.FNR
    if day > 40:
        kind = NinKind.DNR
        day -= 40
    if month > 80:
        kind = NinKind.SYNTHETIC if kind is NinKind.FNR else kind
        month -= 80
    elif month > 40:
        kind = NinKind.HNR if kind is NinKind.FNR else kind
        month -= 40
    century = _century(yy, individual)
    if century is None:
        return kind, None, False
    try:
        return kind, dt.date(century + yy, month, day), True
    except ValueError:
        return kind, None, False


def classic_birth_date(value: str) -> dt.date | None:
    """The birth date of an already validated 11-digit number whose k1 follows the old
    rule (a 2032-rule number tells none: do not call this for one)."""
    return _birth_date(value)[1]


def _kind_only(value: str) -> NinKind:
    day, month = int(value[0:2]), int(value[2:4])
    if day > 40:
        return NinKind.DNR
    if month > 80:
        return NinKind.SYNTHETIC
    if month > 40:
        return NinKind.HNR
    return NinKind.FNR


def normalise_nin(raw: str | int | float) -> str:
    """Strip spaces, dots and dashes. Does not restore a dropped leading zero."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return _NON_DIGITS.sub("", str(raw).strip())


def parse_nin(raw: str | int) -> Nin:
    """Validate a national identity number, raising InvalidNin with a reason."""
    value = normalise_nin(raw)
    if not value:
        raise InvalidNin(NinError.LENGTH)
    if not value.isascii() or not value.isdigit():
        raise InvalidNin(NinError.NOT_DIGITS)
    if len(value) != 11:
        raise InvalidNin(NinError.LENGTH)
    old_k1, new_k1 = _k1_candidates(value[:9])
    k1 = int(value[9])
    if _k2(value[:10]) != int(value[10]):
        raise InvalidNin(NinError.CHECKSUM)
    if old_k1 is not None and k1 == old_k1:
        kind, birth_date, date_ok = _birth_date(value)
        if not date_ok:
            raise InvalidNin(NinError.DATE)
        return Nin(value=value, kind=kind, new_rule=False, birth_date=birth_date)
    if k1 in new_k1:
        # 2032 rule: the first six digits are no longer guaranteed to be a date.
        return Nin(value=value, kind=_kind_only(value), new_rule=True, birth_date=None)
    raise InvalidNin(NinError.CHECKSUM)


def is_valid_nin(raw: str | int) -> bool:
    try:
        parse_nin(raw)
    except InvalidNin:
        return False
    return True


def restore_leading_zero(raw: str | int) -> tuple[str, bool]:
    """Excel drops the leading zero of numbers born on days 1-9 (stored as a number).

    Returns (value, restored). A 10-digit value is padded with one zero when the padded
    value is valid; anything else is returned normalised and unchanged.
    """
    value = normalise_nin(raw)
    if len(value) == 10 and value.isdigit():
        padded = "0" + value
        if is_valid_nin(padded):
            return padded, True
    return value, False


def mask_nin(value: str) -> str:
    """Never show a full identity number: keep the birth-date part, hide the rest."""
    digits = normalise_nin(value)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 6)


# What an identity number looks like inside free text: eleven digits (or ten, Excel
# having dropped a leading zero), maybe split after the date part ("140375 23586",
# "140375-23586"), or grouped in thousands the way an amount is written
# ("14 037 523 586", "14.037.523.586,00"): no digit may touch it on either side.
_NIN_IN_TEXT = re.compile(
    r"(?<![\d])(?:"
    r"(\d{5,6})[ .\-\u00a0\u202f]?\d{5}"  # 11 (or 10) digits, maybe split after the date
    r"|(\d{1,2}(?:[ .\u00a0\u202f]\d{3}){3})"  # 10-11 digits grouped in thousands
    r")(?![\d])"
)


_FIVE_DIGITS = re.compile(r"\d{5}|\d{1,2}[ .\u00a0\u202f]\d{3}")


def mask_nins_in_text(text: str) -> str:
    """Mask everything in ``text`` that is shaped like an identity number.

    For any value a person typed or a file held that is quoted back (a problem message, a
    file name, a comment, a column header): the date part stays, the rest becomes ``*``.
    Shaped like, not valid: a number with a wrong check digit is someone's number mistyped.
    """
    if not text or _FIVE_DIGITS.search(text) is None:
        return text  # the common case, at the regex engine's speed

    def hide(match: re.Match[str]) -> str:
        digits = "".join(ch for ch in match[0] if ch.isdigit())
        return digits[:6] + "*" * (len(digits) - 6)

    return _NIN_IN_TEXT.sub(hide, text)


def orgnr_check_digit(first8: str) -> int | None:
    v = (11 - _weighted_sum(first8, ORGNR_WEIGHTS) % 11) % 11
    return None if v == 10 else v


def normalise_orgnr(raw: str | int) -> str:
    value = re.sub(r"[\s.\-]", "", str(raw).strip())
    if value.upper().startswith("NO"):
        value = value[2:]
    if value.upper().endswith("MVA"):
        value = value[:-3]
    return value


def is_valid_orgnr(raw: str | int) -> bool:
    value = normalise_orgnr(raw)
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    return orgnr_check_digit(value[:8]) == int(value[8])


def make_nin(first9: str) -> str | None:
    """Complete nine digits with old-rule check digits (for tests and demo data).

    None when no valid check digit exists for these nine digits; see ``make_valid_nin``.
    """
    old_k1, _ = _k1_candidates(first9)
    if old_k1 is None:
        return None
    k2 = _k2(first9 + str(old_k1))
    if k2 is None:
        return None
    return first9 + str(old_k1) + str(k2)


def make_2032_nin(first9: str) -> str:
    """A number valid only by the 2032 rule, from ``first9`` or the next nine digits that
    allow one (for tests and demo data)."""
    start = int(first9)
    for candidate in range(start, start + 1000):
        digits9 = f"{candidate:09d}"
        old_k1, new_k1 = _k1_candidates(digits9)
        for k1 in sorted(new_k1 - {old_k1}):
            k2 = _k2(digits9 + str(k1))
            if k2 is not None:
                return f"{digits9}{k1}{k2}"
    raise ValueError("no 2032-rule number near " + first9)


def make_valid_orgnr(start: int) -> str:
    """The first valid organisation number from eight digits ``start`` on (tests, demo)."""
    for first8 in range(start, start + 100):
        orgnr = make_orgnr(f"{first8:08d}")
        if orgnr is not None:
            return orgnr
    raise ValueError(f"no valid orgnr near {start}")


def make_orgnr(first8: str) -> str | None:
    k = orgnr_check_digit(first8)
    return None if k is None else first8 + str(k)


def make_valid_nin(birth: dt.date, individual: int = 123, *, kind: NinKind = NinKind.FNR) -> str:
    """A valid classic number for a birth date, trying individual numbers from ``individual``.

    For tests and demo data; the individual number is kept inside the range that gives the
    right century.
    """
    day, month = birth.day, birth.month
    if kind is NinKind.DNR:
        day += 40
    elif kind is NinKind.HNR:
        month += 40
    elif kind is NinKind.SYNTHETIC:
        month += 80
    low, high = (0, 499) if birth.year < 2000 else (500, 999)
    start = min(max(individual, low), high)
    for ind in [*range(start, high + 1), *range(low, start)]:
        number = make_nin(f"{day:02d}{month:02d}{birth.year % 100:02d}{ind:03d}")
        if number is not None:
            return number
    raise ValueError("no valid number for that date")
