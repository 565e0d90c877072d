# ruff: noqa: E501 (OOXML boilerplate is clearer unwrapped)
"""A minimal xlsx writer: one or more sheets of plain values, no dependencies, no Django.

Used for the downloadable list template, test fixtures, the benchmark and exports. Strings
are written as inline strings, numbers as numbers, dates as Excel serial numbers with a
date format. Every text cell goes through ``neutralise_cell`` unless ``raw=True`` (tests).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from trekkportal.lib.filesafety import neutralise_cell

_EPOCH = dt.date(1899, 12, 30)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}
</Types>"""
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{rels}
<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Styles: 0 default, 1 bold (header), 2 date dd.mm.yyyy, 3 text (@), 4 number 0.00
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd\\.mm\\.yyyy"/><numFmt numFmtId="165" formatCode="#,##0.00"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
</styleSheet>"""

BOLD, DATE, TEXT, MONEY = 1, 2, 3, 4


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: Any, style: int | None) -> str:
    if value is None or value == "":
        return ""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        if style == 0 or style is None:
            s = f' s="{MONEY}"' if isinstance(value, Decimal) else ""
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, dt.date):
        serial = (value - _EPOCH).days
        return f'<c r="{ref}" s="{style or DATE}"><v>{serial}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{text}</t></is></c>'


def _sheet_xml(
    rows: Iterable[Sequence[Any]],
    *,
    header_rows: int,
    column_styles: Sequence[int | None],
    widths: Sequence[float],
    raw: bool,
) -> Iterable[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    if header_rows:
        yield (
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="'
            f'{header_rows}" topLeftCell="A{header_rows + 1}" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>'
        )
    if widths:
        yield "<cols>"
        for i, w in enumerate(widths, start=1):
            yield f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        yield "</cols>"
    yield "<sheetData>"
    letters: list[str] = []
    for r, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(column_letter(len(letters)))
        parts = [f'<row r="{r}">']
        for c, value in enumerate(row):
            if not raw:
                value = neutralise_cell(value)
            if r <= header_rows:
                style = BOLD
            else:
                style = column_styles[c] if c < len(column_styles) else None
            parts.append(_cell(f"{letters[c]}{r}", value, style))
        parts.append("</row>")
        yield "".join(parts)
    yield "</sheetData></worksheet>"


def _info(name: str) -> zipfile.ZipInfo:
    """Entries with a fixed timestamp: the same rows always give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_xlsx(
    sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]],
    *,
    header_rows: int = 1,
    column_styles: Sequence[int | None] = (),
    widths: Sequence[float] = (),
    raw: bool = False,
) -> bytes:
    """An xlsx workbook as bytes. ``sheets`` is a list of (sheet name, rows)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            _info("[Content_Types].xml"),
            _CONTENT_TYPES.format(
                sheets="\n".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
            ),
        )
        zf.writestr(_info("_rels/.rels"), _ROOT_RELS)
        zf.writestr(
            _info("xl/workbook.xml"),
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(name[:31])}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, (name, _) in enumerate(sheets, start=1)
                )
            ),
        )
        zf.writestr(
            _info("xl/_rels/workbook.xml.rels"),
            _WORKBOOK_RELS.format(
                rels="\n".join(
                    f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, len(sheets) + 1)
                )
            ),
        )
        zf.writestr(_info("xl/styles.xml"), _STYLES)
        for n, (_, rows) in enumerate(sheets, start=1):
            with zf.open(_info(f"xl/worksheets/sheet{n}.xml"), "w", force_zip64=True) as fh:
                chunk: list[str] = []
                for part in _sheet_xml(
                    rows,
                    header_rows=header_rows,
                    column_styles=column_styles,
                    widths=widths,
                    raw=raw,
                ):
                    chunk.append(part)
                    if len(chunk) >= 2000:
                        fh.write("".join(chunk).encode())
                        chunk.clear()
                fh.write("".join(chunk).encode())
    return buf.getvalue()
