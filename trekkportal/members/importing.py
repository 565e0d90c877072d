"""Reading a member-register file: bytes -> rows of typed values + row errors. No ORM.

The columns (docs/members.md): ``fødselsnummer``, ``navn`` and ``orgnr`` are required;
``fødselsdato``, ``medlemsnr``, ``innmeldt``, ``utmeldt``, ``trekk``, ``ansatt_fra`` and
``ansatt_til`` are optional. Headers are recognised the way the list parser recognises
them (case, spacing, punctuation and æøå do not matter, with synonyms), and may sit on any
of the first rows. CSV/text files are decoded and split by the list parser's readers
(UTF-8 with or without BOM, UTF-16, Windows-1252; ``;``, tab, ``|`` or ``,``); XLSX, XLS
and ODS are read with python-calamine.

``trekk`` says how the member pays and what their dues are:

* empty, ``ja``/``j``/``yes``/``trekk`` — deduction from pay, no dues figures;
* ``nei``/``n``/``no``/``faktura``/``invoice``/``giro`` — pays by invoice;
* a number with ``%`` (``1,40 %``) — deduction, ``dues_percent`` of the base;
* any other amount (``612,50``, ``kr 612,-``) — deduction, ``dues_amount`` per month.

Identity numbers live in memory only as long as the import runs; every message carries
the masked form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trekkportal.lib.filesafety import (
    REFUSAL_MESSAGES,
    FileKind,
    Limits,
    UnsafeFile,
    extension_kind,
    gettext_noop,
    inspect_file,
)
from trekkportal.lib.identity import (
    K1_WEIGHTS,
    classic_birth_date,
    is_valid_orgnr,
    mask_nin,
    normalise_orgnr,
)
from trekkportal.lib.periods import Period
from trekkportal.submissions.parsers.headers import normalise_header
from trekkportal.submissions.parsers.model import ParseError
from trekkportal.submissions.parsers.readers import read_spreadsheet, read_text
from trekkportal.submissions.parsers.values import (
    BadDate,
    BadPeriod,
    amount_to_ore,
    read_nin,
    to_date,
)
from trekkportal.submissions.parsers.values import to_period as period_text

NIN = "nin"
NAME = "name"
SURNAME = "surname"
FIRST_NAME = "first_name"
ORGNR = "orgnr"
BIRTH_DATE = "birth_date"
MEMBER_NO = "member_no"
JOINED = "joined"
RESIGNED = "resigned"
DUES = "dues"
EMPLOYED_FROM = "employed_from"
EMPLOYED_TO = "employed_to"

SYNONYMS: dict[str, tuple[str, ...]] = {
    NIN: (
        "fodselsnummer", "fodselsnr", "fnr", "fnrdnr", "personnummer", "personnr", "pnr",
        "dnummer", "fodselsnummerdnummer", "idnummer", "nin", "ssn", "nationalid",
        "nationalidentitynumber", "idnumber",
    ),
    NAME: (
        "navn", "name", "fulltnavn", "medlemsnavn", "medlem", "fullname", "membername",
        "etternavnfornavn", "fornavnetternavn", "lastnamefirstname", "firstnamelastname",
    ),
    SURNAME: ("etternavn", "surname", "lastname", "familyname"),
    FIRST_NAME: ("fornavn", "firstname", "givenname", "fornavnmellomnavn"),
    ORGNR: (
        "orgnr", "organisasjonsnummer", "orgnummer", "organisasjonsnr", "bedrift", "bedriftorgnr",
        "arbeidsgiver", "arbeidsgiverorgnr", "orgnrarbeidsgiver", "employer", "employerorgnr",
        "organisationnumber", "organizationnumber", "companyorgnr", "company",
    ),
    BIRTH_DATE: ("fodselsdato", "fdato", "fodt", "birthdate", "dateofbirth", "dob"),
    MEMBER_NO: (
        "medlemsnr", "medlemsnummer", "medlnr", "mnr", "memberno", "membernumber", "memberid",
    ),
    JOINED: (
        "innmeldt", "innmeldtdato", "innmelding", "innmeldingsdato", "medlemfra", "joined",
        "memberfrom", "membersince",
    ),
    RESIGNED: (
        "utmeldt", "utmeldtdato", "utmelding", "utmeldingsdato", "medlemtil", "resigned",
        "memberto", "memberuntil",
    ),
    DUES: (
        "trekk", "betaling", "betalingsmate", "kontingent", "kontingenttrekk", "payment",
        "dues", "deduction",
    ),
    EMPLOYED_FROM: ("ansattfra", "ansattdato", "tiltredelse", "employedfrom", "employmentfrom"),
    EMPLOYED_TO: ("ansatttil", "sluttdato", "fratredelse", "employedto", "employmentto"),
}  # fmt: skip
LOOKUP: dict[str, str] = {syn: name for name, syns in SYNONYMS.items() for syn in syns}
REQUIRED = (NIN, NAME, ORGNR)
HEADER_SEARCH_ROWS = 30
MAX_ROWS = 1_000_000
# A register is larger than a deduction list: the same checks, limits for a million rows.
REGISTER_LIMITS = Limits(
    max_bytes=200 * 1024 * 1024,
    max_uncompressed=800 * 1024 * 1024,
    max_rows=MAX_ROWS,
    max_cells=20 * MAX_ROWS,
)

# English msgids; the Django layer translates them. Params never hold a full number.
MESSAGES: dict[str, str] = {
    "nin_missing": gettext_noop("The national identity number is missing."),
    "nin_invalid": gettext_noop("The national identity number %(masked)s is not valid."),
    "name_missing": gettext_noop("The name is missing."),
    "orgnr_missing": gettext_noop("The organisation number is missing."),
    "orgnr_invalid": gettext_noop("The organisation number %(value)s is not valid."),
    "orgnr_unknown": gettext_noop("No company is registered with organisation number %(value)s."),
    "duplicate": gettext_noop(
        "The national identity number %(masked)s appears more than once in the file "
        "(rows %(rows)s)."
    ),
    "date_invalid": gettext_noop("The %(column)s %(value)s is not a valid date."),
    "period_invalid": gettext_noop("The %(column)s %(value)s is not a month we understand."),
    "birth_date_mismatch": gettext_noop(
        "The birth date does not match the national identity number %(masked)s."
    ),
    "resigned_before_joined": gettext_noop("The member resigned before joining."),
    "employment_backwards": gettext_noop("The employment ends before it starts."),
    "dues_invalid": gettext_noop(
        "The %(column)s value %(value)s is neither ja/nei/faktura, a percentage nor an amount."
    ),
    # the whole file
    "no_header": gettext_noop(
        "We found no header row naming the columns (fødselsnummer, navn, orgnr) in the "
        "first %(rows)s rows."
    ),
    "missing_columns": gettext_noop("The file has no column for %(columns)s."),
    "no_table": gettext_noop("We found no rows in the file."),
    "unreadable": gettext_noop("The file could not be read as CSV, XLSX, XLS or ODS."),
}
COLUMN_LABELS: dict[str, str] = {
    NIN: "fødselsnummer",
    NAME: "navn",
    ORGNR: "orgnr",
    BIRTH_DATE: "fødselsdato",
    MEMBER_NO: "medlemsnr",
    JOINED: "innmeldt",
    RESIGNED: "utmeldt",
    DUES: "trekk",
    EMPLOYED_FROM: "ansatt_fra",
    EMPLOYED_TO: "ansatt_til",
}

_YES = frozenset({"ja", "j", "yes", "y", "trekk", "lonnstrekk", "x"})
_INVOICE = frozenset({"nei", "n", "no", "faktura", "invoice", "giro", "efaktura"})
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*%\s*$")
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Dues:
    payment: str  # "deduction" | "invoice" (Member.Payment values)
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(slots=True)
class MemberRow:
    """One valid row. ``nin`` is the full number: keep it in memory, never store it."""

    row: int
    nin: str
    masked: str
    name: str
    orgnr: str
    birth_date: dt.date | None = None
    member_no: str | None = None  # None: no such column (leave the register's value)
    joined: dt.date | None = None
    resigned: dt.date | None = None
    dues: Dues | None = None  # None: no such column
    employed_from: Period | None = None
    employed_to: Period | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int | None  # None: the whole file
    code: str
    masked: str = ""  # the masked identity number of the row, when it has one
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        translate = translate or (lambda s: s)
        values = {"masked": self.masked, "name": "", **self.params}
        if "columns" in values and isinstance(values["columns"], list | tuple):
            values["columns"] = ", ".join(values["columns"])
        template = (
            MESSAGES.get(self.code) or REFUSAL_MESSAGES.get(self.code) or MESSAGES["unreadable"]
        )
        try:
            return translate(template) % values
        except (KeyError, ValueError, TypeError):
            return translate(template)


@dataclass(slots=True)
class ReadResult:
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    file_problem: RowProblem | None = None

    @property
    def present(self) -> set[str]:
        return set(self.columns)


def field_for(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip() or len(text) > 80:
        return None
    return LOOKUP.get(normalise_header(text))


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]] | None:
    """(row index, field -> column) of the first row naming the required columns; else
    the row naming the most fields (for the "missing columns" message), or None."""
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[str, int] = {}
        for column, cell in enumerate(row):
            name = field_for(cell)
            if name is not None and name not in mapping:
                mapping[name] = column
        has_name = NAME in mapping or SURNAME in mapping
        if NIN in mapping and has_name and ORGNR in mapping:
            return index, mapping
        if len(mapping) >= 2 and (best is None or len(mapping) > len(best[1])):
            best = (index, mapping)
    return best


def read_table(data: bytes, kind: FileKind) -> tuple[list[list[Any]], int]:
    """(rows, user-visible number of the first row) of a CSV/text or spreadsheet file."""
    if kind.is_spreadsheet:
        table = read_spreadsheet(data, max_rows=MAX_ROWS)
    else:
        table = read_text(data, max_rows=MAX_ROWS)
    return [*table.head, *table.rest], table.first_row


def _claimed_name(data: bytes, filename: str) -> str:
    """The name to check the content against; bytes without one are named by content."""
    if extension_kind(filename) is not None:
        return filename
    if data[:4] == b"PK\x03\x04":
        return "register.xlsx"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return "register.xls"
    return "register.csv"


def read_file(data: bytes, filename: str, *, today: dt.date) -> ReadResult:
    """Check a register file the way uploads are checked (type by content, zip bombs, XML
    entities, with limits sized for a whole register), then read and validate it."""
    name = _claimed_name(data, filename)
    try:
        kind = inspect_file(name, data, limits=REGISTER_LIMITS)
    except UnsafeFile as exc:
        return ReadResult(file_problem=RowProblem(None, exc.code, params=exc.message_params(name)))
    if kind is FileKind.PDF:
        return ReadResult(file_problem=RowProblem(None, "unreadable"))
    try:
        rows, first_row = read_table(data, kind)
    except ParseError as exc:
        code = exc.code if exc.code in MESSAGES else "unreadable"
        return ReadResult(file_problem=RowProblem(None, code))
    except Exception:  # any reader failure is an unreadable file, never a crash
        return ReadResult(file_problem=RowProblem(None, "unreadable"))
    return read_rows(rows, today=today, first_row=first_row)


def read_rows(rows: Sequence[Sequence[Any]], *, today: dt.date, first_row: int = 1) -> ReadResult:
    """Validate a table (a header row, then data rows). Pure; table-driven tests use it."""
    if not rows:
        return ReadResult(file_problem=RowProblem(None, "no_table"))
    found = find_header(rows)
    if found is None:
        return ReadResult(file_problem=RowProblem(None, "no_header", params={"rows": 30}))
    header_index, mapping = found
    missing = [
        COLUMN_LABELS[f]
        for f in REQUIRED
        if f not in mapping and not (f == NAME and SURNAME in mapping)
    ]
    header = rows[header_index]
    columns = {f: str(header[i]).strip() for f, i in mapping.items()}
    if missing:
        return ReadResult(
            columns=columns,
            file_problem=RowProblem(None, "missing_columns", params={"columns": missing}),
        )
    result = ReadResult(columns=columns)
    reader = _RowReader(mapping, today)
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        parsed, problems = reader.read(first_row + offset, row)
        if problems:
            result.problems.extend(problems)
        elif parsed is not None:
            result.rows.append(parsed)
    _flag_duplicates(result)
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()[:_MAX_TEXT]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:_MAX_TEXT]


# Old-rule k1 in three look-ups (the weighted sum of three digits at a time).
_K1_PARTS = [
    {f"{n:03d}": sum(int(d) * w for d, w in zip(f"{n:03d}", K1_WEIGHTS[i : i + 3], strict=True))
     for n in range(1000)}
    for i in (0, 3, 6)
]  # fmt: skip


def _read_nin(cell: Any) -> tuple[str, bool, dt.date | None]:
    """(digits, valid, birth date) — the list parser's fast check, then the birth date
    for a classic (old-rule) number; a 2032-rule number tells no birth date."""
    digits, reason, _, _ = read_nin(cell)
    if reason is not None:
        return digits, False, None
    s = _K1_PARTS[0][digits[:3]] + _K1_PARTS[1][digits[3:6]] + _K1_PARTS[2][digits[6:9]]
    if (11 - s % 11) % 11 != int(digits[9]):
        return digits, True, None
    return digits, True, classic_birth_date(digits)


class _RowReader:
    """Reads the data rows of one file; repeated cell values (dates, months, orgnr,
    trekk) are converted once."""

    def __init__(self, mapping: dict[str, int], today: dt.date):
        self.mapping = mapping
        self.today = today
        self.width = max(mapping.values()) + 1
        self.cache: dict[tuple[str, Any], Any] = {}

    def _cached(self, column: str, value: Any, convert: Callable[[Any], Any]) -> Any:
        key = (column, value)
        try:
            return self.cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable cell
            return convert(value)
        result = self.cache[key] = convert(value)
        return result

    def _date(self, value: Any) -> dt.date | bool | None:
        try:
            return to_date(value, today=self.today)
        except BadDate:
            return False

    def _orgnr(self, value: Any) -> tuple[str, bool]:
        orgnr = normalise_orgnr(_text(value))
        return orgnr, is_valid_orgnr(orgnr)

    def read(self, number: int, row: Sequence[Any]) -> tuple[MemberRow | None, list[RowProblem]]:
        if len(row) < self.width:
            row = [*row, *([None] * (self.width - len(row)))]
        m = self.mapping
        cells = {f: (row[i].strip() if type(row[i]) is str else row[i]) for f, i in m.items()}
        if all(v is None or v == "" for v in cells.values()):
            return None, []
        problems: list[RowProblem] = []
        masked = ""
        nin_value = ""
        birth_from_nin = None
        raw_nin = cells[NIN]
        if raw_nin is None or raw_nin == "":
            problems.append(RowProblem(number, "nin_missing"))
        else:
            nin_value, valid, birth_from_nin = _read_nin(raw_nin)
            masked = mask_nin(nin_value)
            if not valid:
                problems.append(RowProblem(number, "nin_invalid", masked))
                nin_value = ""

        def problem(code: str, **params: Any) -> None:
            problems.append(RowProblem(number, code, masked, params))

        name = _text(cells.get(NAME))
        if not name and SURNAME in m:
            surname, first = _text(cells.get(SURNAME)), _text(cells.get(FIRST_NAME))
            name = f"{surname}, {first}" if surname and first else surname or first
        if not name:
            problem("name_missing")

        raw_orgnr = cells[ORGNR]
        orgnr = ""
        if raw_orgnr is None or raw_orgnr == "":
            problem("orgnr_missing")
        else:
            orgnr, valid_orgnr = self._cached(ORGNR, raw_orgnr, self._orgnr)
            if not valid_orgnr:
                problem("orgnr_invalid", value=_text(raw_orgnr)[:20])

        dates: dict[str, dt.date | None] = {}
        for column in (BIRTH_DATE, JOINED, RESIGNED):
            value = cells.get(column)
            if value is None or value == "":
                dates[column] = None
                continue
            day = self._cached(column, value, self._date)
            if day is False:
                problem("date_invalid", column=COLUMN_LABELS[column], value=_text(value)[:20])
                day = None
            dates[column] = day
        periods: dict[str, Period | None] = {}
        for column in (EMPLOYED_FROM, EMPLOYED_TO):
            value = cells.get(column)
            if value is None or value == "":
                periods[column] = None
                continue
            month = self._cached(column, value, lambda v: _period(v, self.today))
            if month is False:
                problem("period_invalid", column=COLUMN_LABELS[column], value=_text(value)[:20])
                month = None
            periods[column] = month

        birth_date = dates[BIRTH_DATE]
        if birth_from_nin is not None:
            if birth_date is not None and birth_date != birth_from_nin:
                problem("birth_date_mismatch")
            birth_date = birth_from_nin
        joined, resigned = dates[JOINED], dates[RESIGNED]
        if joined and resigned and resigned < joined:
            problem("resigned_before_joined")
        start, end = periods[EMPLOYED_FROM], periods[EMPLOYED_TO]
        if start and end and end < start:
            problem("employment_backwards")

        dues: Dues | None = None
        if DUES in m:
            dues = self._cached(DUES, cells[DUES], parse_dues)
            if dues is None:
                problem("dues_invalid", column=COLUMN_LABELS[DUES], value=_text(cells[DUES])[:20])

        if problems:
            return None, problems
        return (
            MemberRow(
                row=number,
                nin=nin_value,
                masked=masked,
                name=name,
                orgnr=orgnr,
                birth_date=birth_date,
                member_no=_text(cells.get(MEMBER_NO))[:50] if MEMBER_NO in m else None,
                joined=joined,
                resigned=resigned,
                dues=dues,
                employed_from=start,
                employed_to=end,
            ),
            [],
        )


def _period(value: Any, today: dt.date) -> Period | bool | None:
    """A month from ``2026-03``, ``0326``, ``mars 2026`` or a date; False when unreadable."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, dt.date):
            return Period.of(value)
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", value):
            day = to_date(value, today=today)
            return Period.of(day) if day else None
        iso = period_text(value, today=today)
        return Period.parse(iso) if iso else None
    except (BadDate, BadPeriod, ValueError):
        return False


