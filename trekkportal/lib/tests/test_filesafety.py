"""File safety before parsing: docs/security.md E1-E5, E12, E13 (and the PDF part of E14)."""

import zipfile

import pytest

from trekkportal.lib.filesafety import (
    REFUSAL_MESSAGES,
    FileKind,
    Limits,
    UnsafeFile,
    inspect_file,
    neutralise_cell,
    sanitize_filename,
)
from trekkportal.lib.tests.builders import (
    SHEET_HEAD,
    cfb_bytes,
    ods_bytes,
    ods_table,
    tampered_xlsx,
    zip_bytes,
)
from trekkportal.lib.xlsx import write_xlsx

XLSX = write_xlsx([("Ark1", [("Fødselsnummer", "Navn", "Trekk"), ("01017012345", "Ås", 612)])])
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>"
CSV = "Fødselsnummer;Navn;Trekk\r\n01017012345;Ås;612,50\r\n".encode("cp1252")


def refusal(name, data, **kw):
    with pytest.raises(UnsafeFile) as exc:
        inspect_file(name, data, **kw)
    return exc.value.code


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("liste.xlsx", XLSX, FileKind.XLSX),
        ("LISTE.XLSX", XLSX, FileKind.XLSX),
        ("liste.xls", XLSX, FileKind.XLSX),  # saved as xlsx, named .xls: read as what it is
        ("liste.ods", ods_table([("Fnr", "Trekk")]), FileKind.ODS),
        ("liste.csv", CSV, FileKind.CSV),
        ("liste.txt", CSV, FileKind.TXT),
        ("liste.xls", CSV, FileKind.CSV),  # an ".xls" that is really CSV is read as text
        ("liste.txt", "Fnr\tTrekk\n".encode("utf-16"), FileKind.TXT),
        ("liste.txt", "Fnr\tTrekk\n".encode("utf-16-le"), FileKind.TXT),
        ("liste.txt", b"\xef\xbb\xbfFnr;Trekk\n", FileKind.TXT),
        ("liste.txt", b"Fnr;Trekk\n1;2\x00\n" + b"x;1\n" * 100, FileKind.TXT),
        ("liste.pdf", PDF, FileKind.PDF),
        ("liste.xls", cfb_bytes({"Workbook": b"\x09\x08"}), FileKind.XLS),
    ],
)
def test_it_recognises_what_a_file_really_is(name, data, kind):
    assert inspect_file(name, data) is kind


def test_it_reads_paths_and_file_objects(tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(XLSX)
    assert inspect_file("liste.xlsx", path) is FileKind.XLSX
    assert inspect_file("liste.xlsx", str(path)) is FileKind.XLSX
    with path.open("rb") as fh:
        assert inspect_file("liste.xlsx", fh) is FileKind.XLSX


# E1
def test_it_refuses_an_empty_file():
    assert refusal("liste.xlsx", b"") == "empty"


def test_it_refuses_a_file_one_byte_over_the_limit():
    limits = Limits(max_bytes=len(CSV) - 1)
    assert refusal("liste.csv", CSV, limits=limits) == "too_large"
    assert inspect_file("liste.csv", CSV, limits=Limits(max_bytes=len(CSV))) is FileKind.CSV


# E2
@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("liste.xlsx", PDF, "content_mismatch"),
        ("liste.xlsx", EXE, "content_mismatch"),
        ("liste.xlsx", HTML, "html"),
        ("liste.txt", HTML, "html"),
        ("liste.xls", HTML, "html"),  # "Excel" web-page exports
        ("liste.txt", EXE, "content_mismatch"),
        ("liste.pdf", XLSX, "content_mismatch"),
        ("liste.pdf", CSV, "content_mismatch"),
        ("liste.xlsx", CSV, "content_mismatch"),
        ("liste.txt", b"\x00\x01\x02\x03" * 300, "binary_text"),
        ("liste.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "content_mismatch"),
        ("liste.exe", CSV, "unsupported_type"),
        ("liste.docx", XLSX, "unsupported_type"),
        ("liste", CSV, "unsupported_type"),
        ("liste.xlsx", zip_bytes({"a.txt": "hello"}), "content_mismatch"),
        ("liste.xls", cfb_bytes({"WordDocument": b"x"}), "content_mismatch"),
    ],
)
def test_it_refuses_a_file_whose_content_and_name_disagree(name, data, code):
    assert refusal(name, data) == code


