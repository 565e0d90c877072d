"""Writing xlsx workbooks of plain values, with XlsxWriter.

Used for the downloadable list template, test fixtures, the benchmark and exports. Strings
are written as strings (never as formulas or links, whatever they start with), numbers as
numbers, dates with a date format. Every text cell goes through ``neutralise_cell`` unless
``raw=True`` (tests). The same rows always give the same bytes (fixed document times).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from trekkportal.lib.filesafety import neutralise_cell

# Cell styles for ``column_styles``: bold (headers), dd.mm.yyyy, text (@), 0.00 with groups.
BOLD, DATE, TEXT, MONEY = 1, 2, 3, 4

_FORMATS: dict[int, dict[str, Any]] = {
    BOLD: {"bold": True},
    DATE: {"num_format": "dd\\.mm\\.yyyy"},
    TEXT: {"num_format": "@"},
    MONEY: {"num_format": "#,##0.00"},
}
_FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_OPTIONS = {
    # Rows are written in order and strings inline, so large sheets stay small in memory.
    "constant_memory": True,
    # A cell's text is data: "=SUM(…)", "http://…" and "0012" stay text.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(
    sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]],
    *,
    header_rows: int = 1,
    column_styles: Sequence[int | None] = (),
    widths: Sequence[float] = (),
    raw: bool = False,
) -> bytes:
    """An xlsx workbook as bytes. ``sheets`` is a list of (sheet name, rows)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, _OPTIONS)
    workbook.set_properties({"created": _FIXED_TIME})
    formats = {style: workbook.add_format(spec) for style, spec in _FORMATS.items()}
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name[:31])
        if header_rows:
            sheet.freeze_panes(header_rows, 0)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if r < header_rows:
                    style: int | None = BOLD
                else:
                    style = column_styles[c] if c < len(column_styles) else None
                _write(sheet, r, c, value if raw else neutralise_cell(value), style, formats)
    workbook.close()
    return buffer.getvalue()


def _write(sheet, row: int, column: int, value: Any, style: int | None, formats) -> None:
    if value is None or value == "":
        return
    cell_format = formats.get(style) if style else None
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    elif isinstance(value, int | float | Decimal):
        if cell_format is None and isinstance(value, Decimal):
            cell_format = formats[MONEY]
        sheet.write_number(row, column, float(value), cell_format)
    elif isinstance(value, dt.date):
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time.min)
        sheet.write_datetime(row, column, value, cell_format or formats[DATE])
    else:
        sheet.write_string(row, column, str(value), cell_format)
