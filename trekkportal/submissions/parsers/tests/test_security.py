"""docs/security.md E3-E11, E13, E14: hostile and odd files give a clean result or error.

Files that need limits go through ``parse_safely`` (the sandbox the portal uses); the rest
through ``parse`` in-process, which is faster and shows the precise row errors.
"""

import datetime as dt
import os
import re
import zipfile
from decimal import Decimal

import pytest

from trekkportal.lib.filesafety import neutralise_cell
from trekkportal.lib.identity import NinKind, make_valid_nin, mask_nin
from trekkportal.lib.tests.builders import (
    SHEET_HEAD,
    cfb_bytes,
    ods_bytes,
    tampered_xlsx,
    xlsx_entries,
    zip_bytes,
)
from trekkportal.lib.xlsx import write_xlsx
from trekkportal.submissions.parsers import ParsedList, ParseError, ParseFailure, parse
from trekkportal.submissions.parsers.sandbox import parse_safely
from trekkportal.submissions.parsers.tests import build_fixtures as samples
from trekkportal.submissions.parsers.tests.pdfs import (
    bomb_pdf,
    javascript_pdf,
    loop_pdf,
    make_pdf,
)

TODAY = dt.date(2026, 11, 27)
NIN_A = make_valid_nin(dt.date(1980, 5, 17))
NIN_B = make_valid_nin(dt.date(1990, 2, 8))
NINS = [make_valid_nin(dt.date(1960, 1, 1) + dt.timedelta(days=4 * i)) for i in range(6000)]


def safely(tmp_path, name, data, **kw):
    path = tmp_path / "upload.bin"  # stored under a generated name, as the portal does
    path.write_bytes(data)
    kw.setdefault("timeout_s", 30)
    return parse_safely(path, name, today=TODAY, **kw)


def xlsx(rows, **kw):
    return write_xlsx([("Ark1", rows)], **kw)


def codes(result):
    return [(e.row, e.column, e.code) for e in result.errors]


# --- E3 zip bombs ------------------------------------------------------------------------


def test_e3_a_zip_bomb_sheet_is_refused_before_parsing(tmp_path):
    bomb = tampered_xlsx(
        **{"xl/worksheets/sheet1.xml": SHEET_HEAD + "<sheetData>" + " " * 50_000_000}
    )
    assert len(bomb) < 200_000
    assert safely(tmp_path, "bombe.xlsx", bomb) == ParseFailure("zip_ratio")


def test_e3_huge_shared_strings_are_refused(tmp_path):
    strings = "<sst>" + "<si><t>x</t></si>" * 10_000_000 + "</sst>"
    result = safely(tmp_path, "bombe.xlsx", tampered_xlsx(**{"xl/sharedStrings.xml": strings}))
    assert isinstance(result, ParseFailure)
    assert result.code in ("zip_ratio", "zip_too_large")


def test_e3_thousands_of_entries_are_refused(tmp_path):
    entries = {f"xl/worksheets/sheet{i}.xml": "<worksheet/>" for i in range(2, 3000)}
    result = safely(tmp_path, "mange.xlsx", tampered_xlsx(**entries))
    assert result == ParseFailure("zip_too_many_entries")


def test_e3_a_dimension_of_the_whole_sheet_with_two_cells_is_refused(tmp_path):
    sheet = (
        SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v>'
        '</c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    result = safely(tmp_path, "dim.xlsx", tampered_xlsx(**{"xl/worksheets/sheet1.xml": sheet}))
    assert result == ParseFailure("sheet_too_large")


def test_e3_a_bomb_the_zip_directory_does_not_show_is_stopped_by_the_sandbox(tmp_path):
    # A tiny ODS whose rows and cells are "repeated" a billion times: the zip is honest,
    # the reader would expand it. The child runs out of its memory limit, not the parent.
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="A"><table:table-row '
        'table:number-rows-repeated="1000000"><table:table-cell '
        'table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    result = safely(tmp_path, "bombe.ods", ods_bytes(content), memory_mb=300)
    assert isinstance(result, ParseFailure)
    assert result.code in ("memory", "corrupt", "timeout")


# --- E4 DTDs and entities -----------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol9 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<sst><si><t>&lol9;</t></si></sst>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    "</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    ("part", "xml"),
    [("xl/sharedStrings.xml", LAUGHS), ("xl/worksheets/sheet1.xml", EXTERNAL)],
)
def test_e4_dtds_and_entities_are_refused_and_nothing_of_them_shows(tmp_path, part, xml):
    result = safely(tmp_path, "entity.xlsx", tampered_xlsx(**{part: xml}))
    assert result == ParseFailure("xml_dtd")
    message = result.message("entity.xlsx")
    assert "root:" not in message
    assert "lol" not in message
    assert "passwd" not in message