def parse_dues(value: Any) -> Dues | None:
    """The ``trekk`` cell (module docstring); None when it is not one of those."""
    text = _text(value)
    word = normalise_header(text)
    if not text or word in _YES:
        return Dues("deduction")
    if word in _INVOICE:
        return Dues("invoice")
    if m := _PERCENT.match(text):
        percent = Decimal(m[1].replace(",", "."))
        return Dues("deduction", percent=percent) if 0 < percent <= 100 else None
    ore = amount_to_ore(value if isinstance(value, float | int) else text)
    if ore is None or ore <= 0 or ore >= 10**10:
        return None
    return Dues("deduction", amount=Decimal(ore) / 100)


def _flag_duplicates(result: ReadResult) -> None:
    """Every row of a number that appears more than once is refused: which one is right
    is for the operator to decide, not for the order of the rows."""
    by_nin: dict[str, list[MemberRow]] = {}
    for row in result.rows:
        by_nin.setdefault(row.nin, []).append(row)
    repeated = {nin for nin, rows in by_nin.items() if len(rows) > 1}
    if not repeated:
        return
    keep = []
    for row in result.rows:
        if row.nin in repeated:
            numbers = ", ".join(str(r.row) for r in by_nin[row.nin])
            result.problems.append(RowProblem(row.row, "duplicate", row.masked, {"rows": numbers}))
        else:
            keep.append(row)
    result.rows = keep
    result.problems.sort(key=lambda p: p.row or 0)