# E3
def test_it_refuses_a_zip_bomb_sheet_by_its_compression_ratio():
    bomb = tampered_xlsx(
        **{"xl/worksheets/sheet1.xml": SHEET_HEAD + "<sheetData>" + " " * 20_000_000}
    )
    assert len(bomb) < 100_000
    assert refusal("bombe.xlsx", bomb) == "zip_ratio"


def test_it_refuses_huge_shared_strings_by_total_size():
    strings = '<?xml version="1.0"?><sst>' + "<si><t>ab</t></si>" * 200_000 + "</sst>"
    data = tampered_xlsx(**{"xl/sharedStrings.xml": strings})
    assert refusal("bombe.xlsx", data, limits=Limits(max_uncompressed=1_000_000)) == (
        "zip_too_large"
    )


def test_it_refuses_thousands_of_entries():
    entries = {f"xl/media/image{i}.xml": "<a/>" for i in range(1500)}
    assert refusal("mange.xlsx", tampered_xlsx(**entries)) == "zip_too_many_entries"


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "A1:B1048576", "A1:AZZ9000"])
def test_it_refuses_a_sheet_that_declares_a_huge_dimension(ref):
    sheet = (
        SHEET_HEAD + f'<dimension ref="{ref}"/><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        '</row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>'
    )
    assert refusal("stor.xlsx", tampered_xlsx(**{"xl/worksheets/sheet1.xml": sheet})) == (
        "sheet_too_large"
    )


def test_it_accepts_an_ordinary_dimension():
    sheet = SHEET_HEAD + '<dimension ref="A1:K5000"/><sheetData/></worksheet>'
    data = tampered_xlsx(**{"xl/worksheets/sheet1.xml": sheet})
    assert inspect_file("ok.xlsx", data) is FileKind.XLSX


def test_it_refuses_a_corrupt_zip():
    assert refusal("halv.xlsx", XLSX[: len(XLSX) // 2]) == "corrupt"
    assert refusal("halv.xlsx", b"PK\x03\x04" + b"\x00" * 50) == "corrupt"


# E4
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<sst><si><t>&lol3;</t></si></sst>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + SHEET_HEAD.split("\n", 1)[1]
    + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    "</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    ("part", "xml"),
    [
        ("xl/sharedStrings.xml", LAUGHS),
        ("xl/worksheets/sheet1.xml", EXTERNAL),
        ("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "http://x/y.dtd"><w/>'),
        ("[Content_Types].xml", "<!-- hi -->\n<!doctype t><Types/>"),
        ("xl/worksheets/sheet1.xml", "<?xml version='1.0'?>" + "<!--" + "x" * 70_000 + "-->"),
        ("xl/sharedStrings.xml", LAUGHS.encode("utf-16")),
        ("docProps/custom.xml", "<r/><!ENTITY stray 'x'>"),
    ],
)
def test_it_refuses_dtds_and_entities_in_any_xml_part(part, xml):
    assert refusal("entity.xlsx", tampered_xlsx(**{part: xml})) == "xml_dtd"


def test_it_refuses_a_dtd_in_an_ods():
    content = '<?xml version="1.0"?><!DOCTYPE office [<!ENTITY a "b">]><office:document/>'
    assert refusal("entity.ods", ods_bytes(content)) == "xml_dtd"


def test_the_refusal_never_contains_the_entity():
    with pytest.raises(UnsafeFile) as exc:
        inspect_file("entity.xlsx", tampered_xlsx(**{"xl/worksheets/sheet1.xml": EXTERNAL}))
    text = REFUSAL_MESSAGES[exc.value.code] % exc.value.message_params("entity.xlsx")
    assert "passwd" not in text
    assert "xxe" not in text


# E5
def test_it_refuses_a_macro_enabled_workbook():
    assert refusal("makro.xlsm", tampered_xlsx(**{"xl/vbaProject.bin": b"\xd0\xcf"})) == "macro"
    assert refusal("makro.xlsx", tampered_xlsx(**{"xl/vbaProject.bin": b"x"})) == "macro"


def test_it_refuses_a_macro_enabled_content_type():
    from trekkportal.lib.tests.builders import xlsx_entries

    ct = xlsx_entries()["[Content_Types].xml"].replace(
        b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    assert refusal("makro.xlsx", tampered_xlsx(**{"[Content_Types].xml": ct})) == "macro"


def test_it_refuses_an_xls_with_macros():
    data = cfb_bytes({"Workbook": b"\x09\x08", "_VBA_PROJECT_CUR": b"x"})
    assert refusal("makro.xls", data) == "macro"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:700],  # cut short: shorter than any compound file
        lambda data: data[:30] + b"\x0f\x00" + data[32:],  # impossible sector size
    ],
    ids=["truncated", "sector-size"],
)
def test_it_refuses_a_damaged_compound_file(damage):
    data = damage(cfb_bytes({"Workbook": b"\x09\x08"}))
    assert refusal("liste.xls", data) == "corrupt"