# --- E5 macros and passwords --------------------------------------------------------------


def test_e5_a_macro_enabled_workbook_is_refused_with_an_explanation(tmp_path):
    result = safely(tmp_path, "makro.xlsm", tampered_xlsx(**{"xl/vbaProject.bin": b"\0" * 10}))
    assert result == ParseFailure("macro")
    assert "macros" in result.message("makro.xlsm")


def test_e5_a_password_encrypted_workbook_is_refused_with_an_explanation(tmp_path):
    encrypted = cfb_bytes({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"x"})
    result = safely(tmp_path, "hemmelig.xlsx", encrypted)
    assert result == ParseFailure("encrypted")
    assert "password" in result.message("hemmelig.xlsx")


# --- E6 damaged files and crashes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("halv.xlsx", xlsx([("Fnr", "Trekk"), (NIN_A, 1)])[:900]),
        ("tom-del.xlsx", zip_bytes({**xlsx_entries(), "xl/worksheets/sheet1.xml": b"<worksh"})),
        ("ole.xls", cfb_bytes({"Workbook": b"\x09\x08\x10\x00garbage"})),
        ("halv.pdf", make_pdf([["Fnr Trekk"]])[:200]),
        ("rot.pdf", b"%PDF-1.4\n" + os.urandom(2000)),
        ("rot.ods", ods_bytes("<office:document-content><<<")),
    ],
)
def test_e6_a_truncated_or_corrupt_file_gives_a_clean_error(tmp_path, name, data):
    result = safely(tmp_path, name, data)
    if isinstance(result, ParsedList):  # read as far as it goes
        assert result.totals.rows == 0
        assert result.file_errors
    else:
        assert result.code in ("corrupt", "pdf_no_text", "no_table")
        assert result.message(name)


def test_e6_a_reader_that_runs_out_of_memory_leaves_the_parent_alive(tmp_path):
    rows = [("Fødselsnummer", "Navn", "Trekk")] + [(n, "Navn " * 20, 612.5) for n in NINS]
    result = safely(tmp_path, "stor.xlsx", xlsx(rows), memory_mb=5)
    assert result == ParseFailure("memory")
    # ...and the parent goes on working.
    again = safely(tmp_path, "liten.xlsx", xlsx([("Fnr", "Trekk"), (NIN_A, 1)]))
    assert again.totals.valid == 1


def test_e6_a_reader_that_takes_too_long_is_stopped(tmp_path):
    # 30,000 rows take a fast machine ~0.2 s to read: well past the limit of 0.02 s (6,000
    # rows did not on a fast day).
    rows = [("Fødselsnummer", "Navn", "Trekk")] + [(n, "Navn", 612.5) for n in NINS * 5]
    result = safely(tmp_path, "treg.xlsx", xlsx(rows), timeout_s=0.02)
    assert result == ParseFailure("timeout")


def test_e6_a_failure_message_names_the_file_sanitised():
    message = ParseFailure("crashed").message("lønn\u202egpj.exe\r\n")
    assert "lønngpj.exe" in message
    assert "\u202e" not in message


# --- E7 headers, columns, merged cells, a million rows -----------------------------------


def test_e7_wrong_headers_give_a_precise_error():
    result = parse(xlsx([("A", "B", "C"), ("x", "y", "z")]), "liste.xlsx", today=TODAY)
    assert codes(result) == [(None, None, "no_header")]
    assert "Fødselsnummer" in result.errors[0].message()


