"""Cell values: Norwegian numbers, dates, periods and identity numbers, fast per row.

Everything here is called once per cell of a possibly 100,000-row list, so the common
case is a precompiled regex or a few integer operations; the rare cases fall back to the
slower, general code (``trekkportal.lib.identity`` for identity numbers).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from trekkportal.lib.identity import K1_WEIGHTS, K2_WEIGHTS, InvalidNin, parse_nin

EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2_958_465  # 9999-12-31

# --- amounts -----------------------------------------------------------------------------

_SIMPLE_AMOUNT = re.compile(r"(-?)(\d{1,12})(?:[.,](\d{1,2}))?")
_CURRENCY = re.compile(r"(?i)^(?:nok|kr\.?)\s*|\s*(?:nok|kr\.?)$")
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f']+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def amount_to_ore(value: object) -> int | None:
    """Kroner as whole øre, or None when the value is not an amount.

    Accepts ``1 234,50``, ``1.234,50``, ``1,234.50``, ``kr 612,-``, ``-612,14``,
    ``612,14-`` and ``(612,14)`` as well as numbers from spreadsheet cells.
    """
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e12:
            return None
        return round(value * 100)
    if type(value) is int:
        return value * 100 if abs(value) < 10**12 else None
    if not isinstance(value, str):
        return None
    match = _SIMPLE_AMOUNT.fullmatch(value)
    if match is None:
        return _amount_slow(value)
    sign, whole, frac = match.groups()
    ore = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
    return -ore if sign else ore


def _amount_slow(text: str) -> int | None:
    s = text.strip().translate(_MINUS)
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY.sub("", s).strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    elif s.endswith("-") and not s.endswith((",-", ".-")):
        negative, s = not negative, s[:-1].strip()
    s = _CURRENCY.sub("", s).strip()
    if s.endswith((",-", ".-", ",--", ".--")):
        s = s.rstrip("-")[:-1]
    s = _SPACES.sub("", s)
    if not s or not all(c.isdigit() or c in ",." for c in s) or not s[0].isdigit():
        return None
    if "," in s and "." in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if decimal_sep == "," else ",", "").replace(decimal_sep, ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")  # English thousands: 1,234,567
    elif "," in s:
        s = s.replace(",", ".")  # Norwegian decimal comma
    elif s.count(".") > 1:
        s = s.replace(".", "")  # Norwegian thousands: 1.234.567
    elif "." in s and len(s) - s.index(".") - 1 == 3:
        s = s.replace(".", "")  # 1.234 is a thousand and something, not one krone
    if not s.isascii():
        return None
    try:
        ore = int((Decimal(s) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None
    if abs(ore) >= 10**14:
        return None
    return -ore if negative else ore


def format_ore(ore: int) -> str:
    """1234550 -> '12345.50' (for messages and JSON)."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole}.{cents:02d}"


# --- dates -------------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})[./\-](\d{1,2})[./\-](\d{4}|\d{2})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_DIGITS8 = re.compile(r"\d{8}")
_DIGITS6 = re.compile(r"\d{6}")


class BadDate(ValueError):
    pass


def to_date(value: object, *, today: dt.date) -> dt.date | None:
    """A date from a cell; None when empty; BadDate when it looks like a date but is not."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        if 1 <= value <= _MAX_SERIAL:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise BadDate(str(value))
    if not isinstance(value, str):
        raise BadDate(str(value))
    s = value.strip()
    try:
        if m := _DMY.fullmatch(s):
            d, mth, y = int(m[1]), int(m[2]), m[3]
            return dt.date(_year(y, today), mth, d)
        if m := _YMD.fullmatch(s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if _DIGITS8.fullmatch(s):
            return dt.date(int(s[4:]), int(s[2:4]), int(s[:2]))
        if _DIGITS6.fullmatch(s):
            return dt.date(_year(s[4:], today), int(s[2:4]), int(s[:2]))
        if s.replace(".", "", 1).isdigit():
            return to_date(float(s), today=today)
    except ValueError as exc:
        raise BadDate(s) from exc
    raise BadDate(s)


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    return year


# --- periods -----------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "januar": 1, "january": 1,
    "feb": 2, "februar": 2, "february": 2,
    "mar": 3, "mars": 3, "march": 3,
    "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "des": 12, "dec": 12, "desember": 12, "december": 12,
}  # fmt: skip
_PERIOD_YM = re.compile(r"(\d{4})[-./ ](\d{1,2})")
_PERIOD_MY = re.compile(r"(\d{1,2})[-./ ](\d{4}|\d{2})")
_PERIOD_NAME = re.compile(r"([a-zæøå]+)\.?[\s\-/.]*(\d{4}|\d{2})")
_PERIOD_DIGITS = re.compile(r"\d{3,6}")


class BadPeriod(ValueError):
    pass


def to_period(value: object, *, today: dt.date) -> str | None:
    """'YYYY-MM' from 2026-10, 10.2026, 1026 (MMYY, as the portal shows it), okt 2026..."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float | int) and not isinstance(value, bool):
        if not math.isfinite(value) or value != int(value):
            raise BadPeriod(str(value))
        value = str(int(value))
    if not isinstance(value, str):
        raise BadPeriod(str(value))
    s = value.strip().lower()
    year = month = None
    if m := _PERIOD_YM.fullmatch(s):
        year, month = int(m[1]), int(m[2])
    elif m := _PERIOD_MY.fullmatch(s):
        year, month = _year(m[2], today), int(m[1])
    elif (m := _PERIOD_NAME.fullmatch(s)) and m[1] in MONTHS:
        year, month = _year(m[2], today), MONTHS[m[1]]
    elif _PERIOD_DIGITS.fullmatch(s):
        if len(s) in (3, 4):  # MMYY
            s = s.zfill(4)
            year, month = _year(s[2:], today), int(s[:2])
        elif len(s) == 6 and s[:2] in ("19", "20") and 1 <= int(s[4:]) <= 12:  # YYYYMM
            year, month = int(s[:4]), int(s[4:])
        elif len(s) in (5, 6):  # MMYYYY
            s = s.zfill(6)
            year, month = int(s[2:]), int(s[:2])
    else:
        try:
            d = to_date(s, today=today)
        except BadDate:
            d = None
        if d is not None:
            year, month = d.year, d.month
    if year is None or month is None or not 1 <= month <= 12 or not 1900 <= year <= 2999:
        raise BadPeriod(value)
    return f"{year:04d}-{month:02d}"


