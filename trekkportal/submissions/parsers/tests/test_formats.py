"""Table-driven tests on the committed sample lists (fixtures/, made by build_fixtures.py)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from trekkportal.submissions.parsers import ParseError, parse
from trekkportal.submissions.parsers.tests import build_fixtures as samples

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 27)

# file, format, columns found, rows, valid, invalid, total amount
CASES = [
    ("payroll.xlsx", "xlsx", ["employee_no", "surname", "first_name", "nin", "amount", "period"],
     3, 3, 0, "2459.00"),
    ("quirks.xlsx", "xlsx", ["nin", "name", "birth_date", "union_amount", "club_amount",
                             "amount", "base_amount"], 14, 7, 7, "3500.00"),
    ("sample.ods", "ods", ["member_no", "name", "nin", "amount"], 2, 2, 0, "1224.50"),
    ("biff8.xls", "xls", ["nin", "name", "amount"], 2, 2, 0, "1225.00"),
    ("windows-1252.csv", "csv", ["name", "nin", "base_amount", "amount"], 3, 1, 2, "612.00"),
    ("utf8-bom-tab.txt", "txt", ["nin", "name", "amount"], 2, 2, 0, "1225.00"),
    ("utf16.txt", "txt", ["nin", "name", "amount"], 2, 2, 0, "712.50"),
    ("fixed-width.txt", "txt", ["employee_no", "nin", "name", "base_amount", "amount"],
     3, 3, 0, "2236.64"),
    ("pipe-cr.txt", "txt", ["nin", "name", "amount"], 2, 2, 0, "30.00"),
    ("comma-quoted.csv", "csv", ["employee_no", "name", "nin", "amount"], 2, 2, 0, "1224.50"),
    ("birthdate-name.csv", "csv", ["surname", "first_name", "birth_date", "amount", "period"],
     3, 3, 0, "1837.50"),
    ("text.pdf", "pdf", ["nin", "name", "amount"], 3, 3, 0, "1946.50"),
    ("ruled.pdf", "pdf", ["nin", "name", "amount"], 2, 2, 0, "712.50"),
    ("openpyxl-payroll.xlsx", "xlsx", ["employee_no", "name", "nin", "birth_date", "amount",
                                       "base_amount"], 4, 4, 0, "2559.00"),
    # header shapes: words around the field's name, abbreviations, competing amounts
    ("words-around.xlsx", "xlsx", ["employee_no", "name", "nin", "base_amount", "amount"],
     2, 2, 0, "1152.50"),
    ("abbreviated.csv", "csv", ["nin", "name", "amount"], 2, 2, 0, "1062.50"),
    ("member-nok.csv", "csv", ["member_no", "name", "birth_date", "base_amount", "amount"],
     2, 2, 0, "1172.50"),
    ("sum-and-split.xlsx", "xlsx", ["nin", "name", "union_amount", "club_amount", "amount"],
     2, 2, 0, "1152.50"),
    ("english-export.csv", "csv", ["employee_no", "name", "nin", "base_amount", "amount"],
     2, 2, 0, "1152.50"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fmt", "columns", "rows", "valid", "invalid", "total"), CASES)
def test_it_reads_each_sample_list(name, fmt, columns, rows, valid, invalid, total):
    result = parse(FIXTURES / name, name, today=TODAY)
    summary = result.summary()
    assert summary["format"] == fmt
    assert list(summary["columns"]) == columns
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (rows, valid, invalid)
    assert summary["total_amount"] == total


def lines_by_name(name):
    return {line.name: line for line in parse(FIXTURES / name, name, today=TODAY).lines}


def test_the_fixtures_are_what_the_builder_makes():
    for name, build in samples.SAMPLES.items():
        data = build()
        if data is not None:
            assert (FIXTURES / name).read_bytes() == data, f"rebuild {name}"


# Saved again by LibreOffice (build_fixtures.CONVERSIONS): the same list, the same result.
CONVERTED = [
    (f"libreoffice/{Path(source).stem}.{ext}", source)
    for source, extensions in samples.CONVERSIONS.items()
    for ext in extensions
]


@pytest.mark.parametrize(("name", "source"), CONVERTED)
def test_a_list_saved_by_libreoffice_reads_exactly_as_its_source(name, source):
    ours = parse(FIXTURES / source, source, today=TODAY)
    theirs = parse(FIXTURES / name, Path(name).name, today=TODAY)
    assert theirs.format == Path(name).suffix[1:]
    assert {**theirs.summary(), "format": "-"} == {**ours.summary(), "format": "-"}
    assert theirs.lines == ours.lines
    assert [(e.row, e.column, e.code) for e in theirs.errors] == [
        (e.row, e.column, e.code) for e in ours.errors
    ]


def test_a_workbook_written_by_openpyxl_keeps_its_dropped_zero_and_date_cells():
    lines = lines_by_name("openpyxl-payroll.xlsx")
    assert lines["Per Ås"].nin == samples.PER and lines["Per Ås"].nin_restored
    assert lines["Kari Ærlig"].nin == samples.KARI
    assert lines["Uten nummer"].nin is None
    assert lines["Uten nummer"].listed_birth_date == dt.date(1979, 5, 25)
    assert lines["Åse Ørn"].amount == Decimal("612.50")


def test_a_header_below_title_rows_and_norwegian_letters():
    result = parse(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert result.meta["header_row"] == 4
    assert result.meta["sheet"] == "Oktober"
    first = result.lines[0]
    assert (first.row, first.name, first.employee_no) == (5, "Åse Ørn", "101")
    assert first.amount == Decimal("612.50")
    assert first.period == "2026-10"


def test_excel_dropped_the_leading_zero_of_a_number_cell():
    line = lines_by_name("payroll.xlsx")["Per Ås"]
    assert line.nin == samples.PER
    assert samples.PER.startswith("0")
    assert line.nin_restored
    assert not line.nin_uncertain
    assert line.birth_date == dt.date(1975, 1, 3)


def test_a_totals_row_is_skipped_and_checked():
    result = parse(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert result.totals.declared == Decimal("2459.00")
    assert result.totals.amount == Decimal("2459.00")
    assert not result.errors


def test_identity_number_kinds_are_accepted():
    lines = lines_by_name("quirks.xlsx")
    for name, nin in [
        ("D-nummer", samples.DNR),
        ("H-nummer", samples.HNR),
        ("Syntetisk", samples.SYNTH),
        ("Ny regel", samples.NEW),
    ]:
        assert lines[name].nin == nin
        assert lines[name].ok, name
    assert lines["D-nummer"].birth_date == dt.date(1985, 3, 4)
    assert lines["Ny regel"].birth_date is None  # not readable from a 2032-rule number


def test_a_zero_restored_in_a_text_cell_is_flagged_uncertain():
    line = lines_by_name("quirks.xlsx")["Tekst med null borte"]
    assert line.nin == samples.ZERO
    assert line.nin_restored
    assert line.nin_uncertain
    assert line.ok


def test_split_amounts_add_up():
    line = lines_by_name("quirks.xlsx")["D-nummer"]
    assert (line.union_amount, line.club_amount, line.amount) == (
        Decimal("400.00"),
        Decimal("100.00"),
        Decimal("500.00"),
    )
    assert line.base_amount == Decimal("35000.00")


def test_a_list_without_identity_numbers_uses_birth_date_and_name():
    result = parse(FIXTURES / "birthdate-name.csv", "birthdate-name.csv", today=TODAY)
    births = [line.birth_date for line in result.lines]
    assert births == [dt.date(1980, 5, 17), dt.date(1975, 1, 3), dt.date(1990, 2, 8)]
    assert [line.name for line in result.lines] == ["Åse Ørn", "Per Ås", "Kari Nordmann"]
    assert {line.period for line in result.lines} == {"2026-10"}


def test_serial_dates_from_excel():
    line = lines_by_name("quirks.xlsx")["Uten fnr"]
    assert line.birth_date == dt.date(1979, 5, 25)
    assert line.ok


def test_windows_1252_numbers_and_totals():
    result = parse(FIXTURES / "windows-1252.csv", "windows-1252.csv", today=TODAY)
    assert result.meta["encoding"] == "cp1252"
    by_name = {line.name: line for line in result.lines}
    assert set(by_name) == {"Åse Ørn", "Per Ås", "Kari Ærlig"}
    assert by_name["Åse Ørn"].nin == samples.ASE  # written with a space in it
    assert by_name["Åse Ørn"].amount == Decimal("612.00")  # kr 612,-
    assert by_name["Per Ås"].amount == Decimal("-12.00")  # (12,00)
    assert by_name["Per Ås"].base_amount == Decimal("1234.50")  # 1.234,50
    assert by_name["Kari Ærlig"].amount == Decimal("-612.14")  # 612,14-
    codes = [(e.row, e.code) for e in result.errors]
    assert codes == [(3, "amount_negative"), (4, "amount_negative"), (None, "total_mismatch")]


def test_pdf_header_repeated_on_every_page_is_read_once():
    result = parse(FIXTURES / "text.pdf", "text.pdf", today=TODAY)
    assert [line.name for line in result.lines] == ["Åse Ørn", "Per Ås", "Kari Ærlig"]
    assert result.totals.declared == Decimal("1946.50")


def test_a_scanned_pdf_is_for_staff():
    with pytest.raises(ParseError) as exc:
        parse(FIXTURES / "scanned.pdf", "scanned.pdf", today=TODAY)
    assert exc.value.code == "pdf_no_text"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Fødselsnummer", "nin"),
        ("FØDSELSNR.", "nin"),
        ("Fødsels-nummer (11 siffer)", "nin"),
        ("fnr", "nin"),
        ("Personnummer", "nin"),
        ("D-nummer", "nin"),
        ("National ID number", "nin"),
        ("Fødselsdato", "birth_date"),
        ("Navn", "name"),
        ("Etternavn", "surname"),
        ("Fornavn", "first_name"),
        ("Ansatt nr.", "employee_no"),
        ("Medlemsnr", "member_no"),
        ("Grunnlag", "base_amount"),
        ("Brutto lønn", "base_amount"),
        ("Trekk", "amount"),
        ("Beløp (NOK)", "amount"),
        ("Trekk kr", "amount"),
        ("Kontingent", "amount"),
        ("Forbund", "union_amount"),
        ("Klubbtrekk", "club_amount"),
        ("Periode", "period"),
        ("Lønnsperiode", "period"),
        ("Kommentar", None),
        ("", None),
    ],
)
def test_header_synonyms(header, field):
    from trekkportal.submissions.parsers.headers import field_for

    assert field_for(header) == field


def test_a_bare_total_row_is_recognised_by_its_amount_and_a_bare_amount_is_an_error():
    from trekkportal.lib.xlsx import write_xlsx

    rows = [
        ("Fødselsnummer", "Navn", "Trekk"),
        (samples.ASE, "Åse", 100),
        (samples.KARI, "Kari", 50),
        (None, None, 150),  # the sum so far, without a label
        (None, None, 70),  # an amount with nobody: a row with an error, not a total
    ]
    result = parse(write_xlsx([("Ark1", rows)]), "liste.xlsx", today=TODAY)
    assert result.totals.declared == Decimal("150.00")
    assert [(e.row, e.code) for e in result.errors] == [
        (5, "nin_missing"),
        (None, "total_mismatch"),
    ]
    assert result.totals.rows == 3


def test_birth_date_and_personnummer_in_two_columns_are_joined():
    from trekkportal.lib.identity import NinKind, make_valid_nin
    from trekkportal.lib.xlsx import write_xlsx

    dnr = make_valid_nin(dt.date(1985, 3, 4), kind=NinKind.DNR)
    rows = [
        ("Fødselsdato", "Personnummer", "Navn", "Trekk"),
        (samples.ASE[:6], samples.ASE[6:], "Åse", 100),  # both as text
        (dt.date(1975, 1, 3), int(samples.PER[6:]), "Per", 100),  # a date and a number
        (dnr[:6], dnr[6:], "D-nummer", 100),  # day + 40 only survives as text
        (samples.KARI[:6], "99999", "Feil", 100),
    ]
    result = parse(write_xlsx([("Ark1", rows)]), "liste.xlsx", today=TODAY)
    assert [line.nin for line in result.lines[:3]] == [samples.ASE, samples.PER, dnr]
    assert [(e.row, e.code) for e in result.errors] == [(5, "nin_checksum")]
    assert result.lines[2].birth_date == dt.date(1985, 3, 4)  # read from the D-number
