"""Bulk writes for the register import: ``executemany`` of ready values, no model objects.

Django's ``bulk_create``/``bulk_update`` compile SQL per object and field (and on SQLite
cap a statement at 999 variables); for 100,000 members that alone took longer than the
whole import may. These helpers write plain rows — ``COPY`` on PostgreSQL, one prepared
statement per batch (``executemany``) on SQLite — adapting each value the way the ORM
would (dates, datetimes, decimals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

BATCH = 5000


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DecimalField":
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    return None


def _memo(adapter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Rows repeat the same months, timestamps and amounts: adapt each value once."""
    seen: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            result = seen[value] = adapter(value)
            return result

    return adapt


def _prepare(model: type[models.Model], names: Sequence[str]):
    fields = [model._meta.get_field(n) for n in names]
    adapters = [(i, _memo(a)) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    columns = [connection.ops.quote_name(f.column) for f in fields]

    def adapt(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, adapter in adapters:
            if values[i] is not None:
                values[i] = adapter(values[i])
        return values

    return columns, adapt


def insert(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values in the order of the field ``names``): ``COPY`` on
    PostgreSQL (one statement for all rows), ``executemany`` elsewhere."""
    if not rows:
        return
    columns, adapt = _prepare(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(adapt(row))
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [adapt(r) for r in rows[start : start + BATCH]])


def update(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE by primary key: each row is the values of ``names`` followed by the pk."""
    if not rows:
        return
    columns, adapt = _prepare(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    assignments = ", ".join(f"{c} = %s" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [[*adapt(r[:-1]), r[-1]] for r in rows[start : start + BATCH]])
