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
MAX_HEADER_CHARS = 120  # a longer cell is a note or data, not a column's name

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

# Words and word pairs that name a field only as part of a longer header ("Pers.nr.",
# "Trekk IE", "Navn ansatt", "Fødselsnummer/D-nr"): looked up like the synonyms above.
WORDS: dict[str, str] = {
    "persnr": NIN, "fnummer": NIN, "dnr": NIN, "hnr": NIN, "fodselsnrdnr": NIN,
    "medlemnr": MEMBER_NO, "medlnummer": MEMBER_NO, "ansatt": NAME, "navnet": NAME,
    "ansattnavn": NAME, "etternavn": SURNAME, "fornavn": FIRST_NAME, "fagfkontingent": AMOUNT,
    "kontingentmedlem": AMOUNT, "trukketkontingent": AMOUNT, "kontingenttrukket": AMOUNT,
    "belop": AMOUNT, "trukket": AMOUNT,
}  # fmt: skip
for _word, _field in WORDS.items():
    LOOKUP.setdefault(_word, _field)

# Which field a header means when its words name several ("Kontingent medlem": amount,
# not name; "Grunnlag trekk": the base, not the deduction; "Forbund trekk": the union's
# share): identifiers first, then what qualifies an amount, the plain amount, and names.
PREFERENCE = (
    NIN, BIRTH_DATE, MEMBER_NO, EMPLOYEE_NO, PERIOD, BASE_AMOUNT, UNION_AMOUNT, CLUB_AMOUNT,
    AMOUNT, SURNAME, FIRST_NAME, NAME,
)  # fmt: skip
_RANK = {fieldname: rank for rank, fieldname in enumerate(PREFERENCE)}

# A header with one of these words (or a compound starting with one) is about something
# else, whatever other words it has: "Skattetrekk", "Pensjonstrekk", "Dato for trekk".
IGNORED = (
    "skatt", "forskuddstrekk", "pensjon", "otp", "ferie", "husleie", "lan", "forsikring",
    "dato", "date", "orgnr", "organisasjonsnummer", "bedrift", "arbeidsgiver", "avdeling",
    "kostnadssted", "tax", "pension", "insurance", "employer", "department", "stilling",
    "prosent", "sats", "kommentar", "merknad", "note", "notes", "comment",
)  # fmt: skip
_IGNORED_EXACT = frozenset({"lan", "otp", "tax", "sats", "note", "date", "dato"})

# Match quality: the whole header is a synonym; some of its words are; a compound word
# ends in one ("Medlemskontingent").
EXACT, WORDS_MATCH, COMPOUND = 3, 2, 1
_COMPOUND_HEADS = tuple(sorted((syn for syn in LOOKUP if len(syn) >= 5), key=len, reverse=True))

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_UNITS = ("ikr", "kr", "nok", "inok")
_FILLER = frozenset(("i", "pa", "for", "av", "per", "og", "the", "of", "in", "til", "kr",
                     "nok", "ikr", "inok"))  # fmt: skip


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def normalise_header(text: object) -> str:
    """'Fødsels-nummer (11 siffer)' -> 'fodselsnummer'."""
    if not isinstance(text, str):
        return ""
    return _NON_ALNUM.sub("", _fold(text))


def header_words(text: str) -> list[str]:
    """'Kontingent medlem (NOK)' -> ['kontingent', 'medlem']: words without the bracketed
    part, units and small filler words."""
    words = _NON_ALNUM.split(_fold(_PARENS.sub(" ", text)))
    return [w for w in words if w and w not in _FILLER]


def classify_header(text: object) -> tuple[str, int] | None:
    """(field, match quality) for a header cell, or None. Pure and table-driven:

    1. the whole header (normalised) is a synonym, with or without a unit ("Trekk kr");
    2. else the words it contains: the longest run of adjacent words that is a synonym
       wins ("Ansatt nr" is the employee number, not a name), then ``PREFERENCE``;
       a word from ``IGNORED`` means the column is about something else;
    3. else a compound word ending in a synonym ("Medlemskontingent").
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_HEADER_CHARS:
        return None
    key = normalise_header(text)
    if key in LOOKUP:
        return LOOKUP[key], EXACT
    bare = normalise_header(_PARENS.sub("", text))
    if bare in LOOKUP:
        return LOOKUP[bare], EXACT
    for unit in _UNITS:
        if bare.endswith(unit) and bare[: -len(unit)] in LOOKUP:
            return LOOKUP[bare[: -len(unit)]], EXACT
    words = header_words(text)
    if not words or len(words) > 10:
        return None
    joined = "".join(words)
    if joined in LOOKUP:
        return LOOKUP[joined], EXACT
    for word in words:
        if word in _IGNORED_EXACT or (
            word not in LOOKUP and any(word.startswith(stem) for stem in IGNORED if len(stem) > 3)
        ):
            return None
    best: tuple[int, int, str] | None = None  # (span, -rank, field)
    count = len(words)
    for span in range(min(count, 3), 0, -1):
        for start in range(count - span + 1):
            fieldname = LOOKUP.get("".join(words[start : start + span]))
            if fieldname is not None:
                candidate = (span, -_RANK[fieldname], fieldname)
                if best is None or candidate > best:
                    best = candidate
        if best is not None:
            return best[2], WORDS_MATCH
    for word in words:
        for head in _COMPOUND_HEADS:
            if len(word) > len(head) and word.endswith(head):
                candidate = (1, -_RANK[LOOKUP[head]], LOOKUP[head])
                if best is None or candidate > best:
                    best = candidate
                break
    return (best[2], COMPOUND) if best is not None else None


def field_for(text: object) -> str | None:
    """The field a header cell names, or None."""
    found = classify_header(text)
    return None if found is None else found[0]


def map_row(row: Sequence[object]) -> dict[str, int]:
    """field -> column index for one candidate header row.

    When several columns name the same field, the best match wins (an exact "Trekk" over
    "Sum trukket kontingent"), the leftmost on a tie.
    """
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(row):
        found = classify_header(cell)
        if found is None:
            continue
        fieldname, quality = found
        if fieldname not in best or quality > best[fieldname][0]:
            best[fieldname] = (quality, index)
    return {fieldname: index for fieldname, (_quality, index) in best.items()}


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