def test_e7_missing_required_columns_are_named():
    result = parse(xlsx([("Navn", "Ansattnr"), ("Ola", 1)]), "liste.xlsx", today=TODAY)
    assert codes(result) == [(None, None, "missing_columns")]
    message = result.errors[0].message()
    assert "national identity number" in message
    assert "amount deducted" in message


def test_e7_merged_cells_give_precise_row_errors():
    sheet = (
        SHEET_HEAD + "<sheetData>"
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Fødselsnummer</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Navn</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Trekk</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{NIN_A}</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>Åse</t></is></c><c r="C2"><v>100</v></c></row>'
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>{NIN_B}</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>Kari</t></is></c></row>'
        '</sheetData><mergeCells count="1"><mergeCell ref="C2:C3"/></mergeCells></worksheet>'
    )
    result = parse(tampered_xlsx(**{"xl/worksheets/sheet1.xml": sheet}), "m.xlsx", today=TODAY)
    assert codes(result) == [(3, "Trekk", "amount_missing")]
    assert result.totals.valid == 1


def test_e7_a_million_rows_gives_a_precise_error(tmp_path):
    text = "Fnr;Trekk\n" + f"{NIN_A};1\n" * 1_000_000
    result = safely(tmp_path, "million.txt", text.encode())
    assert codes(result) == [(None, None, "too_many_rows")]
    assert "200000" in result.errors[0].message()


def test_e7_a_million_row_sheet_is_refused_by_its_dimension(tmp_path):
    sheet = SHEET_HEAD + '<dimension ref="A1:C1000000"/><sheetData/></worksheet>'
    result = safely(tmp_path, "m.xlsx", tampered_xlsx(**{"xl/worksheets/sheet1.xml": sheet}))
    assert result == ParseFailure("sheet_too_large")


# --- E8 an error near the end: the result is whole -----------------------------------------


def test_e8_an_error_in_row_4999_of_5000_leaves_the_other_rows_whole(tmp_path):
    rows = [("Fødselsnummer", "Navn", "Trekk")]
    rows += [(n, f"Person {i}", 612.5) for i, n in enumerate(NINS[:5000])]
    rows[4999] = (rows[4999][0], rows[4999][1], "tolv")
    result = safely(tmp_path, "lang.xlsx", xlsx(rows))
    assert result.totals.rows == 5000
    assert (result.totals.valid, result.totals.invalid) == (4999, 1)
    assert codes(result) == [(5000, "Trekk", "amount_invalid")]
    assert len(result.lines) == 5000
    assert result.totals.amount == Decimal("612.50") * 4999


# --- E9 dates -----------------------------------------------------------------------------


def test_e9_serial_impossible_and_future_dates_get_row_and_column_errors():
    rows = [
        ("Etternavn", "Fødselsdato", "Trekk"),
        ("Serie", 29_000, 1),
        ("Umulig", "31.02.1980", 1),
        ("Fremtid", "01.01.2030", 1),
        ("Tull", "i fjor", 1),
    ]
    result = parse(xlsx(rows), "datoer.xlsx", today=TODAY)
    assert result.lines[0].birth_date == dt.date(1979, 5, 25)
    assert codes(result) == [
        (3, "Fødselsdato", "date_invalid"),
        (4, "Fødselsdato", "birth_date_future"),
        (5, "Fødselsdato", "date_invalid"),
    ]
    assert result.errors[0].message() == "The date 31.02.1980 is not a valid date."


# --- E10 identity numbers -----------------------------------------------------------------


def test_e10_identity_numbers_are_handled_as_specified_and_never_echoed():
    dnr = make_valid_nin(dt.date(1985, 3, 4), kind=NinKind.DNR)
    hnr = make_valid_nin(dt.date(1985, 3, 4), kind=NinKind.HNR)
    synthetic = make_valid_nin(dt.date(1992, 6, 30), kind=NinKind.SYNTHETIC)
    dropped = make_valid_nin(dt.date(1975, 1, 3))
    wrong = NIN_A[:10] + str((int(NIN_A[10]) + 1) % 10)
    rows = [
        ("Fødselsnummer", "Trekk"),
        (wrong, 1),
        (dnr, 1),
        (hnr, 1),
        (synthetic, 1),
        (samples.NEW, 1),
        (int(dropped), 1),
        ("12345", 1),
        ("1701x012327", 1),
    ]
    result = parse(xlsx(rows, raw=True), "fnr.xlsx", today=TODAY)
    assert codes(result) == [
        (2, "Fødselsnummer", "nin_checksum"),
        (8, "Fødselsnummer", "nin_length"),
        (9, "Fødselsnummer", "nin_not_digits"),
    ]
    assert [line.nin for line in result.valid_lines] == [dnr, hnr, synthetic, samples.NEW, dropped]
    assert result.valid_lines[-1].nin_restored
    shown = " ".join(e.message() for e in result.errors) + repr([e.params for e in result.errors])
    assert not re.search(r"\d{11}", shown)
    assert mask_nin(wrong) in shown


