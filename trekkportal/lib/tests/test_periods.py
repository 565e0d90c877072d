import datetime as dt

import pytest

from trekkportal.lib.periods import (
    Period,
    last_twelve_months_start,
    months_before,
    selectable_periods,
)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("1020", Period(2020, 10)),
        ("0520", Period(2020, 5)),
        ("2020-10", Period(2020, 10)),
        ("2020-1", Period(2020, 1)),
        ("10.2020", Period(2020, 10)),
        ("oktober 2020", Period(2020, 10)),
        ("Oktober 2020", Period(2020, 10)),
        ("October 2020", Period(2020, 10)),
        ("okt. 2020", Period(2020, 10)),
        ("desember 2021", Period(2021, 12)),
        (" mai 2022 ", Period(2022, 5)),
    ],
)
def test_it_parses_every_format(text, period):
    assert Period.parse(text) == period


@pytest.mark.parametrize("text", ["", "13/20", "1320", "2020-13", "foo 2020", "2020", "abcd"])
def test_it_refuses_what_is_not_a_period(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_it_formats_as_the_seed_does():
    p = Period(2020, 10)
    assert p.mmyy == "1020"
    assert p.iso == "2020-10"
    assert p.long_name() == "oktober 2020"
    assert p.long_name("en") == "October 2020"


def test_arithmetic_crosses_years():
    assert Period(2020, 12).next() == Period(2021, 1)
    assert Period(2021, 1).previous() == Period(2020, 12)
    assert Period(2020, 3).shift(-15) == Period(2018, 12)
    assert Period(2020, 2).last_day == dt.date(2020, 2, 29)
    assert Period(2020, 10).deadline() == dt.date(2020, 11, 15)
    assert Period(2020, 12).deadline() == dt.date(2021, 1, 15)
    assert Period(2020, 1) < Period(2020, 2) < Period(2021, 1)


def test_the_month_picker_offers_the_current_month_and_twelve_before():
    periods = selectable_periods(dt.date(2026, 11, 27))
    assert len(periods) == 13
    assert periods[0] == Period(2026, 11)
    assert periods[-1] == Period(2025, 11)


def test_the_last_year_starts_a_year_back_even_on_a_leap_day():
    assert last_twelve_months_start(dt.date(2026, 11, 27)) == dt.date(2025, 11, 27)
    assert last_twelve_months_start(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (dt.datetime(2026, 11, 20, 10, 30), 6, dt.datetime(2026, 5, 20, 10, 30)),
        (dt.datetime(2026, 8, 31, 9, 0), 6, dt.datetime(2026, 2, 28, 9, 0)),
        (dt.datetime(2028, 8, 31, 9, 0), 6, dt.datetime(2028, 2, 29, 9, 0)),  # leap year
        (dt.datetime(2026, 3, 15), 6, dt.datetime(2025, 9, 15)),  # across a new year
        (dt.datetime(2026, 1, 1), 60, dt.datetime(2021, 1, 1)),  # five years
        (dt.datetime(2028, 2, 29), 12, dt.datetime(2027, 2, 28)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last(moment, months, expected):
    assert months_before(moment, months) == expected
