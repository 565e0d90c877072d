"""Writing a parsed file's lines fast: the one hot write path of the portal.

A 100,000-row list must go from "Send inn" to a finished receipt in seconds, and the ORM's
``bulk_create`` spends ~40 µs a line preparing values it does not need to prepare here
(every value is already a str, int, bool, date or None). So the lines are written as plain
rows: PostgreSQL ``COPY`` (psycopg 3's ``cursor.copy``), SQLite ``executemany``; any other
database gets ``bulk_create``. Each identity number is still encrypted and hashed
(``lib.nincrypt.NinSealer``) and masked; nothing about what is stored changes (a test
holds the rows equal to what ``bulk_create`` writes, on both databases).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

from trekkportal.lib.identity import classic_birth_date, mask_nins_in_text
from trekkportal.lib.nincrypt import NinSealer
from trekkportal.submissions.parsers.model import Line
from trekkportal.submissions.parsers.values import NIN_CHUNKS

from .models import LINE_FIELDS, DeductionLine

# The columns written, in this order (``id`` is the database's).
LINE_COLUMNS = LINE_FIELDS[1:]
BATCH = 5000
_T0, _T1, _T2, _T3 = NIN_CHUNKS


def insert_lines(
    submitted_file_id: int, lines: Iterable[Any], *, prepared: PreparedLines | None = None
) -> int:
    """Write the lines of one file (inside the caller's transaction). Returns how many.
    ``prepared``: rows prepared while the file was read, used where they fit."""
    if connection.vendor == "postgresql":
        return _copy(line_values(submitted_file_id, lines, prepared=prepared))
    if connection.vendor == "sqlite":
        return _executemany(
            line_values(submitted_file_id, lines, dates_as_text=True, prepared=prepared)
        )
    return _bulk_create(line_values(submitted_file_id, lines, prepared=prepared))


def valid_line_periods(lines: Iterable[Any]) -> set[dt.date | None]:
    """The periods of the valid lines (None for a line without its own), as stored: what
    the reconciliation's period bookkeeping needs, without reading the lines back."""
    columns = _columns(lines)
    if not columns:
        return set()
    periods, ok = columns[PERIOD], columns[OK]
    return {_period_date(p) for p in set(itertools.compress(periods, ok))}


# The positions of the fields in a parser's ``Line``, from its own field list.
(ROW, NIN, RESTORED, UNCERTAIN, NAME, EMPLOYEE_NO, MEMBER_NO, BASE, AMOUNT, UNION, CLUB,
 PERIOD, LISTED_BIRTH, OK) = map(Line._fields.index, (
    "row", "nin", "nin_restored", "nin_uncertain", "name", "employee_no", "member_no",
    "base_ore", "amount_ore", "union_ore", "club_ore", "period", "listed_birth_date", "ok",
))  # fmt: skip


def line_values(
    submitted_file_id: int,
    lines: Iterable[Any],
    *,
    dates_as_text: bool = False,
    prepared: PreparedLines | None = None,
) -> Iterator[tuple[Any, ...]]:
    """One tuple per line in ``LINE_COLUMNS`` order, as the database stores it: amounts as
    kroner (612.5), dates as dates (ISO text with ``dates_as_text``, as Django stores them
    in SQLite), identity numbers sealed, hashed and masked, free text cut to its column and
    masked where it could hold an identity number.

    Worked out a column at a time (the parser hands its lines over as columns), in slices
    of ``CHUNK`` lines: each step is one comprehension over the slice instead of a tuple
    taken apart and built again per line (about half the time of doing it line by line),
    and PostgreSQL indexes one slice's rows while the next is prepared. The slices
    ``prepared`` already holds for these lines are taken as they are."""
    if prepared is None or prepared.options != (submitted_file_id, dates_as_text):
        prepared = PreparedLines(submitted_file_id, dates_as_text=dates_as_text)
    return prepared.values(lines)


class PreparedLines:
    """A file's rows for the database, prepared slice by slice while the sandbox is still
    reading the file (``parse_safely(on_lines=prepared.add)``, on the worker's core while
    the parser's child reads on its own). ``values`` then takes each slice that is still
    what the lines hold (its ``ok`` as the whole-file checks left it) and prepares the
    rest; a slice the lines do not hold (a failed read, a restarted parser) is left out."""

    def __init__(self, submitted_file_id: int, *, dates_as_text: bool | None = None) -> None:
        if dates_as_text is None:  # as insert_lines writes them on this database
            dates_as_text = connection.vendor == "sqlite"
        self.options = (submitted_file_id, dates_as_text)
        self._sealer = NinSealer()
        self._births: dict[str, dt.date | None] = {}
        self._periods: dict[str | None, dt.date | None] = {}
        self._slices: dict[int, tuple[Sequence[Sequence[Any]], list[tuple[Any, ...]]]] = {}

    def add(self, start: int, columns: Sequence[Sequence[Any]]) -> None:
        """Prepare the lines ``start`` to ``start + len(columns[0])`` (one list per
        ``Line`` field)."""
        self._slices[start] = (columns, list(self._prepare(columns)))

    def values(self, lines: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """Every line's row: the prepared slices that fit, the others prepared now."""
        columns = _columns(lines)
        if not columns:
            return iter(())
        return itertools.chain.from_iterable(self._slice_rows(columns))

    def _slice_rows(self, columns: Sequence[Sequence[Any]]) -> Iterator[Iterable[tuple]]:
        count = len(columns[ROW])
        start = 0
        while start < count:
            ready = self._slices.get(start)
            if ready is not None and (rows := self._if_same(columns, start, *ready)):
                yield rows
                start += len(rows)
            else:
                yield self._prepare([column[start : start + CHUNK] for column in columns])
                start += CHUNK

    @staticmethod
    def _if_same(
        columns: Sequence[Sequence[Any]],
        start: int,
        ready: Sequence[Sequence[Any]],
        rows: list[tuple[Any, ...]],
    ) -> list[tuple[Any, ...]] | None:
        """``rows`` if the lines from ``start`` are the slice they were prepared from
        (their ``ok`` corrected where it changed since), else None."""
        end = start + len(rows)
        if end > len(columns[ROW]) or not all(
            column[start:end] == slice_column
            for field, (column, slice_column) in enumerate(zip(columns, ready, strict=True))
            if field != OK
        ):
            return None
        ok = columns[OK][start:end]
        if ok == ready[OK]:
            return rows
        return [  # (``valid``, the line's ok, is the last of LINE_COLUMNS)
            row if row[-1] == valid else (*row[:-1], valid)
            for row, valid in zip(rows, ok, strict=True)
        ]

    def _prepare(self, columns: Sequence[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
        periods = self._periods
        for period in set(columns[PERIOD]) - periods.keys():
            periods[period] = _period_date(period)
        submitted_file_id, dates_as_text = self.options
        return _slice_values(
            submitted_file_id,
            columns,
            sealer=self._sealer,
            births=self._births,
            periods=periods,
            dates_as_text=dates_as_text,
        )


CHUNK = 10_000


def _slice_values(
    submitted_file_id: int,
    columns: Sequence[Sequence[Any]],
    *,
    sealer: NinSealer,
    births: dict[str, dt.date | None],
    periods: dict[str | None, dt.date | None],
    dates_as_text: bool,
) -> Iterator[tuple[Any, ...]]:
    nins = columns[NIN]
    encrypt, keyed_hash = sealer.encrypt, sealer.hash
    birth = [
        listed if listed is not None or not nin else _birth_date(nin, births)
        for nin, listed in zip(nins, columns[LISTED_BIRTH], strict=True)
    ]
    period = [periods[p] for p in columns[PERIOD]]
    if dates_as_text:
        birth, period = _iso(birth), _iso(period)
    return zip(
        itertools.repeat(submitted_file_id),
        columns[ROW],
        # The parser keeps only valid, 11-digit numbers: mask_nin's result, directly.
        [encrypt(nin) if nin else "" for nin in nins],
        [keyed_hash(nin) if nin else "" for nin in nins],
        [nin[:6] + "*****" if nin else "" for nin in nins],
        columns[RESTORED],
        columns[UNCERTAIN],
        birth,
        [(text if len(text) < 10 else _masked(text))[:200] for text in columns[NAME]],
        [text if len(text) < 10 else _masked(text)[:50] for text in columns[EMPLOYEE_NO]],
        [text if len(text) < 10 else _masked(text)[:50] for text in columns[MEMBER_NO]],
        # Whole øre as kroner: n / 100 is the double nearest the exact amount and its
        # repr has at most two decimals, which both databases read back exactly.
        *(
            [None if ore is None else ore / 100 for ore in columns[field]]
            for field in (BASE, AMOUNT, UNION, CLUB)
        ),
        period,
        columns[OK],
    )


def _columns(lines: Iterable[Any]) -> Sequence[Sequence[Any]]:
    """The lines as one sequence per field: ``LineColumns`` keeps them so already."""
    columns = getattr(lines, "columns", None)
    if columns is not None:
        return columns
    return [list(column) for column in zip(*lines, strict=True)]


def _iso(dates: list[dt.date | None]) -> list[str | None]:
    text = {d: None if d is None else d.isoformat() for d in set(dates)}
    return [text[d] for d in dates]


def _masked(text: str) -> str:
    """A free-text cell of ten characters or more (so it could hold an identity number):
    none is kept in plain text."""
    return mask_nins_in_text(text)


# The century range of the individual number (000-499, 500-749, 750-899, 900-999) by its
# first two digits.
_CENTURY_RANGE = {
    f"{n:02d}": "0" if n < 50 else "1" if n < 75 else "2" if n < 90 else "3" for n in range(100)
}


def _birth_date(nin: str, cache: dict[str, dt.date | None]) -> dt.date | None:
    """``parse_nin(nin).birth_date`` for a number the parser found valid, looked up by what
    it depends on: the date digits, the individual number's century range and whether k1
    follows the old rule (a 2032-rule number has no birth date in it)."""
    packed = _T0[nin[:3]] + _T1[nin[3:6]] + _T2[nin[6:9]] + _T3[nin[9:]]
    key = nin[:6] + _CENTURY_RANGE[nin[6:8]] + ("1" if (packed & 0xFFF) % 11 == 0 else "0")
    try:
        return cache[key]
    except KeyError:
        birth = cache[key] = classic_birth_date(nin) if key[-1] == "1" else None
        return birth


def _period_date(value: str | None) -> dt.date | None:
    """The parser's "YYYY-MM" as the first day of the month."""
    if not value:
        return None
    try:
        year, month = value.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def _table_and_columns() -> tuple[str, list[str]]:
    meta = DeductionLine._meta
    columns = [meta.get_field(name.removesuffix("_id")).column for name in LINE_COLUMNS]
    return meta.db_table, columns


def _copy(rows: Iterator[tuple[Any, ...]]) -> int:
    table, columns = _table_and_columns()
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(sql) as copy:
            for values in rows:
                copy.write_row(values)
                count += 1
    return count


def _executemany(rows: Iterator[tuple[Any, ...]]) -> int:
    table, columns = _table_and_columns()
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted; values only as parameters.
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * len(columns))})"  # the sqlite3 module's own placeholders
    )
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # sqlite3's cursor: "?" placeholders, no Django formatting
        while batch := list(itertools.islice(rows, BATCH)):
            raw.executemany(sql, batch)
            count += len(batch)
    return count


def _bulk_create(rows: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    while batch := list(itertools.islice(rows, 2000)):
        DeductionLine.objects.bulk_create(
            DeductionLine(**dict(zip(LINE_COLUMNS, values, strict=True))) for values in batch
        )
        count += len(batch)
    return count
