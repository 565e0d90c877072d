"""The register file reader: headers, values and row errors (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from trekkportal.lib.identity import make_2032_nin, make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.importing import Dues, find_header, parse_dues, read_file, read_rows

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 12, 1)
OLA = make_valid_nin(dt.date(1980, 1, 1))
KARI = make_valid_nin(dt.date(1985, 2, 7))
A = "920001009"


def read(*rows):
    return read_rows([list(r) for r in rows], today=TODAY)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["fødselsnummer", "navn", "orgnr"], "nin name orgnr"),
        (["Fnr", "Etternavn", "Fornavn", "Org.nr."], "nin surname first_name orgnr"),
        (["Organisasjonsnummer", "Personnummer", "Fullt navn"], "orgnr nin name"),
        (
            ["FØDSELSNR", "NAVN", "ORGNR", "ansatt_fra", "ansatt_til", "Utmeldt dato", "Innmeldt"],
            "nin name orgnr employed_from employed_to resigned joined",
        ),
        (["national id", "name", "employer", "member no", "dues"], "nin name orgnr member_no dues"),
    ],
)
def test_it_recognises_header_synonyms(headers, expected):
    fields = expected.split()
    assert find_header([["Medlemsregister"], headers]) == (1, {f: i for i, f in enumerate(fields)})


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", Dues("deduction")),
        ("ja", Dues("deduction")),
        ("Trekk", Dues("deduction")),
        ("nei", Dues("invoice")),
        ("Faktura", Dues("invoice")),
        ("1,40 %", Dues("deduction", percent=Decimal("1.40"))),
        ("1.5%", Dues("deduction", percent=Decimal("1.5"))),
        ("612,50", Dues("deduction", amount=Decimal("612.50"))),
        ("kr 612,-", Dues("deduction", amount=Decimal("612"))),
        (612.5, Dues("deduction", amount=Decimal("612.5"))),
        ("kanskje", None),
        ("0", None),
        ("-100", None),
        ("150 %", None),
    ],
)
def test_trekk_means_payment_and_dues(cell, expected):
    assert parse_dues(cell) == expected


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (["12345678901", "Ola", A], "nin_invalid"),
        (["", "Ola", A], "nin_missing"),
        ([OLA, "", A], "name_missing"),
        ([OLA, "Ola", ""], "orgnr_missing"),
        ([OLA, "Ola", "123456789"], "orgnr_invalid"),
        ([OLA, "Ola", A, "31.02.2020"], "date_invalid"),
        ([OLA, "Ola", A, "01.01.2020", "01.01.2019"], "resigned_before_joined"),
        ([OLA, "Ola", A, "", "", "", "2026-13"], "period_invalid"),
        ([OLA, "Ola", A, "", "", "", "2026-05", "2026-02"], "employment_backwards"),
        ([OLA, "Ola", A, "", "", "", "", "", "sometimes"], "dues_invalid"),
        ([OLA, "Ola", A, "", "", "", "", "", "", "02.01.1980"], "birth_date_mismatch"),
    ],
)
def test_each_bad_row_is_reported_with_its_row_number_and_a_masked_number(row, code):
    header = ["fnr", "navn", "orgnr", "innmeldt", "utmeldt", "merknad", "ansatt_fra",
              "ansatt_til", "trekk", "fødselsdato"]  # fmt: skip
    result = read(header, row + [""] * (len(header) - len(row)))
    assert [(p.row, p.code) for p in result.problems] == [(2, code)]
    assert result.rows == []
    message = result.problems[0].message()
    if row[0] == OLA:
        assert OLA not in message
        assert result.problems[0].masked == OLA[:6] + "*****"


def test_a_number_twice_in_the_file_refuses_both_rows():
    result = read(["fnr", "navn", "orgnr"], [OLA, "Ola", A], [KARI, "Kari", A], [OLA, "Ola N", A])
    assert [(p.row, p.code) for p in result.problems] == [(2, "duplicate"), (4, "duplicate")]
    assert "rows 2, 4" in result.problems[0].message()
    assert [r.nin for r in result.rows] == [KARI]


def test_a_leading_zero_excel_dropped_is_restored():
    result = read(["fnr", "navn", "orgnr"], [int(OLA), "Ola", int(A)])
    assert result.rows[0].nin == OLA and result.rows[0].orgnr == A


def test_a_2032_number_takes_its_birth_date_from_the_file():
    nin = make_2032_nin("010180123")
    result = read(["fnr", "navn", "orgnr", "fødselsdato"], [nin, "Ny", A, "01.01.1980"])
    assert result.rows[0].birth_date == dt.date(1980, 1, 1)


def test_periods_of_employment_are_read_from_months_or_dates():
    result = read(
        ["fnr", "navn", "orgnr", "ansatt fra", "ansatt til"],
        [OLA, "Ola", A, "15.03.2024", "0526"],
    )
    assert (result.rows[0].employed_from, result.rows[0].employed_to) == (
        Period(2024, 3),
        Period(2026, 5),
    )


def test_a_file_without_the_required_columns_is_refused_as_a_whole():
    result = read(["fnr", "navn", "medlemsnr"], [OLA, "Ola", "1"])
    assert result.file_problem is not None and result.file_problem.code == "missing_columns"
    assert "orgnr" in result.file_problem.message()


def test_a_file_without_any_header_is_refused():
    assert read(["a", "b"], ["c", "d"]).file_problem.code == "no_header"


@pytest.mark.parametrize("name", ["register-cp1252.csv", "register.xlsx"])
def test_it_reads_the_fixture_files(name):
    result = read_file((FIXTURES / name).read_bytes(), name, today=TODAY)
    assert result.file_problem is None and result.problems == []
    assert [r.name for r in result.rows] == ["Nordmann, Ola", "Øvrebø, Kari Anne", "Hansen, Per"]
    assert [r.member_no for r in result.rows] == ["1001", "1002", "1003"]
    assert result.rows[1].dues == Dues("deduction", percent=Decimal("1.40"))
    assert result.rows[0].joined == dt.date(2020, 1, 1)


def test_an_unreadable_file_is_one_problem_not_a_crash():
    result = read_file(b"PK\x03\x04 not really a zip", "register.xlsx", today=TODAY)
    assert result.file_problem is not None and result.rows == []


def test_a_file_is_checked_like_an_upload_before_it_is_read():
    result = read_file(b"<html><body>hei</body></html>", "register.xlsx", today=TODAY)
    assert result.file_problem is not None and result.file_problem.code == "html"
    assert "register.xlsx" in result.file_problem.message()


def test_bytes_without_a_name_are_read_by_their_content():
    data = (FIXTURES / "register.xlsx").read_bytes()
    assert len(read_file(data, "", today=TODAY).rows) == 3
