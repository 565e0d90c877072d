"""Header recognition: what real payroll exports call their columns, table-driven."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trekkportal.submissions.parsers.headers import (
    COMPOUND,
    EXACT,
    IGNORED,
    LOOKUP,
    WORDS_MATCH,
    classify_header,
    field_for,
    map_row,
)

# header as exported -> the field it is read as (None: not a column we use)
HEADERS = [
    # identity numbers
    ("Fødselsnummer", "nin"),
    ("FØDSELSNR.", "nin"),
    ("Pers.nr.", "nin"),
    ("Fødselsnummer/D-nr", "nin"),
    ("Fnr (11 siffer)", "nin"),
    ("D-nr", "nin"),
    ("National ID number", "nin"),
    # birth dates and names
    ("Fødselsdato", "birth_date"),
    ("Fødsels dato", "birth_date"),
    ("Fødselsdato ansatt", "birth_date"),
    ("Navn ansatt", "name"),
    ("Navn på ansatt", "name"),
    ("Etternavn, fornavn", "name"),
    ("Employee name", "name"),
    ("Etternavn", "surname"),
    ("Fornavn og mellomnavn", "first_name"),
    # numbers
    ("Ansatt nr", "employee_no"),
    ("Ansattnr.", "employee_no"),
    ("Medlem nr", "member_no"),
    ("Medlemsnr ansatt", "member_no"),
    # amounts: the deduction over the base, the union's share over the club's
    ("Trekk IE", "amount"),
    ("Fagf.kontingent", "amount"),
    ("Kontingent medlem (NOK)", "amount"),
    ("Sum trukket kontingent", "amount"),
    ("Beløp trukket i perioden", "amount"),
    ("Medlemskontingent", "amount"),
    ("LO-trekk", "amount"),
    ("Union dues deducted (NOK)", "amount"),
    ("Grunnlag trekk", "base_amount"),
    ("Trekkgrunnlag", "base_amount"),
    ("Brutto lønn", "base_amount"),
    ("Gross pay", "base_amount"),
    ("Forbund trekk", "union_amount"),
    ("Trekk forbund", "union_amount"),
    ("Klubb kontingent", "club_amount"),
    ("Klubbtrekk kr", "club_amount"),
    # periods
    ("Periode", "period"),
    ("Trekk periode", "period"),
    ("Lønnsperiode", "period"),
    # other columns of a payroll export, never mistaken for ours
    ("Skattetrekk", None),
    ("Pensjonstrekk", None),
    ("Forskuddstrekk", None),
    ("Dato for trekk", None),
    ("Trekkdato", None),
    ("Arbeidsgivernavn", None),
    ("Avdeling", None),
    ("Stillingsprosent", None),
    ("Merknad", None),
    ("", None),
    ("x" * 121, None),
]


@pytest.mark.parametrize(("header", "field"), HEADERS)
def test_it_reads_what_a_header_names(header, field):
    assert field_for(header) == field


def test_a_whole_synonym_is_a_better_match_than_words_in_a_longer_header():
    assert classify_header("Trekk") == ("amount", EXACT)
    assert classify_header("Sum trukket kontingent") == ("amount", WORDS_MATCH)
    assert classify_header("Medlemskontingent") == ("amount", COMPOUND)


def test_the_best_matching_column_wins_when_two_name_the_same_field():
    row = ["Sum trukket kontingent", "Fødselsnummer", "Trekk", "Navn"]
    assert map_row(row) == {"amount": 2, "nin": 1, "name": 3}


def test_of_two_equally_good_columns_the_leftmost_wins():
    assert map_row(["Navn", "Fødselsnr", "Beløp", "Trekk"])["amount"] == 2


# Plain headers of each field, and words a payroll system might put around them.
KNOWN = [
    ("Fødselsnummer", "nin"),
    ("Fnr", "nin"),
    ("Personnummer", "nin"),
    ("Fødselsdato", "birth_date"),
    ("Navn", "name"),
    ("Medlemsnr", "member_no"),
    ("Ansattnr", "employee_no"),
    ("Grunnlag", "base_amount"),
    ("Brutto", "base_amount"),
    ("Trekk", "amount"),
    ("Kontingent", "amount"),
    ("Beløp", "amount"),
    ("Forbundstrekk", "union_amount"),
    ("Klubbtrekk", "club_amount"),
    ("Periode", "period"),
]
NEUTRAL = ["oktober", "2026", "aktuell", "verdi", "felt", "kolonne", "IE", "rapport",
           "registrert", "value", "current", "hittil", "denne", "kode", "A"]  # fmt: skip
SEPARATORS = [" ", " - ", "/", ". ", ": ", "_", " | "]


def test_the_neutral_words_are_neutral():
    for word in NEUTRAL:
        assert field_for(word) is None
        assert word.lower() not in LOOKUP
        assert not any(word.lower().startswith(stem) for stem in IGNORED)


@given(
    known=st.sampled_from(KNOWN),
    before=st.lists(st.sampled_from(NEUTRAL), max_size=3),
    after=st.lists(st.sampled_from(NEUTRAL), max_size=3),
    separator=st.sampled_from(SEPARATORS),
    case=st.sampled_from([str, str.upper, str.lower, str.title]),
    unit=st.sampled_from(["", " (kr)", " [NOK]", " (11 siffer)"]),
)
def test_a_known_header_with_extra_words_around_it_is_still_recognised(
    known, before, after, separator, case, unit
):
    header, fieldname = known
    text = separator.join([*before, case(header), *after]) + unit
    assert field_for(text) == fieldname, text
