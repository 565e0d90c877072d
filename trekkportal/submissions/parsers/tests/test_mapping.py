"""Columns the employer chose: a file the parser cannot read by its headers is read with
the mapping given for its header shape."""

import datetime as dt

from trekkportal.submissions.parsers import parse, parse_safely
from trekkportal.submissions.parsers.core import row_shape
from trekkportal.submissions.parsers.tests.build_fixtures import ASE, KARI

TODAY = dt.date(2026, 11, 27)
UNKNOWN_AMOUNT = (
    f"Bedrift AS\nFødselsnummer;Navn;Avgift LO\n{ASE};Åse Ørn;612,50\n{KARI};Kari Nordmann;540,00\n"
).encode()


def test_a_file_without_an_amount_column_says_so_and_shows_its_first_rows_masked():
    result = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY)
    assert [e.code for e in result.errors] == ["missing_columns"]
    assert result.errors[0].params["fields"] == ["amount"]
    assert result.meta["header_row"] == 2
    preview = result.meta["preview"]
    assert preview["header"] == ["Fødselsnummer", "Navn", "Avgift LO"]
    assert preview["rows"][0] == [ASE[:6] + "*****", "Åse Ørn", "612,50"]
    assert ASE not in repr(preview)
    assert result.meta["shape"] == row_shape(["Fødselsnummer", "Navn", "Avgift LO"])


def test_the_chosen_columns_are_used_for_a_header_of_that_shape():
    shape = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY).meta["shape"]
    mappings = {shape: {"nin": 0, "name": 1, "amount": 2}}
    result = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY, mappings=mappings)
    assert result.errors == []
    assert (result.totals.valid, f"{result.totals.amount}") == (2, "1152.50")
    assert result.columns == {"nin": "Fødselsnummer", "name": "Navn", "amount": "Avgift LO"}
    assert result.meta["mapping_shape"] == shape


def test_a_mapping_for_another_shape_changes_nothing():
    mappings = {row_shape(["Noe", "Annet"]): {"nin": 0, "name": 1, "amount": 2}}
    result = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY, mappings=mappings)
    assert [e.code for e in result.errors] == ["missing_columns"]


def test_a_mapping_naming_columns_the_row_does_not_have_is_ignored():
    shape = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY).meta["shape"]
    result = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY,
                   mappings={shape: {"nin": 0, "amount": 9, "bogus": 1}})  # fmt: skip
    assert [e.code for e in result.errors] == ["missing_columns"]


def test_the_shape_ignores_case_punctuation_and_trailing_blank_cells():
    assert row_shape(["Fødselsnummer", "Navn", "Avgift LO", "", None]) == row_shape(
        ["FØDSELSNUMMER", "navn", "Avgift-LO"]
    )
    assert row_shape(["Navn", "Avgift LO"]) != row_shape(["Avgift LO", "Navn"])


def test_a_file_with_no_header_row_offers_its_first_filled_row():
    data = f"Ola;{ASE};612,50\nKari;{KARI};540\n".encode()
    result = parse(data, "liste.csv", today=TODAY)
    assert [e.code for e in result.errors] == ["no_header"]
    assert result.meta["preview"]["header"] == ["Ola", ASE[:6] + "*****", "612,50"]


def test_the_sandbox_passes_the_mapping_on(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(UNKNOWN_AMOUNT)
    shape = parse(UNKNOWN_AMOUNT, "liste.csv", today=TODAY).meta["shape"]
    result = parse_safely(path, "liste.csv", today=TODAY,
                          mappings={shape: {"nin": 0, "name": 1, "amount": 2}})  # fmt: skip
    assert result.totals.valid == 2
    assert result.meta["mapping_shape"] == shape
