"""Header detection: which row names the columns, and which column holds which field.

Headers are compared after normalising case, spacing, punctuation and æøå (``Fødsels-
nummer``, ``FODSELSNUMMER`` and ``fødselsnr.`` are the same), with Norwegian and English
synonyms. A header may sit anywhere in the first ``HEADER_SEARCH_ROWS`` rows (titles,
company names and dates often come first).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from trekkportal.submissions.parsers.model import (
    AMOUNT,
    BASE_AMOUNT,
    BIRTH_DATE,
    CLUB_AMOUNT,
    EMPLOYEE_NO,
    FIRST_NAME,
    MEMBER_NO,
    NAME,
    NIN,
    PERIOD,
    SURNAME,
    UNION_AMOUNT,
)

HEADER_SEARCH_ROWS = 30

SYNONYMS: dict[str, tuple[str, ...]] = {
    NIN: (
        "fodselsnummer", "fodselsnr", "fodselsnummer11siffer", "fnr", "fnrdnr", "fodnr",
        "personnummer", "personnr", "pnr", "persnummer", "dnummer", "fodselsnummerdnummer",
        "fnrdnummer", "idnummer", "idnr", "personid", "nin", "ssn", "nationalid",
        "nationalidentitynumber", "nationalidnumber", "norwegianidnumber", "idnumber",
        "socialsecuritynumber", "personalidentitynumber", "birthnumber",
    ),
    BIRTH_DATE: (
        "fodselsdato", "fdato", "fodt", "fodtdato", "fodselsdag", "birthdate", "dateofbirth",
        "dob", "born",
    ),
    NAME: (
        "navn", "name", "fulltnavn", "ansattnavn", "medlemsnavn", "medlem", "ansatt",
        "fullname", "employeename", "membername", "employee", "member",
        "etternavnfornavn", "navnetternavnfornavn", "fornavnetternavn", "etterogfornavn",
        "lastnamefirstname", "firstnamelastname",
    ),
    SURNAME: ("etternavn", "surname", "lastname", "familyname"),
    FIRST_NAME: ("fornavn", "firstname", "givenname", "forename", "fornavnmellomnavn"),
    EMPLOYEE_NO: (
        "ansattnr", "ansattnummer", "ansnr", "ansattid", "anr", "lopenr", "ressursnr",
        "ressursnummer", "employeeno", "employeenumber", "employeeid", "empno", "staffno",
        "personalnr", "personalnummer",
    ),
    MEMBER_NO: (
        "medlemsnr", "medlemsnummer", "medlnr", "mnr", "memberno", "membernumber",
        "memberid", "membershipnumber",
    ),
    BASE_AMOUNT: (
        "grunnlag", "trekkgrunnlag", "kontingentgrunnlag", "brutto", "bruttolonn",
        "bruttobelop", "lonn", "lonnsgrunnlag", "grunnlagkontingent", "grunnlagskr", "base",
        "basis", "grosspay", "grosssalary", "gross", "salary", "basisamount",
    ),
    AMOUNT: (
        "trekk", "belop", "kontingent", "kontingenttrekk", "fagforeningstrekk", "trukket",
        "trukketbelop", "trekkbelop", "kontingentbelop", "trekkkr", "belopkr", "sumtrekk",
        "totalttrekk", "trekkibelop", "fagforeningskontingent", "amount", "deduction",
        "deducted", "dues", "uniondues", "deductedamount", "duesamount", "totaldeduction",
    ),
    UNION_AMOUNT: (
        "forbund", "forbundstrekk", "forbundskontingent", "trekkforbund", "kontingentforbund",
        "forbundsandel", "sentralt", "union", "unionshare", "uniondeduction", "unionamount",
    ),
    CLUB_AMOUNT: (
        "klubb", "klubbtrekk", "klubbkontingent", "lokalt", "lokalklubb", "lokaltrekk",
        "forening", "foreningstrekk", "lokalforening", "klubbandel", "club", "localclub",
        "local", "clubshare", "clubdeduction", "clubamount",
    ),
    PERIOD: (
        "periode", "period", "maned", "mnd", "month", "lonnsperiode", "trekkperiode",
        "lonnsmaned", "aarmnd", "armnd", "arogmaned", "payperiod", "yearmonth",
    ),
}  # fmt: skip
LOOKUP: dict[str, str] = {syn: fieldname for fieldname, syns in SYNONYMS.items() for syn in syns}

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_UNITS = ("ikr", "kr", "nok", "inok")


def normalise_header(text: object) -> str:
    """'Fødsels-nummer (11 siffer)' -> 'fodselsnummer'."""
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    s = unicodedata.normalize("NFKD", s)
    return _NON_ALNUM.sub("", s.encode("ascii", "ignore").decode())


def field_for(text: object) -> str | None:
    """The field a header cell names, or None."""
    if not isinstance(text, str) or not text.strip() or len(text) > 80:
        return None
    key = normalise_header(text)
    if key in LOOKUP:
        return LOOKUP[key]
    bare = normalise_header(_PARENS.sub("", text))
    if bare in LOOKUP:
        return LOOKUP[bare]
    for unit in _UNITS:  # "Trekk kr", "Beløp NOK"
        if bare.endswith(unit) and bare[: -len(unit)] in LOOKUP:
            return LOOKUP[bare[: -len(unit)]]
    return None


def map_row(row: Sequence[object]) -> dict[str, int]:
    """field -> column index for one candidate header row (first column wins)."""
    mapping: dict[str, int] = {}
    for index, cell in enumerate(row):
        fieldname = field_for(cell)
        if fieldname is not None and fieldname not in mapping:
            mapping[fieldname] = index
    return mapping


def header_score(mapping: dict[str, int]) -> int:
    score = len(mapping)
    if NIN in mapping or BIRTH_DATE in mapping:
        score += 2
    if AMOUNT in mapping or UNION_AMOUNT in mapping:
        score += 2
    return score


def find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, field -> column) among the first rows, or None.

    A header row names at least two known fields; the best-scoring row wins, the earliest
    on a tie.
    """
    best: tuple[int, dict[str, int]] | None = None
    best_score = 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = map_row(row)
        if len(mapping) < 2:
            continue
        score = header_score(mapping)
        if score > best_score:
            best, best_score = (index, mapping), score
    return best
