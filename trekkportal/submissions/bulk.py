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
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

from trekkportal.lib.identity import classic_birth_date, mask_nins_in_text
from trekkportal.lib.nincrypt import NinSealer
from trekkportal.submissions.parsers.values import NIN_CHUNKS

from .models import LINE_FIELDS, DeductionLine

# The columns written, in this order (``id`` is the database's).
LINE_COLUMNS = LINE_FIELDS[1:]
BATCH = 5000
_T0, _T1, _T2, _T3 = NIN_CHUNKS


def insert_lines(submitted_file_id: int, lines: Iterable[Any]) -> int:
    """Write the lines of one file (inside the caller's transaction). Returns how many."""
    rows = line_values(submitted_file_id, lines)
    if connection.vendor == "postgresql":
        return _copy(rows)
    if connection.vendor == "sqlite":
        return _executemany(rows)
    return _bulk_create(rows)


def valid_line_periods(lines: Iterable[Any]) -> set[dt.date | None]:
    """The periods of the valid lines (None for a line without its own), as stored: what
    the reconciliation's period bookkeeping needs, without reading the lines back."""
    return {_period_date(period) for period in {line.period for line in lines if line.ok}}


def line_values(submitted_file_id: int, lines: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """One tuple per line in ``LINE_COLUMNS`` order, as the database stores it: amounts as
    kroner (612.5), dates as dates, identity numbers sealed, hashed and masked,
    free text cut to its column and masked where it could hold an identity number."""
    sealer = NinSealer()
    encrypt, keyed_hash = sealer.encrypt, sealer.hash
    periods: dict[str | None, dt.date | None] = {}
    births: dict[str, dt.date | None] = {}
    for line in lines:
        (row, nin, restored, uncertain, name, employee_no, member_no, base_ore, amount_ore,
         union_ore, club_ore, period, listed_birth, ok) = line  # fmt: skip
        if period not in periods:
            periods[period] = _period_date(period)
        if nin:
            # The parser keeps only valid, 11-digit numbers: mask_nin's result, directly.
            sealed, hashed, masked = encrypt(nin), keyed_hash(nin), nin[:6] + "*****"
            birth = listed_birth if listed_birth is not None else _birth_date(nin, births)
        else:
            sealed = hashed = masked = ""
            birth = listed_birth
        yield (
            submitted_file_id,
            row,
            sealed,
            hashed,
            masked,
            restored,
            uncertain,
            birth,
            (name if len(name) < 10 else _masked(name))[:200],
            employee_no if len(employee_no) < 10 else _masked(employee_no)[:50],
            member_no if len(member_no) < 10 else _masked(member_no)[:50],
            # Whole øre as kroner: n / 100 is the double nearest the exact amount and its
            # repr has at most two decimals, which both databases read back exactly.
            None if base_ore is None else base_ore / 100,
            None if amount_ore is None else amount_ore / 100,
            None if union_ore is None else union_ore / 100,
            None if club_ore is None else club_ore / 100,
            periods[period],
            ok,
        )


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
        while batch := [_sqlite(values) for values in itertools.islice(rows, BATCH)]:
            raw.executemany(sql, batch)
            count += len(batch)
    return count


def _sqlite(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Dates as ISO text, as Django stores them in SQLite."""
    birth, period = values[7], values[15]
    return (
        *values[:7],
        None if birth is None else birth.isoformat(),
        *values[8:15],
        None if period is None else period.isoformat(),
        values[16],
    )


def _bulk_create(rows: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    while batch := list(itertools.islice(rows, 2000)):
        DeductionLine.objects.bulk_create(
            DeductionLine(**dict(zip(LINE_COLUMNS, values, strict=True))) for values in batch
        )
        count += len(batch)
    return count