# --- national identity numbers -------------------------------------------------------------

_NIN_STRIP = re.compile(r"[\s\u00a0.\-]")
# Day/month pairs that are valid in every year (29 February goes the slow way), with the
# D-number (+40 day), H-number (+40 month) and synthetic (+80 month) variants.
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
SAFE_DDMM = frozenset(
    f"{d + dd:02d}{m + mm:02d}"
    for m in range(1, 13)
    for d in range(1, _DAYS_IN_MONTH[m - 1] + 1)
    for dd in (0, 40)
    for mm in (0, 40, 80)
)


def _chunk_table(start: int, size: int) -> dict[str, int]:
    """Partial weighted sums of the digits at ``start``..``start+size``, both packed in one
    int: the k1 sum in the low 12 bits, the k2 sum above them."""
    w1 = (*K1_WEIGHTS, 1, 0)  # the k1 check: sum of digits 0-9 times these, mod 11
    w2 = (*K2_WEIGHTS, 1)  # the k2 check: sum of digits 0-10 times these, mod 11
    table = {}
    for n in range(10**size):
        digits = f"{n:0{size}d}"
        s1 = sum(int(d) * w1[start + i] for i, d in enumerate(digits))
        s2 = sum(int(d) * w2[start + i] for i, d in enumerate(digits))
        table[digits] = s1 | (s2 << 12)
    return table


# Digits 0-2, 3-5, 6-8 and 9-10 of a number -> their packed partial sums.
NIN_CHUNKS = (_chunk_table(0, 3), _chunk_table(3, 3), _chunk_table(6, 3), _chunk_table(9, 2))
_T0, _T1, _T2, _T3 = NIN_CHUNKS


def check_nin(value: str) -> str | None:
    """None when ``value`` (11 ASCII digits) is a valid identity number, else the reason.

    The same answer as ``identity.parse_nin`` (a property test holds them together), in a
    fraction of its time for the common case: four table look-ups give both weighted sums.
    """
    packed = _T0[value[:3]] + _T1[value[3:6]] + _T2[value[6:9]] + _T3[value[9:]]
    if (packed >> 12) % 11:
        return "checksum"
    r = (packed & 0xFFF) % 11
    if r == 0:
        # Old rule: the number must start with a real date (century from the individual
        # number). Common day/months are safe except for the century gap; else go slow.
        if value[:4] in SAFE_DDMM:
            ind = int(value[6:9])
            yy = int(value[4:6])
            if ind <= 499 or (ind >= 900 and yy >= 40) or yy <= 39 or (ind <= 749 and yy >= 54):
                return None
        return _slow_reason(value)
    if r <= 3:
        return None  # the 2032 rule: no date to check
    return "checksum"


def _slow_reason(value: str) -> str | None:
    try:
        parse_nin(value)
    except InvalidNin as exc:
        return exc.reason.value
    return None


def read_nin(cell: object) -> tuple[str, str | None, bool, bool]:
    """(digits, error reason or None, restored, uncertain) for an identity-number cell.

    A number cell with 10 digits lost its leading zero in Excel: the zero is put back when
    that makes a valid number. The same in a text cell is flagged as uncertain.
    """
    from_number = False
    if type(cell) is str:
        s = cell
        if len(s) != 11 or not s.isdigit() or not s.isascii():
            s = _NIN_STRIP.sub("", s)
    elif type(cell) is float:
        if not cell.is_integer() or not 0 < cell < 1e11:
            return str(cell), "not_digits", False, False
        s, from_number = str(int(cell)), True
    elif type(cell) is int:
        s, from_number = str(cell), True
    else:
        s = str(cell)
    if len(s) == 11 and s.isdigit() and s.isascii():
        return s, check_nin(s), False, False
    if not s.isdigit() or not s.isascii():
        return s, "not_digits", False, False
    if len(s) == 10:
        padded = "0" + s
        if check_nin(padded) is None:
            return padded, None, True, not from_number
    return s, "length", False, False
