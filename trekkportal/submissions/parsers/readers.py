"""Readers: bytes of one format -> a table (a list of rows of cell values).

Each reader returns a ``Table``: the rows as lists, the row number of the first row as
the user sees it, and details for the summary (sheet, encoding, delimiter, layout).
Spreadsheets keep typed cells (float, date, str); text and PDF give strings.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any

from trekkportal.submissions.parsers.headers import HEADER_SEARCH_ROWS, find_header, header_score
from trekkportal.submissions.parsers.model import ParseError

MAX_ROWS = 200_000
MAX_LINE_CHARS = 20_000  # a deduction-list line is a few hundred characters
MAX_PDF_PAGES = 300


@dataclass(slots=True)
class Table:
    """A read table: ``head`` (up to the header search depth) then ``rest`` (lazy)."""

    head: list[list[Any]]
    rest: Iterator[list[Any]] = field(default_factory=lambda: iter(()))
    first_row: int = 1  # the user-visible number of head[0]
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[list[Any]], *, first_row: int = 1, **meta: Any) -> Table:
        it = iter(rows)
        return cls(list(islice(it, HEADER_SEARCH_ROWS)), it, first_row, meta)


class TooManyRows(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


# --- spreadsheets ------------------------------------------------------------------------


def read_spreadsheet(data: bytes, *, max_rows: int = MAX_ROWS) -> Table:
    """The first sheet with a recognisable header (else the first non-empty sheet).

    Rows are converted to Python lazily (``iter_rows``): the sheet stays in calamine's
    compact form and only one row at a time exists as Python objects.
    """
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
    except MemoryError:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise _spreadsheet_error(exc) from exc
    except BaseException as exc:  # a Rust panic (pyo3's PanicException is a BaseException)
        raise _panic_error(exc) from exc
    first_table: Table | None = None
    for index, meta in enumerate(metadata):
        if str(getattr(meta, "visible", "")).endswith("Hidden") or "Chart" in str(meta.typ):
            continue
        try:
            sheet = workbook.get_sheet_by_index(index)
            if sheet.height > max_rows + HEADER_SEARCH_ROWS:
                raise TooManyRows(max_rows)
            start_row = (sheet.start or (0, 0))[0]
            rows = sheet.iter_rows()
            for _ in range(start_row):  # iter_rows starts at row 1 even when the data does not
                next(rows, None)
            table = Table.of(rows, first_row=start_row + 1, sheet=meta.name)
        except (TooManyRows, MemoryError):
            raise
        except Exception as exc:
            raise _spreadsheet_error(exc) from exc
        except BaseException as exc:
            raise _panic_error(exc) from exc
        if not table.head:
            continue
        if find_header(table.head) is not None:
            return table
        first_table = first_table or table
    if first_table is None:
        raise ParseError("no_table")
    return first_table


def _panic_error(exc: BaseException) -> ParseError:
    """calamine panics on some damaged files: that is a damaged file, not a crash.
    Interrupts and exits are raised again as they are."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc
    return _spreadsheet_error(exc)


