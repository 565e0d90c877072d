"""Cell values: amounts, dates, periods and identity numbers (table-driven + properties)."""

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trekkportal.lib.identity import InvalidNin, make_valid_nin, parse_nin
from trekkportal.submissions.parsers.values import (
    BadDate,
    BadPeriod,
    amount_to_ore,
    check_nin,
    read_nin,
    to_date,
    to_period,
)

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("value", "ore"),
    [
        ("612", 61200),
        ("612,5", 61250),
        ("612,50", 61250),
        ("612.50", 61250),
        ("1 234,50", 123450),
        ("1\u00a0234,50", 123450),
        ("1.234,50", 123450),
        ("1,234.50", 123450),
        ("1.234.567", 123456700),
        ("1,234,567", 123456700),
        ("1.234", 123400),
        ("kr 612,-", 61200),
        ("612,- kr", 61200),
        ("NOK 1 000", 100000),
        ("-612,14", -61214),
        ("\u2212612,14", -61214),
        ("612,14-", -61214),
        ("(612,14)", -61214),
        ("0", 0),
        ("0,005", 1),
        (612.5, 61250),
        (1110.49, 111049),
        (612, 61200),
        ("", None),
        ("tolv", None),
        ("12a", None),
        ("1,2,3.4,5", None),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        (None, None),
    ],
)
def test_norwegian_amounts(value, ore):
    assert amount_to_ore(value) == ore


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("17.05.1980", dt.date(1980, 5, 17)),
        ("7.5.1980", dt.date(1980, 5, 7)),
        ("17/05/1980", dt.date(1980, 5, 17)),
        ("17.05.80", dt.date(1980, 5, 17)),
        ("17.05.05", dt.date(2005, 5, 17)),
        ("1980-05-17", dt.date(1980, 5, 17)),
        ("17051980", dt.date(1980, 5, 17)),
        ("170580", dt.date(1980, 5, 17)),
        (29_000.0, dt.date(1979, 5, 25)),
        (29_000, dt.date(1979, 5, 25)),
        (dt.datetime(1980, 5, 17, 0, 0), dt.date(1980, 5, 17)),
        (dt.date(1980, 5, 17), dt.date(1980, 5, 17)),
        ("", None),
        (None, None),
    ],
)
def test_dates(value, date):
    assert to_date(value, today=TODAY) == date


@pytest.mark.parametrize("value", ["31.02.1980", "00.01.1980", "i går", "1980-13-01", -5.0])
def test_impossible_dates(value):
    with pytest.raises(BadDate):
        to_date(value, today=TODAY)


@pytest.mark.parametrize(
    ("value", "period"),
    [
        ("2026-10", "2026-10"),
        ("10.2026", "2026-10"),
        ("10/2026", "2026-10"),
        ("1026", "2026-10"),
        ("126", "2026-01"),
        (1026.0, "2026-10"),
        ("102026", "2026-10"),
        ("202610", "2026-10"),
        ("oktober 2026", "2026-10"),
        ("Okt. 2026", "2026-10"),
        ("okt 26", "2026-10"),
        ("October 2026", "2026-10"),
        ("des-25", "2025-12"),
        (dt.date(2026, 10, 31), "2026-10"),
        ("31.10.2026", "2026-10"),
        ("", None),
    ],
)
def test_periods(value, period):
    assert to_period(value, today=TODAY) == period


@pytest.mark.parametrize("value", ["1326", "2026-13", "snart", "okt", 10.5])
def test_impossible_periods(value):
    with pytest.raises(BadPeriod):
        to_period(value, today=TODAY)


NIN = make_valid_nin(dt.date(1975, 1, 3))  # 03017512306


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (NIN, (NIN, None, False, False)),
        (f"{NIN[:6]} {NIN[6:]}", (NIN, None, False, False)),
        (f"{NIN[:6]}-{NIN[6:]}", (NIN, None, False, False)),
        (float(int(NIN)), (NIN, None, True, False)),  # Excel number: zero dropped
        (int(NIN), (NIN, None, True, False)),
        (NIN[1:], (NIN, None, True, True)),  # text without the zero: restored, uncertain
        ("12345", ("12345", "length", False, False)),
        ("0301751230x", ("0301751230x", "not_digits", False, False)),
        (3.5, ("3.5", "not_digits", False, False)),
        ("٠٣٠١٧٥١٢٣٠٦", ("٠٣٠١٧٥١٢٣٠٦", "not_digits", False, False)),  # Arabic-Indic digits
    ],
)
def test_reading_identity_number_cells(cell, expected):
    assert read_nin(cell) == expected


def _reason(value: str) -> str | None:
    try:
        parse_nin(value)
    except InvalidNin as exc:
        return exc.reason.value
    return None


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_the_fast_check_agrees_with_the_reference_validator(value):
    assert check_nin(value) == _reason(value)


@settings(max_examples=1000, deadline=None)
@given(st.dates(min_value=dt.date(1854, 1, 1), max_value=dt.date(2039, 12, 31)),
       st.integers(0, 999))  # fmt: skip
def test_the_fast_check_accepts_every_valid_number(birth, individual):
    try:
        value = make_valid_nin(birth, individual)
    except ValueError:
        return
    assert check_nin(value) is None


@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none(), st.booleans()))
def test_cells_never_raise(value):
    amount_to_ore(value)
    read_nin(value if value is not None else "")
    for fn in (to_date, to_period):
        with contextlib.suppress(BadDate, BadPeriod):
            fn(value, today=TODAY)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(
    st.text(alphabet="0123456789", min_size=11, max_size=11),
    st.builds(make_valid_nin, st.dates(dt.date(1854, 1, 1), dt.date(2039, 12, 31)),
              st.integers(0, 999)).filter(bool),
))  # fmt: skip
def test_the_row_loop_accepts_exactly_the_valid_numbers(value):
    from trekkportal.submissions.parsers.core import build
    from trekkportal.submissions.parsers.readers import Table

    result = build(Table.of([["Fnr", "Trekk"], [value, 1.0]]), "xlsx", today=TODAY)
    assert (result.lines[0].nin == value) == (_reason(value) is None)