# --- E11 text encodings and line endings ----------------------------------------------------

TEXT = f"Fødselsnummer;Navn;Trekk\n{NIN_A};Åse Ærø;612,50\n{NIN_B};Kari Øst;100\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("cp1252"), "cp1252"),
        (TEXT.encode("latin-1"), "cp1252"),
        (TEXT.replace("\n", "\r\n").encode("cp1252"), "cp1252"),
        (TEXT.replace("\n", "\r").encode("utf-8"), "utf-8"),
        (TEXT.replace("Åse", "Å\0se").encode("utf-8"), "utf-8"),
    ],
)
def test_e11_text_files_are_decoded_correctly(data, encoding):
    result = parse(data, "liste.txt", today=TODAY)
    assert result.meta["encoding"] == encoding
    assert [line.name for line in result.lines] == ["Åse Ærø", "Kari Øst"]
    assert result.totals.amount == Decimal("712.50")


def test_e11_a_10_mb_single_line_gives_a_clear_error(tmp_path):
    result = safely(tmp_path, "lang.txt", b"Fnr;Trekk;" + b"x" * 10_000_000)
    assert isinstance(result, ParseFailure)
    assert result.code == "line_too_long"
    assert "Line 1" in result.message("lang.txt")


def test_e11_nul_heavy_text_is_refused():
    with pytest.raises(Exception) as exc:
        parse(b"Fnr;Trekk\n" + b"\0\1\2" * 1000, "liste.txt", today=TODAY)
    assert exc.value.code == "binary_text"


# --- E13 exports --------------------------------------------------------------------------


def test_e13_a_formula_in_a_list_is_data_and_is_neutralised_on_export():
    data = f'Fødselsnummer;Navn;Trekk\n{NIN_A};=HYPERLINK("http://x");612\n'.encode()
    line = parse(data, "liste.csv", today=TODAY).lines[0]
    assert line.name == '=HYPERLINK("http://x")'
    assert neutralise_cell(line.name) == '\'=HYPERLINK("http://x")'
    exported = write_xlsx([("Eksport", [("Navn",), (line.name,)])])
    with zipfile.ZipFile(__import__("io").BytesIO(exported)) as zf:
        assert b"'=HYPERLINK" in zf.read("xl/worksheets/sheet1.xml")


# --- E14 hostile PDFs ---------------------------------------------------------------------


def test_e14_a_pdf_decompression_bomb_is_stopped_by_the_limits(tmp_path):
    result = safely(tmp_path, "bombe.pdf", bomb_pdf(400), memory_mb=300)
    assert result == ParseFailure("memory")


def test_e14_a_pdf_page_tree_loop_ends_cleanly(tmp_path):
    result = safely(tmp_path, "loop.pdf", loop_pdf())
    assert isinstance(result, ParseFailure)
    assert result.code in ("pdf_no_text", "corrupt")


def test_e14_javascript_in_a_pdf_is_never_run_and_the_table_is_read(tmp_path):
    lines = ["Fødselsnummer  Navn  Trekk", f"{NIN_A}    Åse   612,50"]
    result = safely(tmp_path, "js.pdf", javascript_pdf(lines))
    assert result.totals.valid == 1
    assert result.lines[0].name == "Åse"


def test_a_parse_error_is_an_exception_with_a_code():
    with pytest.raises(ParseError) as exc:
        parse(make_pdf([[]]), "tom.pdf", today=TODAY)
    assert exc.value.code == "pdf_no_text"
