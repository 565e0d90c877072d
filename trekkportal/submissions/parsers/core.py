"""``parse(path, filename) -> ParsedList``: read, find the header, validate every row.

The row loop is the hot path (a 100,000-row list must parse in about half the time
python-calamine needs to read it): per row it touches only the mapped cells, uses the fast
checks in ``values``, caches repeated values (periods, birth dates), keeps amounts as
integer øre and builds one slots ``Line``. Everything unusual (blank, note, totals and
repeated header rows, errors) leaves the fast path.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, BinaryIO

from trekkportal.lib.filesafety import DEFAULT_LIMITS, FileKind, Limits, inspect_file, read_upload
from trekkportal.lib.identity import InvalidNin, mask_nin, mask_nins_in_text, parse_nin
from trekkportal.submissions.parsers.headers import (
    HEADER_SEARCH_ROWS,
    field_for,
    find_header,
    normalise_header,
)
from trekkportal.submissions.parsers.model import (
    AMOUNT,
    BASE_AMOUNT,
    BIRTH_DATE,
    CLUB_AMOUNT,
    EMPLOYEE_NO,
    FIELDS,
    FIRST_NAME,
    MEMBER_NO,
    NAME,
    NIN,
    PERIOD,
    SURNAME,
    UNION_AMOUNT,
    Line,
    LineColumns,
    ParsedList,
    RowError,
    Totals,
)
from trekkportal.submissions.parsers.readers import (
    MAX_ROWS,
    Table,
    TooManyRows,
    read_pdf,
    read_spreadsheet,
    read_text,
)
from trekkportal.submissions.parsers.values import (
    NIN_CHUNKS,
    SAFE_DDMM,
    BadDate,
    BadPeriod,
    amount_to_ore,
    check_nin,
    format_ore,
    read_nin,
    to_date,
    to_period,
)

_TOTALS = re.compile(
    r"^\s*(sum|summ?a|total|totalt|totalsum|i alt|tilsammen|grand total|subtotal|delsum"
    r"|sum side|overf|sum trekk|sum kontingent)\b",
    re.IGNORECASE,
)
_EMPTY = ("", None)
# The most one member can have deducted in a month, and the largest monthly pay a base
# amount can be (in øre). Anything above is a row problem: an identity number in an
# amount column reads as 14 billion kroner.
MAX_LINE_ORE = 100_000_00
MAX_BASE_ORE = 10_000_000_00
# Lines handed to ``on_lines`` at a time (the store prepares them in slices of this size).
SLICE_LINES = 10_000


def parse(
    path_or_data: str | os.PathLike | bytes | BinaryIO,
    filename: str,
    *,
    kind: FileKind | str | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_rows: int = MAX_ROWS,
    mappings: Mappings | None = None,
    on_lines: Callable[[LineColumns], None] | None = None,
    slice_lines: int = SLICE_LINES,
) -> ParsedList:
    """Read and validate a deduction list.

    ``mappings`` are columns an employer chose for header rows the parser could not read
    (header shape -> field -> column index, see ``row_shape``): a header row of a known
    shape is read with its mapping instead of the detected one.

    ``on_lines`` gets the lines as they are read, ``slice_lines`` at a time (the sandbox
    sends them on while it reads on): each slice as the row loop made it, before the
    whole-file checks, so a line found a duplicate later is still valid in its slice.
    The result holds every line, as it ends up.

    Raises ``UnsafeFile`` (refused by the file-safety checks) or ``ParseError`` (no table
    could be read); anything else it can say about the file is in ``ParsedList.errors``.
    Run it through ``parse_safely`` for untrusted files: that adds memory and time limits.
    """
    data = read_upload(path_or_data, max_bytes=limits.max_bytes)
    kind = FileKind(kind) if kind is not None else inspect_file(filename, data, limits=limits)
    today = today or dt.date.today()  # noqa: DTZ011 (a calendar date, no time zone needed)
    # The reading and the row loop allocate hundreds of thousands of small objects and
    # create no reference cycles: the cyclic garbage collector would only slow them down.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if kind.is_spreadsheet:
            table = read_spreadsheet(data, max_rows=max_rows)
        elif kind.is_text:
            table = read_text(data, max_rows=max_rows)
        else:
            table = read_pdf(data, max_rows=max_rows)
        del data
        return build(
            table,
            kind.value,
            today=today,
            max_rows=max_rows,
            mappings=mappings,
            on_lines=on_lines,
            slice_lines=slice_lines,
        )
    except TooManyRows as exc:
        return _file_error(kind, "too_many_rows", limit=exc.limit)
    finally:
        if gc_was_enabled:
            gc.enable()


def _file_error(kind: FileKind | str, code: str, **params: Any) -> ParsedList:
    return ParsedList(
        format=str(kind),
        columns={},
        lines=[],
        errors=[RowError(None, None, code, params)],
        totals=Totals(),
    )


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if type(value) is float and value.is_integer():
        return str(int(value))
    return str(value).strip()


Mappings = dict[str, dict[str, int]]
PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 30
PREVIEW_CELL_CHARS = 40


def row_shape(row: Sequence[Any]) -> str:
    """A fingerprint of a header row: its normalised cells, trailing blanks dropped. Lists
    exported by the same payroll system have the same shape month after month."""
    cells = [normalise_header(_text(cell)) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:32]


def preview(head: Sequence[Sequence[Any]], header_index: int) -> dict[str, Any]:
    """The header row and the first rows after it, as text with identity numbers masked:
    what the employer sees to say which column is which."""

    def cells(row: Sequence[Any]) -> list[str]:
        return [mask_nins_in_text(_text(c))[:PREVIEW_CELL_CHARS] for c in row[:PREVIEW_COLUMNS]]

    header = cells(head[header_index])
    while header and not header[-1]:
        header.pop()
    rows: list[list[Any]] = []
    for row in head[header_index + 1 :]:
        if len(rows) == PREVIEW_ROWS:
            break
        values = cells(row)[: len(header)]
        if any(values):
            rows.append(values + [""] * (len(header) - len(values)))
    return {"header": header, "rows": rows}


def _first_filled_row(head: Sequence[Sequence[Any]]) -> int | None:
    """The first row with two or more cells filled in: the header, if the file has one."""
    for index, row in enumerate(head):
        if sum(1 for c in row if _text(c)) >= 2:
            return index
    return None


def _known_mapping(head: Sequence[Sequence[Any]], mappings: Mappings | None):
    """(header index, mapping, shape) for the first row of a shape an employer mapped."""
    if not mappings:
        return None
    for index, row in enumerate(head[:HEADER_SEARCH_ROWS]):
        shape = row_shape(row)
        chosen = mappings.get(shape)
        if chosen:
            mapping = {
                f: int(i)
                for f, i in chosen.items()
                if f in FIELDS and isinstance(i, int) and 0 <= i < len(row)
            }
            if mapping:
                return index, mapping, shape
    return None


def build(
    table: Table,
    fmt: str,
    *,
    today: dt.date,
    mappings: Mappings | None = None,
    max_rows: int = MAX_ROWS,
    slice_lines: int = SLICE_LINES,
    on_lines: Callable[[LineColumns], None] | None = None,
) -> ParsedList:
    """Validate the rows of a read table (the pure core, shared by every format).
    ``on_lines``, ``slice_lines``: see ``parse``."""
    head = table.head
    known = _known_mapping(head, mappings)
    if known is not None:
        header_index, mapping, shape = known
        chosen_shape: str | None = shape
    else:
        chosen_shape = None
        found = find_header(head)
        if found is None:
            result = _file_error(fmt, "no_header", rows=HEADER_SEARCH_ROWS)
            first = _first_filled_row(head)
            if first is not None:
                result.meta = {
                    **table.meta,
                    "header_row": table.first_row + first,
                    "shape": row_shape(head[first]),
                    "preview": preview(head, first),
                }
            return result
        header_index, mapping = found
    header = head[header_index]
    columns = {
        f: mask_nins_in_text(_text(header[i])) or f"#{i + 1}"
        for f, i in sorted(mapping.items(), key=lambda x: x[1])
    }
    missing = []
    has_name = NAME in mapping or SURNAME in mapping or FIRST_NAME in mapping
    if NIN not in mapping and BIRTH_DATE not in mapping:
        missing.append(NIN)
    if NIN not in mapping and BIRTH_DATE in mapping and not has_name:
        missing.append(NAME)
    if AMOUNT not in mapping and UNION_AMOUNT not in mapping and CLUB_AMOUNT not in mapping:
        missing.append(AMOUNT)
    meta = {**table.meta, "header_row": table.first_row + header_index}
    if chosen_shape is not None:
        # Read with the employer's columns: they may want to choose again.
        meta["mapping_shape"] = meta["shape"] = chosen_shape
        meta["preview"] = preview(head, header_index)
    if missing:
        result = _file_error(fmt, "missing_columns", fields=missing)
        meta["shape"] = row_shape(header)
        meta["preview"] = preview(head, header_index)
        result.columns, result.meta = columns, meta
        return result

    idx = {f: mapping.get(f, -1) for f in FIELDS}
    i_nin, i_bd, i_name, i_sur, i_first = (idx[NIN], idx[BIRTH_DATE], idx[NAME], idx[SURNAME],
                                           idx[FIRST_NAME])  # fmt: skip
    i_emp, i_mem, i_base, i_amt = idx[EMPLOYEE_NO], idx[MEMBER_NO], idx[BASE_AMOUNT], idx[AMOUNT]
    i_union, i_club, i_period = idx[UNION_AMOUNT], idx[CLUB_AMOUNT], idx[PERIOD]
    c_nin, c_bd, c_amt = columns.get(NIN), columns.get(BIRTH_DATE), columns.get(AMOUNT)
    c_name = columns.get(NAME) or columns.get(SURNAME) or columns.get(FIRST_NAME)
    width = max(mapping.values()) + 1
    pad = [""] * width
    ragged = fmt not in ("xlsx", "xls", "ods")  # calamine gives rows of equal width
    split = i_union >= 0 or i_club >= 0

    # The lines are kept as columns (``LineColumns``): the sandbox sends them as columns,
    # so a list of 100,000 tuples would only have to be taken apart again.
    columns_of_lines: list[list[Any]] = [[] for _ in Line._fields]
    (a_row, a_nin, a_restored, a_uncertain, a_name, a_employee, a_member, a_base, a_amount,
     a_union, a_club, a_period, a_birth, a_ok) = (c.append for c in columns_of_lines)  # fmt: skip
    errors: list[RowError] = []
    append_error = errors.append
    (t0, t1, t2, t3), safe_ddmm = NIN_CHUNKS, SAFE_DDMM
    period_cache: dict[Any, Any] = {}
    date_cache: dict[Any, Any] = {}
    valid = invalid = valid_ore = listed_ore = 0
    declared_ore: int | None = None
    first_data = table.first_row + header_index + 1
    last_allowed = first_data + max_rows
    kept_rows = columns_of_lines[0]
    sent = 0
    next_slice = slice_lines if on_lines is not None else -1

    for row_no, row in enumerate(chain(head[header_index + 1 :], table.rest), first_data):
        if row_no >= last_allowed:
            result = _file_error(fmt, "too_many_rows", limit=max_rows)
            result.columns, result.meta = columns, meta
            return result
        if ragged and len(row) < width:
            row = [*row, *pad[len(row) :]]
        ok = True
        nin = None
        reason = None
        restored = uncertain = joined = False
        amount_cell = row[i_amt] if i_amt >= 0 else ""

        # National identity number: the common cases inline, the rest in read_nin.
        if i_nin >= 0:
            cell = row[i_nin]
            kind = type(cell)
            # 11 digits: text, a number cell, or a number cell that lost its leading zero
            # (read_nin's answer for it, without the call).
            if kind is str:
                digits = cell if len(cell) == 11 and cell.isdigit() and cell.isascii() else None
            elif kind is float and 999_999_999 < cell < 1e11 and cell.is_integer():
                digits = "%d" % cell  # noqa: UP031 (a third faster than str(int()))
                if len(digits) == 10:
                    digits = "0" + digits
                    restored = True
            else:
                digits = None
            if digits is not None:
                nin = digits
                # check_nin's first step inline (most numbers are valid by the old rule
                # with an ordinary date); anything else asks check_nin itself.
                packed = t0[digits[:3]] + t1[digits[3:6]] + t2[digits[6:9]] + t3[digits[9:]]
                if (packed >> 12) % 11 or (packed & 0xFFF) % 11 or digits[:4] not in safe_ddmm:
                    reason = check_nin(digits)
                elif digits[6] in "01234" or digits[4] in "0123":
                    reason = None  # individual number <= 499, or born 2000-2039/1900-1939
                else:
                    reason = check_nin(digits)
                if restored and reason is not None:  # not a number with its zero dropped
                    nin, reason, restored = digits[1:], "length", False
            elif cell == "" or cell is None or (kind is str and not cell.strip()):
                what = _classify(row, mapping, amount_cell, listed_ore)
                if what == "skip":
                    continue
                if what == "total":
                    if (ore := amount_to_ore(amount_cell)) is not None:
                        declared_ore = ore
                    continue
            else:
                nin, reason, restored, uncertain = read_nin(cell)
                if reason == "length" and i_bd >= 0 and len(nin) <= 5:
                    # "Personnummer" in the strict sense: the five digits after the birth
                    # date, which sits in a column of its own.
                    nin, reason = _join_birth_and_personnummer(row[i_bd], nin, today)
                    joined = True
            if reason is not None:
                if reason == "not_digits":
                    if field_for(cell) == NIN:
                        continue  # the header repeated (on every page of a PDF, say)
                    if _is_totals_row(row):
                        if (ore := amount_to_ore(amount_cell)) is not None:
                            declared_ore = ore
                        continue
                ok = False
                append_error(
                    RowError(row_no, c_nin, "nin_" + reason, {"masked": mask_nin(str(nin))})
                )
                nin = None
        elif _is_blank_person(row, i_bd, i_name, i_sur, i_first):
            what = _classify(row, mapping, amount_cell, listed_ore)
            if what == "skip":
                continue
            if what == "total":
                if (ore := amount_to_ore(amount_cell)) is not None:
                    declared_ore = ore
                continue

        # Name
        if i_name >= 0:
            name = row[i_name]
            name = name.strip() if type(name) is str else _text(name)
        else:
            name = ""
        if not name and (i_sur >= 0 or i_first >= 0):
            given = row[i_first] if i_first >= 0 else ""
            if type(given) is not str:
                given = _text(given)
            sur = row[i_sur] if i_sur >= 0 else ""
            if type(sur) is not str:
                sur = _text(sur)
            name = f"{given.strip()} {sur.strip()}".strip()

        # Birth date (a column of its own, in lists without identity numbers)
        birth = None
        if i_bd >= 0 and not joined:
            cell = row[i_bd]
            try:
                birth = date_cache[cell]
            except KeyError:
                try:
                    birth = to_date(cell, today=today)
                except BadDate:
                    birth = BadDate
                date_cache[cell] = birth
            except TypeError:  # an unhashable cell: never from calamine, but be safe
                birth = BadDate
            if birth is BadDate:
                ok = False
                append_error(RowError(row_no, c_bd, "date_invalid", {"value": _text(cell)[:20]}))
                birth = None
            elif birth is not None and birth > today:  # type: ignore[operator]  # a date now
                ok = False
                append_error(
                    RowError(row_no, c_bd, "birth_date_future", {"value": f"{birth:%d.%m.%Y}"})
                )
            elif birth is not None and nin is not None and not nin.startswith(f"{birth:%d%m%y}"):
                try:
                    from_nin = parse_nin(nin).birth_date
                except InvalidNin:
                    from_nin = None
                if from_nin is not None and from_nin != birth:
                    ok = False
                    append_error(RowError(row_no, c_bd, "nin_birth_date_mismatch",
                                          {"masked": mask_nin(nin)}))  # fmt: skip
            if i_nin < 0 and ok:
                if birth is None:
                    ok = False
                    append_error(RowError(row_no, c_bd, "birth_date_missing", {}))
                if not name:
                    ok = False
                    append_error(RowError(row_no, c_name, "name_missing", {}))
        if nin is None and i_nin >= 0 and reason is None and (birth is None or not name):
            ok = False
            append_error(RowError(row_no, c_nin, "nin_missing", {}))

        # Amounts (kept as whole øre)
        union_ore = club_ore = None
        if split:
            if i_union >= 0:
                union_ore = _amount_or_error(row[i_union], row_no, columns[UNION_AMOUNT], errors)
            if i_club >= 0:
                club_ore = _amount_or_error(row[i_club], row_no, columns[CLUB_AMOUNT], errors)
        if i_amt >= 0:
            if type(amount_cell) is float and -1e12 < amount_cell < 1e12:
                ore = round(amount_cell * 100)
            else:
                ore = amount_to_ore(amount_cell)
            if ore is None:
                ok = False
                if _text(amount_cell) == "":
                    append_error(RowError(row_no, c_amt, "amount_missing", {}))
                else:
                    value = _text(amount_cell)[:20]
                    append_error(RowError(row_no, c_amt, "amount_invalid", {"value": value}))
            elif (union_ore is not None or club_ore is not None) and (
                (union_ore or 0) + (club_ore or 0) != ore
            ):
                ok = False
                append_error(RowError(row_no, c_amt, "split_mismatch", {"value": format_ore(ore)}))
        elif union_ore is None and club_ore is None:
            ore = None
            ok = False
            column = columns.get(UNION_AMOUNT) or columns.get(CLUB_AMOUNT)
            append_error(RowError(row_no, column, "amount_missing", {}))
        else:
            ore = (union_ore or 0) + (club_ore or 0)
        if ore is not None:
            listed_ore += ore
            if ore > MAX_LINE_ORE:
                # No payroll deducts this from one member in a month: an identity number
                # in the amount column reads as billions. Not quoted (it may be one).
                ok = False
                column = c_amt or columns.get(UNION_AMOUNT) or columns.get(CLUB_AMOUNT)
                append_error(RowError(row_no, column, "amount_too_large", {}))
            elif ore <= 0:
                ok = False
                column = c_amt or columns.get(UNION_AMOUNT) or columns.get(CLUB_AMOUNT)
                if ore == 0:
                    append_error(RowError(row_no, column, "amount_zero", {}))
                else:
                    append_error(
                        RowError(row_no, column, "amount_negative", {"value": format_ore(ore)})
                    )
        if split and (len(errors) and errors[-1].row == row_no):
            ok = False  # an invalid union or club amount
        base_ore = None
        if i_base >= 0:
            cell = row[i_base]
            if type(cell) is float and -1e12 < cell < 1e12:
                base_ore = round(cell * 100)
            elif _text(cell):
                base_ore = amount_to_ore(cell)
                if base_ore is None:
                    ok = False
                    append_error(RowError(row_no, columns[BASE_AMOUNT], "amount_invalid",
                                          {"value": _text(cell)[:20]}))  # fmt: skip
            if base_ore is not None and base_ore > MAX_BASE_ORE:
                ok = False
                append_error(RowError(row_no, columns[BASE_AMOUNT], "base_too_large", {}))
                base_ore = None

        # Period
        period = None
        if i_period >= 0:
            cell = row[i_period]
            try:
                period = period_cache[cell]
            except KeyError:
                try:
                    period = to_period(cell, today=today)
                except BadPeriod:
                    period = BadPeriod
                period_cache[cell] = period
            except TypeError:
                period = BadPeriod
            if period is BadPeriod:
                ok = False
                append_error(RowError(row_no, columns[PERIOD], "period_invalid",
                                      {"value": _text(cell)[:20]}))  # fmt: skip
                period = None

        if i_emp >= 0:
            employee_no = row[i_emp]
            if type(employee_no) is float and employee_no.is_integer():
                employee_no = "%d" % employee_no  # noqa: UP031
            elif type(employee_no) is not str:
                employee_no = _text(employee_no)
        else:
            employee_no = ""
        if i_mem >= 0:
            member_no = row[i_mem]
            if type(member_no) is float and member_no.is_integer():
                member_no = "%d" % member_no  # noqa: UP031
            elif type(member_no) is not str:
                member_no = _text(member_no)
        else:
            member_no = ""
        a_row(row_no)
        a_nin(nin)
        a_restored(restored)
        a_uncertain(uncertain)
        a_name(name)
        a_employee(employee_no)
        a_member(member_no)
        a_base(base_ore)
        a_amount(ore)
        a_union(union_ore)
        a_club(club_ore)
        a_period(period)
        a_birth(birth)
        a_ok(ok)
        if ok:
            valid += 1
            valid_ore += ore  # type: ignore[operator]  # a valid line has an amount
        else:
            invalid += 1
        if len(kept_rows) == next_slice and on_lines is not None:
            on_lines(LineColumns([c[sent:] for c in columns_of_lines], slice_lines))
            sent, next_slice = next_slice, next_slice + slice_lines

    lines = LineColumns(columns_of_lines, len(columns_of_lines[0]))
    # Duplicates within the file, after the loop: a set of the identity numbers says in
    # one step (in C) that there are none, the common case; else each line is looked at.
    nins = columns_of_lines[1]
    if nins.count(None) or len(set(nins)) != len(nins):
        duplicates = _duplicates(columns_of_lines, c_nin or c_name)
        if duplicates:
            oks, amounts = columns_of_lines[13], columns_of_lines[8]
            for index, _error in duplicates:
                if oks[index]:
                    oks[index] = False
                    valid, invalid = valid - 1, invalid + 1
                    valid_ore -= amounts[index]
            # Each after the row's other problems, as if found there (sorted is stable).
            errors = sorted([*errors, *(e for _, e in duplicates)], key=_row_of)
    if not lines and not errors:
        errors.append(RowError(None, None, "no_table", {}))
    if declared_ore is not None and declared_ore != listed_ore:
        errors.append(
            RowError(
                None,
                c_amt,
                "total_mismatch",
                {"declared": format_ore(declared_ore), "computed": format_ore(listed_ore)},
            )
        )
    totals = Totals(
        rows=valid + invalid,
        valid=valid,
        invalid=invalid,
        amount_ore=valid_ore,
        declared_ore=declared_ore,
    )
    return ParsedList(
        format=fmt, columns=columns, lines=lines, errors=errors, totals=totals, meta=meta
    )


def _row_of(error: RowError) -> int:
    return error.row or 0


def _duplicates(columns: list[list[Any]], column: str | None) -> list[tuple[int, RowError]]:
    """(line index, problem) for every line whose person came earlier in the file: the
    same identity number, or without one the same birth date and name."""
    seen: dict[Any, int] = {}
    found = []
    rows, nins, names, births = columns[0], columns[1], columns[4], columns[12]
    for index, (row_no, nin) in enumerate(zip(rows, nins, strict=True)):
        if nin is not None:
            key: Any = nin
        else:
            birth, name = births[index], names[index]
            if not (birth and name):
                continue
            key = (birth, name.casefold())
        first_row = seen.get(key)
        if first_row is None:
            seen[key] = row_no
        else:
            found.append((index, RowError(row_no, column, "duplicate", {"first_row": first_row})))
    return found


def _join_birth_and_personnummer(birth_cell: Any, digits: str, today: dt.date):
    """(11 digits, error reason or None) from a DDMMYY birth-date cell and 5 digits."""
    digits = digits.zfill(5)  # a number cell drops leading zeros here too
    if type(birth_cell) is str and birth_cell.strip().isdigit():
        six = birth_cell.strip().zfill(6)  # kept as text: D-numbers (day + 40) survive
        if len(six) == 8:
            six = six[:4] + six[6:]  # DDMMYYYY
    else:
        try:
            birth = to_date(birth_cell, today=today)
        except BadDate:
            birth = None
        six = f"{birth:%d%m%y}" if birth else ""
    joined = six + digits
    if len(joined) != 11:
        return digits, "length"
    return joined, check_nin(joined)


def _is_blank_person(row: list[Any], *indices: int) -> bool:
    return not any(i >= 0 and _text(row[i]) for i in indices)


def _amount_or_error(cell: Any, row_no: int, column: str, errors: list[RowError]) -> int | None:
    if cell in _EMPTY or (type(cell) is str and not cell.strip()):
        return None
    ore = amount_to_ore(cell)
    if ore is None:
        errors.append(RowError(row_no, column, "amount_invalid", {"value": _text(cell)[:20]}))
    return ore


def _is_totals_row(row: list[Any]) -> bool:
    return any(type(c) is str and _TOTALS.match(c) for c in row)


def _classify(row: list[Any], mapping: dict[str, int], amount_cell: Any, listed_ore: int) -> str:
    """For a row without an identity number: 'skip' (blank or a note), 'total' or 'data'."""
    if _is_totals_row(row):
        return "total"
    if all(c in _EMPTY or (type(c) is str and not c.strip()) for c in row):
        return "skip"
    data_fields = (NAME, SURNAME, FIRST_NAME, BIRTH_DATE, EMPLOYEE_NO, MEMBER_NO)
    has_person = any(mapping.get(f, -1) >= 0 and _text(row[mapping[f]]) for f in data_fields)
    has_amount = _text(amount_cell) != "" or any(
        mapping.get(f, -1) >= 0 and _text(row[mapping[f]]) for f in (UNION_AMOUNT, CLUB_AMOUNT)
    )
    if not has_person and not has_amount:
        return "skip"  # a note under the table ("Utskrevet 01.11.2026"), a page footer
    if not has_person and amount_to_ore(amount_cell) == listed_ore:
        return "total"  # nobody on the row, and the amount is the sum so far: a bare total
    return "data"
