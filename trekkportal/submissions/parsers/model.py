"""The parse result: plain, picklable data (it crosses the sandbox's process boundary)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple, overload

from trekkportal.lib.identity import InvalidNin, parse_nin

# Fields a column can be mapped to (the keys of ParsedList.columns).
NIN = "nin"
BIRTH_DATE = "birth_date"
NAME = "name"
SURNAME = "surname"
FIRST_NAME = "first_name"
EMPLOYEE_NO = "employee_no"
MEMBER_NO = "member_no"
BASE_AMOUNT = "base_amount"
AMOUNT = "amount"
UNION_AMOUNT = "union_amount"
CLUB_AMOUNT = "club_amount"
PERIOD = "period"
FIELDS = (
    NIN,
    BIRTH_DATE,
    NAME,
    SURNAME,
    FIRST_NAME,
    EMPLOYEE_NO,
    MEMBER_NO,
    BASE_AMOUNT,
    AMOUNT,
    UNION_AMOUNT,
    CLUB_AMOUNT,
    PERIOD,
)

_CENT = Decimal("0.01")


def ore_to_decimal(value: int | None) -> Decimal | None:
    """Amounts are kept as whole øre (exact, and cheap per row); shown as kroner."""
    return None if value is None else (Decimal(value) * _CENT)


class Line(NamedTuple):
    """One data row of a deduction list: a tuple (cheap for 100,000 rows, picklable).

    Amounts are whole øre (``*_ore``); the properties give kroner as Decimal.
    """

    row: int  # the row number as the user sees it in the file (1-based)
    nin: str | None = None  # 11 digits when valid; None when missing or invalid
    nin_restored: bool = False  # a leading zero Excel dropped was put back
    nin_uncertain: bool = False  # restored from text rather than a number cell: check it
    name: str = ""
    employee_no: str = ""
    member_no: str = ""
    base_ore: int | None = None
    amount_ore: int | None = None
    union_ore: int | None = None
    club_ore: int | None = None
    period: str | None = None  # "YYYY-MM"
    listed_birth_date: dt.date | None = None  # from a birth-date column
    ok: bool = True  # False when the row has at least one error

    @property
    def amount(self) -> Decimal | None:
        return ore_to_decimal(self.amount_ore)

    @property
    def base_amount(self) -> Decimal | None:
        return ore_to_decimal(self.base_ore)

    @property
    def union_amount(self) -> Decimal | None:
        return ore_to_decimal(self.union_ore)

    @property
    def club_amount(self) -> Decimal | None:
        return ore_to_decimal(self.club_ore)

    @property
    def birth_date(self) -> dt.date | None:
        """From the birth-date column, else read from a classic identity number."""
        if self.listed_birth_date is not None:
            return self.listed_birth_date
        if self.nin is None:
            return None
        try:
            return parse_nin(self.nin).birth_date
        except InvalidNin:
            return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly (amounts as strings with two decimals). Contains the full nin."""
        return {
            "row": self.row,
            "nin": self.nin,
            "nin_restored": self.nin_restored,
            "nin_uncertain": self.nin_uncertain,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "name": self.name,
            "employee_no": self.employee_no,
            "member_no": self.member_no,
            "base_amount": _money(self.base_ore),
            "amount": _money(self.amount_ore),
            "union_amount": _money(self.union_ore),
            "club_amount": _money(self.club_ore),
            "period": self.period,
            "ok": self.ok,
        }


def _money(ore: int | None) -> str | None:
    return None if ore is None else str(ore_to_decimal(ore))


_new_line = partial(tuple.__new__, Line)


class LineColumns(Sequence[Line]):
    """The lines of a list kept as columns (one list per ``Line`` field), as they come
    from the sandbox: a ``Line`` exists only while it is looked at, so handing 100,000
    lines to the store builds no list of 100,000 objects first. Compares equal to a list
    of the same lines."""

    __slots__ = ("_columns", "_count")

    def __init__(self, columns: Sequence[Sequence[Any]], count: int):
        if len(columns) != len(Line._fields) or any(len(c) != count for c in columns):
            raise ValueError("lines")
        self._columns, self._count = columns, count

    def __len__(self) -> int:
        return self._count

    @property
    def columns(self) -> Sequence[Sequence[Any]]:
        """One sequence per ``Line`` field, in field order."""
        return self._columns

    def __iter__(self) -> Iterator[Line]:
        return map(_new_line, zip(*self._columns, strict=True))

    @overload
    def __getitem__(self, index: int) -> Line: ...
    @overload
    def __getitem__(self, index: slice) -> list[Line]: ...
    def __getitem__(self, index: int | slice) -> Line | list[Line]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return _new_line(tuple(column[index] for column in self._columns))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == self._count and all(
                a == b for a, b in zip(self, other, strict=True)
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable columns: like a list

    def __repr__(self) -> str:
        return f"LineColumns({self._count} lines)"


@dataclass(slots=True, frozen=True)
class RowError:
    """A precise error. ``row``/``column`` are None for errors about the whole file.

    ``code`` keys ``messages.ERROR_MESSAGES``; ``params`` never hold a full identity number.
    """

    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, translate=None) -> str:
        from trekkportal.submissions.parsers.messages import render

        return render(self.code, self.params, translate)

    def as_dict(self, translate=None) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message(translate)}


@dataclass(slots=True)
class Totals:
    rows: int = 0  # data rows read (blank, note and totals rows not counted)
    valid: int = 0
    invalid: int = 0
    amount_ore: int = 0  # sum of the valid lines
    declared_ore: int | None = None  # what the file's own totals row says, if it has one

    @property
    def amount(self) -> Decimal:
        return ore_to_decimal(self.amount_ore) or Decimal("0.00")

    @property
    def declared(self) -> Decimal | None:
        return ore_to_decimal(self.declared_ore)


@dataclass(slots=True)
class ParsedList:
    """A read table: lines, errors and totals. ``columns`` maps field -> header in the file."""

    format: str
    columns: dict[str, str]
    lines: Sequence[Line]  # a list from parse(); LineColumns from parse_safely()
    errors: list[RowError]
    totals: Totals
    meta: dict[str, Any] = field(default_factory=dict)  # sheet, header row, encoding, ...

    @property
    def valid_lines(self) -> list[Line]:
        return [line for line in self.lines if line.ok]

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is None]

    def summary(self, translate=None) -> dict[str, Any]:
        """The object ``inspect_list --json`` prints."""
        return {
            "format": self.format,
            "columns": self.columns,
            "rows": self.totals.rows,
            "valid": self.totals.valid,
            "invalid": self.totals.invalid,
            "total_amount": f"{self.totals.amount:.2f}",
            "declared_total": (
                None if self.totals.declared_ore is None else f"{self.totals.declared:.2f}"
            ),
            "errors": [e.as_dict(translate) for e in self.errors],
            **{
                k: v
                for k, v in self.meta.items()
                if k in ("sheet", "header_row", "encoding", "delimiter", "layout")
            },
        }


@dataclass(slots=True, frozen=True)
class ParseFailure:
    """The file could not be read at all (refused, unreadable, or over its limits)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, name: str = "", translate=None) -> str:
        from trekkportal.lib.filesafety import sanitize_filename
        from trekkportal.submissions.parsers.messages import render

        return render(self.code, {"name": sanitize_filename(name), **self.params}, translate)


class ParseError(Exception):
    """Raised by ``parse`` when no table can be read; becomes a ParseFailure in the sandbox."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params
