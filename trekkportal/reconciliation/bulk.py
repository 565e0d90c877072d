"""Plain multi-row inserts and upserts for the rows a whole-period run writes (a
reconciliation row per company, utrukne, findings: thousands at a time).

``bulk_create`` builds every value through the field machinery; at 2,000 companies that
was a third of a run. These helpers prepare only the values that need it (dates,
datetimes, decimals) and hand the rest to the driver as they are, ``BATCH`` rows to a
statement (one round trip each, on PostgreSQL too, where ``executemany`` goes row by
row). The SQL is plain ``INSERT … VALUES (…), (…)`` and ``… ON CONFLICT … DO UPDATE``
(SQLite ≥ 3.24, PostgreSQL ≥ 9.5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 500


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of ``field`` goes to the driver; None where it goes as it is."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return None


def _prepared(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> tuple[list[str], list[tuple]]:
    fields = [model._meta.get_field(name) for name in names]
    adapters = [(i, adapt) for i, field in enumerate(fields) if (adapt := _adapter(field))]
    prepared: list[tuple] = []
    for row in rows:
        if len(row) != len(fields):
            raise ValueError(f"{len(row)} values for {len(fields)} columns")
        if adapters:
            values = list(row)
            for i, adapt in adapters:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            row = values
        prepared.append(tuple(row))
    return [connection.ops.quote_name(field.column) for field in fields], prepared


def insert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT the rows (tuples in the order of ``names``). Returns how many. PostgreSQL
    gets them by ``COPY`` (an all-unmatched list of 100,000 lines is 100,000 findings),
    SQLite by ``executemany`` of one prepared statement; others as multi-row INSERTs."""
    columns, prepared = _prepared(model, names, rows)
    if not prepared:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return len(prepared)
        if connection.vendor == "sqlite":
            # sqlite3's own cursor and "?" placeholders: no Django formatting per row.
            marks = ", ".join("?" * len(columns))
            cursor.cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                prepared,
            )
            return len(prepared)
    _execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ", "", prepared)  # noqa: S608
    return len(prepared)


def _execute(head: str, tail: str, rows: list[tuple]) -> None:
    """``head`` + one ``(%s, …)`` group per row + ``tail``, ``BATCH`` rows a statement."""
    group = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            sql = head + ", ".join([group] * len(batch)) + tail
            cursor.execute(sql, [value for row in batch for value in row])


def upsert(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> int:
    """INSERT the rows, or UPDATE the ``update`` columns of the row with the same
    ``unique`` columns. Returns how many rows were given."""
    columns, prepared = _prepared(model, names, rows)
    if not prepared:
        return 0
    quote = connection.ops.quote_name
    column = {name: quote(model._meta.get_field(name).column) for name in [*unique, *update]}
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{column[name]} = EXCLUDED.{column[name]}" for name in update)
    _execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ",  # noqa: S608
        f" ON CONFLICT ({', '.join(column[name] for name in unique)}) DO UPDATE SET {assignments}",
        prepared,
    )
    return len(prepared)