def test_it_refuses_ods_macros():
    data = ods_bytes(
        '<?xml version="1.0"?><office:document-content/>',
        extra={"Basic/Standard/Module1.xml": "<script:module/>"},
    )
    assert refusal("makro.ods", data) == "macro"


def test_it_refuses_a_password_encrypted_workbook():
    encrypted = cfb_bytes({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"x"})
    assert refusal("hemmelig.xlsx", encrypted) == "encrypted"
    assert refusal("hemmelig.xls", encrypted) == "encrypted"


def test_it_refuses_an_encrypted_zip_entry():
    data = bytearray(XLSX)
    # Set the "encrypted" flag on the first entry, in the local and the central header.
    data[6] |= 0x01
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x05\x06"))
    first_central = data.find(b"PK\x01\x02")
    assert central >= first_central
    data[first_central + 8] |= 0x01
    assert refusal("hemmelig.xlsx", bytes(data)) == "encrypted"


def test_zip_entries_compressed_with_another_method_are_refused():
    data = zip_bytes(
        {"[Content_Types].xml": "<T/>", "xl/workbook.xml": "<w/>"}, compression=zipfile.ZIP_BZIP2
    )
    assert refusal("rar.xlsx", data) == "corrupt"


def test_every_refusal_code_has_a_whole_sentence_naming_the_file():
    for code, message in REFUSAL_MESSAGES.items():
        exc = UnsafeFile(code, limit="25 MB", expected="xlsx", actual="a PDF document")
        text = message % exc.message_params("lønn\u202eslx.exe")
        assert "lønnslx.exe" in text
        assert text.endswith(".")
        assert text[0].isupper()


# E12
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\system32\\x.xlsx", "x.xlsx"),
        ("a.pdf.exe", "a.pdf.exe"),
        ("liste\r\nBcc: x@example.com.xlsx", "liste Bcc: x@example.com.xlsx"),
        ("lønn\u202eslx.exe", "lønnslx.exe"),
        ("\u2066trekk\u2069.csv", "trekk.csv"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("", "file"),
        ("...", "file"),
        ("nul\x00byte.csv", "nul byte.csv"),
        ("Ærlig ØÅ.xlsx", "Ærlig ØÅ.xlsx"),
    ],
)
def test_it_sanitises_file_names_for_display(name, shown):
    assert sanitize_filename(name) == shown


def test_a_300_character_name_is_shortened_keeping_its_extension():
    shown = sanitize_filename("x" * 300 + ".xlsx")
    assert len(shown) <= 100
    assert shown.endswith(".xlsx")


# E13
@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Ola Nordmann", "Ola Nordmann"),
        ("", ""),
        (-612.5, -612.5),
        (None, None),
    ],
)
def test_it_neutralises_formula_cells_for_export(value, safe):
    assert neutralise_cell(value) == safe


def test_the_xlsx_writer_neutralises_cells():
    import io

    import python_calamine

    data = write_xlsx([("Ark1", [("Navn",), ("=1+1",), ("@x",)])])
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows == [["Navn"], ["'=1+1"], ["'@x"]]