def _out_of_memory(exc: BaseException | None) -> bool:
    """A MemoryError somewhere in the chain (pdfminer wraps it in its own exception)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, MemoryError) or "unable to allocate" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _spreadsheet_error(exc: BaseException) -> ParseError:
    if _out_of_memory(exc):
        raise MemoryError from exc
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return ParseError("encrypted")
    return ParseError("corrupt")


# --- text --------------------------------------------------------------------------------

_DELIMITERS = (";", "\t", "|", ",")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with/without BOM, UTF-16 (BOM or not), else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16"), "utf-16"
    sample = data[:1024]
    if len(sample) >= 4:
        half = len(sample) // 2
        if sample[1::2].count(0) > half * 0.7:
            return _decode(data, "utf-16-le"), "utf-16-le"
        if sample[0::2].count(0) > half * 0.7:
            return _decode(data, "utf-16-be"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252 is what Norwegian payroll systems write; it is a superset of the
    # printable ISO-8859-1, and the five bytes it leaves undefined fall back to Latin-1.
    return _cp1252(data), "cp1252"


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError("encoding") from exc


def read_text(data: bytes, *, max_rows: int = MAX_ROWS) -> Table:
    text, encoding = decode_text(data)
    text = text.replace("\x00", "").lstrip("\ufeff")
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ParseError("no_table")
    if len(lines) > max_rows + HEADER_SEARCH_ROWS:
        raise TooManyRows(max_rows)
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ParseError("line_too_long", row=number)
    meta: dict[str, Any] = {"encoding": encoding}
    delimiter = choose_layout(lines)
    rows: Iterable[list[str]]
    if delimiter is not None:
        meta["delimiter"] = {"\t": "tab"}.get(delimiter, delimiter)
        rows = ([cell.strip() for cell in row] for row in csv.reader(lines, delimiter=delimiter))
    else:
        meta["layout"] = "fixed-width"
        rows = split_fixed_width(lines)
    return Table.of(rows, **meta)


def _split_head(lines: Sequence[str], delimiter: str | None) -> list[list[str]]:
    head = lines[:HEADER_SEARCH_ROWS]
    if delimiter is None:
        return split_fixed_width(lines[:500])[:HEADER_SEARCH_ROWS]
    return [[c.strip() for c in row] for row in csv.reader(head, delimiter=delimiter)]


def choose_layout(lines: Sequence[str]) -> str | None:
    """The delimiter (or None: fixed width) under which a header row is best recognised.

    Candidates are the delimiters most lines agree on, then fixed width; a decimal comma
    (``612,50``) makes comma look like a delimiter, so the header decides.
    """
    candidates: list[str | None] = [*sniff_delimiters(lines), None]
    best, best_score = candidates[0], 0
    for candidate in candidates:
        found = find_header(_split_head(lines, candidate))
        if found is not None and (score := header_score(found[1])) > best_score:
            best, best_score = candidate, score
    return best


def sniff_delimiters(lines: Sequence[str]) -> list[str]:
    """Delimiters most lines agree on, most convincing first (``;``, tab, ``|``, ``,``)."""
    sample = [line for line in lines[:200] if line.strip()][:60]
    if not sample:
        return []
    scored = []
    for order, delimiter in enumerate(_DELIMITERS):
        counts = Counter(len(row) - 1 for row in csv.reader(sample, delimiter=delimiter))
        common, times = max(
            ((c, t) for c, t in counts.items() if c > 0), key=lambda ct: ct[1], default=(0, 0)
        )
        # Lines with at least the common count (title lines have fewer; that is fine).
        share = sum(t for c, t in counts.items() if c >= common > 0) / len(sample)
        if common and times / len(sample) >= 0.5:
            scored.append((-share, order, delimiter))
    return [d for _, _, d in sorted(scored)]


_WORD = re.compile(r"\S+")
_DATA_LINE = re.compile(r"\d{6} ?\d{4,5}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
Word = tuple[float, float, str]  # x0, x1, text


def split_fixed_width(lines: Sequence[str]) -> list[list[str]]:
    """Fixed-width text: columns where (almost) every line leaves the same positions blank."""
    words = [
        [(m.start(), m.end(), m.group()) for m in _WORD.finditer(line.expandtabs(8))]
        for line in lines
    ]
    return columns_by_position(words, merge_gap=1)


def columns_by_position(lines: Sequence[Sequence[Word]], *, merge_gap: float) -> list[list[str]]:
    """Cells from positioned words (characters of a text line, or points on a PDF page).

    A column is an x range covered by words in more than a few lines; gaps of at most
    ``merge_gap`` (the space inside ``Åse Ørn`` or ``1 234,50``) do not split columns.
    Each word goes to the column under its centre.
    """
    # Columns come from the data rows (they have an identity number or a birth date);
    # titles, headers and totals are then cut along the same lines.
    sample = [line for line in lines if line and _DATA_LINE.search(" ".join(w[2] for w in line))]
    tolerance = 0
    if len(sample) < 2:
        sample = [line for line in lines if line]
        tolerance = max(1, len(sample) // 10) if len(sample) >= 3 else 0
    sample = sample[:500]
    if not sample:
        return [[] for _ in lines]
    events: list[tuple[float, int]] = []
    for line in sample:
        for x0, x1, _ in line:
            events.append((x0, 1))
            events.append((x1, -1))
    events.sort(key=lambda e: (e[0], -e[1]))  # words that touch do not open a gap
    spans: list[tuple[float, float]] = []
    depth = 0
    start = None
    for x, delta in events:
        depth += delta
        if depth > tolerance and start is None:
            start = x
        elif depth <= tolerance and start is not None:
            spans.append((start, x))
            start = None
    if len(spans) < 2:
        # No columns by position: cells are runs of words with wide gaps between them.
        return [_cells_by_gaps(line, merge_gap) for line in lines]
    cells = _assign(lines, spans)
    # A narrow gap splits columns only where some line has two separate values on either
    # side; the space in "1 234,50" or "kr 612" does not.
    keep = [True]
    for i in range(1, len(spans)):
        narrow = spans[i][0] - spans[i - 1][1] <= merge_gap
        keep.append(not narrow or _separates(cells, i))
    if all(keep):
        return [[" ".join(cell) for cell in row] for row in cells]
    merged: list[list[str]] = []
    for row in cells:
        out: list[list[str]] = []
        for i, cell in enumerate(row):
            if keep[i]:
                out.append(list(cell))
            else:
                out[-1].extend(cell)
        merged.append([" ".join(cell) for cell in out])
    return merged


_NUMBER_HEAD = re.compile(r"(?:[-(]?\d{1,3}|kr\.?|nok)", re.IGNORECASE)
_NUMBER_TAIL = re.compile(r"\d{3}(?:[ .,]\d+)*(?:,-|[-)])?")


def _separates(cells: list[list[list[str]]], i: int) -> bool:
    for row in cells:
        left, right = row[i - 1], row[i]
        if left and right:
            pair_is_number = _NUMBER_HEAD.fullmatch(left[-1]) and _NUMBER_TAIL.fullmatch(right[0])
            if not pair_is_number:
                return True
    return False


def _assign(lines: Sequence[Sequence[Word]], spans: list[tuple[float, float]]):
    bounds = [(a[1] + b[0]) / 2 for a, b in pairwise(spans)]
    rows = []
    for line in lines:
        cells: list[list[str]] = [[] for _ in spans]
        for x0, x1, text in line:
            centre = (x0 + x1) / 2
            cells[sum(1 for b in bounds if centre > b)].append(text)
        rows.append(cells)
    return rows


def _cells_by_gaps(line: Sequence[Word], merge_gap: float) -> list[str]:
    cells: list[str] = []
    last_end = None
    for x0, x1, text in line:
        if last_end is not None and x0 - last_end <= merge_gap:
            cells[-1] += " " + text
        else:
            cells.append(text)
        last_end = x1
    return cells


# --- PDF ---------------------------------------------------------------------------------


def read_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES, max_rows: int = MAX_ROWS) -> Table:
    """Tables from a text PDF (ruled tables first, else the text laid out as columns)."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        raise ParseError("corrupt") from exc
    try:
        try:
            pages = pdf.pages
            if len(pages) > max_pages:
                raise ParseError("pdf_too_many_pages", limit=max_pages)
            rows: list[list[Any]] = []
            text_lines: list[list[Word]] = []
            has_text = False
            for page in pages:
                if page.chars:
                    has_text = True
                tables = page.extract_tables() if page.chars else []
                for table in tables:
                    for cells in table:
                        rows.append([(c or "").replace("\n", " ").strip() for c in cells])
                if not tables and page.chars:
                    text_lines.extend(_word_lines(page))
                if len(rows) + len(text_lines) > max_rows + HEADER_SEARCH_ROWS:
                    raise TooManyRows(max_rows)
        except (ParseError, TooManyRows, MemoryError):
            raise
        except Exception as exc:  # pdfminer raises many kinds of errors on damaged PDFs
            if _out_of_memory(exc):
                raise MemoryError from exc
            raise ParseError("corrupt") from exc
    finally:
        with contextlib.suppress(Exception):  # closing a damaged PDF may fail again
            pdf.close()
    if not has_text:
        raise ParseError("pdf_no_text")
    if find_header(rows[:HEADER_SEARCH_ROWS]) is None and text_lines:
        widths = sorted((x1 - x0) / len(t) for line in text_lines for x0, x1, t in line if t)
        char_width = widths[len(widths) // 2] if widths else 5.0
        return Table.of(columns_by_position(text_lines, merge_gap=char_width * 1.6), layout="text")
    if not rows:
        raise ParseError("no_table")
    return Table.of(rows, layout="table")


def _word_lines(page: Any) -> list[list[Word]]:
    """The words of a page grouped into lines by their vertical position."""
    lines: list[list[Word]] = []
    last_top = None
    for word in sorted(
        page.extract_words(x_tolerance=1.5), key=lambda w: (round(w["top"]), w["x0"])
    ):
        if last_top is None or abs(word["top"] - last_top) > 2:
            lines.append([])
            last_top = word["top"]
        lines[-1].append((word["x0"], word["x1"], word["text"]))
    for line in lines:
        line.sort()
    return lines
