"""Periods: a calendar month. Pure, no Django.

Formats: ``MMYY`` (``1020``), ``YYYY-MM`` (``2020-10``) and the Norwegian/English long form
(``oktober 2020``, ``October 2020``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

MONTHS_NB = (
    "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
)  # fmt: skip
MONTHS_EN = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_ABBREVIATIONS = {
    name[:3]: i + 1 for names in (MONTHS_NB, MONTHS_EN) for i, name in enumerate(names)
}
_ABBREVIATIONS.update({"okt": 10, "des": 12, "mai": 5})

_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_MMYY = re.compile(r"^(\d{2})(\d{2})$")
_MM_YYYY = re.compile(r"^(\d{1,2})[./\-](\d{4})$")
_LONG = re.compile(r"^([a-zæøå]+)\.?\s+(\d{4})$")


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"year out of range: {self.year}")

    # construction -------------------------------------------------------------------
    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``YYYY-MM``, ``MMYY``, ``MM.YYYY`` or ``oktober 2020``; ValueError otherwise."""
        value = str(text).strip().lower()
        if m := _ISO.match(value):
            return cls(int(m[1]), int(m[2]))
        if m := _MMYY.match(value):
            return cls(2000 + int(m[2]), int(m[1]))
        if m := _MM_YYYY.match(value):
            return cls(int(m[2]), int(m[1]))
        if m := _LONG.match(value):
            name = m[1]
            for names in (MONTHS_NB, MONTHS_EN):
                if name in names:
                    return cls(int(m[2]), names.index(name) + 1)
            if name[:3] in _ABBREVIATIONS and len(name) <= 4:
                return cls(int(m[2]), _ABBREVIATIONS[name[:3]])
        raise ValueError(f"not a period: {text!r}")

    # formatting ---------------------------------------------------------------------
    @property
    def mmyy(self) -> str:
        return f"{self.month:02d}{self.year % 100:02d}"

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def long_name(self, language: str = "nb") -> str:
        names = MONTHS_EN if language.startswith("en") else MONTHS_NB
        name = names[self.month - 1]
        if language.startswith("en"):
            name = name.capitalize()
        return f"{name} {self.year}"

    def __str__(self) -> str:
        return self.iso

    # arithmetic ---------------------------------------------------------------------
    def _index(self) -> int:
        return self.year * 12 + self.month - 1

    def __lt__(self, other: Period) -> bool:
        return self._index() < other._index()

    def shift(self, months: int) -> Period:
        i = self._index() + months
        return Period(i // 12, i % 12 + 1)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def deadline(self, day: int = 15) -> dt.date:
        """A list for month M is due by the given day of month M+1."""
        return self.next().first_day.replace(day=day)


def selectable_periods(today: dt.date, back: int = 12) -> list[Period]:
    """The current month and the previous ``back`` months, newest first (the "Velg måned" list)."""
    current = Period.of(today)
    return [current.shift(-i) for i in range(back + 1)]


def last_twelve_months_start(today: dt.date) -> dt.date:
    """The first date inside "det siste året": same day one year back (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months earlier; a day the earlier month
    lacks becomes its last day (31 August minus six months: 28 or 29 February)."""
    import calendar

    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
