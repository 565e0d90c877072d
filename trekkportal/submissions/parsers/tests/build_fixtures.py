"""Writes the committed sample deduction lists in ``fixtures/`` (run it after changing them):

    .venv/bin/python -m trekkportal.submissions.parsers.tests.build_fixtures

Each sample is small and shows the quirks of one real-world export. ``SAMPLES`` are made by
our own code (lib.xlsx on XlsxWriter, the ODS and PDF builders) and are byte-for-byte
reproducible (a test holds the committed files to them). The parser must also read files
written by software we did not write, as payroll clerks' Excel and LibreOffice files are:

* ``FOREIGN``: workbooks written by openpyxl (a dev dependency);
* ``CONVERSIONS``: samples converted by LibreOffice headless (Debian's
  ``libreoffice-calc-nogui``: ``soffice --headless --convert-to xlsx|xls|ods``) into
  ``fixtures/libreoffice/``.

Those carry their writer's timestamps, so they are not rebuilt byte for byte: the tests
read them and expect what their source gives. Without openpyxl or soffice the committed
files are kept. The ``.xls`` sample ``biff8.xls`` needs ``xlwt`` (not a project
dependency): ``pip install xlwt`` into a scratch directory and put it on PYTHONPATH;
without it the existing ``.xls`` is kept.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from trekkportal.lib.identity import NinKind, make_2032_nin, make_valid_nin
from trekkportal.lib.tests.builders import ods_table
from trekkportal.lib.xlsx import TEXT, write_xlsx
from trekkportal.submissions.parsers.tests.pdfs import make_pdf, scanned_pdf

FIXTURES = Path(__file__).parent / "fixtures"
CONVERTED = FIXTURES / "libreoffice"


def new_rule_nin(first9: str = "010190512") -> str:
    """A number valid only by the 2032 rule."""
    return make_2032_nin(first9)


# Valid numbers for the samples (made up, valid check digits).
ASE = make_valid_nin(dt.date(1980, 5, 17))  # 17058012327
PER = make_valid_nin(dt.date(1975, 1, 3))  # 03017512306: Excel drops the leading zero
KARI = make_valid_nin(dt.date(1990, 2, 8))  # 08029012343
DNR = make_valid_nin(dt.date(1985, 3, 4), kind=NinKind.DNR)
HNR = make_valid_nin(dt.date(1985, 3, 4), kind=NinKind.HNR)
SYNTH = make_valid_nin(dt.date(1992, 6, 30), kind=NinKind.SYNTHETIC)
NEW = new_rule_nin()
ZERO = make_valid_nin(dt.date(1999, 7, 5))  # 0507..., typed as text without its zero
BAD = ASE[:10] + str((int(ASE[10]) + 1) % 10)  # wrong check digit


def xlsx_payroll() -> bytes:
    """Title rows before the header, numbers as numbers, a dropped zero, a totals row."""
    rows = [
        ("Trekkliste fagforeningskontingent", None, None, None, None),
        ("Bedrift AS, oktober 2026", None, None, None, None),
        (None, None, None, None, None),
        ("Ansattnr.", "Etternavn", "Fornavn", "Fødselsnr", "Trekk (kr)", "Periode"),
        (101, "Ørn", "Åse", int(ASE), Decimal("612.50"), "10.2026"),
        (102, "Ås", "Per", int(PER), 612, "10.2026"),
        (103, "Nordmann", "Kari", KARI, Decimal("1234.5"), "10.2026"),
        (None, None, None, None, None, None),
        ("Sum", None, None, None, Decimal("2459.00"), None),
    ]
    return write_xlsx([("Oktober", rows)], header_rows=0)


def xlsx_quirks() -> bytes:
    """Every identity-number kind, errors, dates as serial numbers, split amounts."""
    rows = [
        ("Fødselsnummer", "Navn", "Fødselsdato", "Forbund", "Klubb", "Trekk", "Grunnlag"),
        (DNR, "D-nummer", None, 400, 100, 500, 35_000),
        (HNR, "H-nummer", None, 400, 100, 500, 35_000),
        (SYNTH, "Syntetisk", None, 400, 100, 500, 35_000),
        (NEW, "Ny regel", None, 400, 100, 500, 35_000),
        (BAD, "Feil kontroll", None, 400, 100, 500, 35_000),
        (ASE, "Dobbel", None, 400, 100, 500, 35_000),
        (ASE, "Dobbel igjen", None, 400, 100, 500, 35_000),
        (KARI, "Null", None, 0, 0, 0, 35_000),
        (PER, "Negativ", None, -400, -100, -500, 35_000),
        (None, "Uten fnr", 29_000.0, 400, 100, 500, 35_000),  # serial date 25.05.1979
        (None, "Umulig dato", "31.02.1980", 400, 100, 500, 35_000),
        (None, "Fremtidig", "01.01.2099", 400, 100, 500, 35_000),
        (ZERO[1:], "Tekst med null borte", None, 400, 100, 500, 35_000),
        (None, "Feil sum", None, 400, 100, 600, 35_000),
    ]
    return write_xlsx([("Ark1", rows)], column_styles=(TEXT,), raw=True)


def ods_sample() -> bytes:
    return ods_table(
        [
            ("Medlemsnr", "Navn", "Personnummer", "Beløp"),
            ("M-1", "Åse Ørn", ASE, 612.5),
            ("M-2", "Per Ås", float(int(PER)), 612.0),
        ]
    )


def csv_cp1252() -> bytes:
    text = (
        "Navn;Fødselsnummer;Grunnlag;Kontingent\r\n"
        f"Åse Ørn;{ASE[:6]} {ASE[6:]};45 000,00;kr 612,-\r\n"
        f"Per Ås;{PER};1.234,50;(12,00)\r\n"
        f'Kari Ærlig;{KARI};"40 000";612,14-\r\n'
        "Totalt;;;1 212,00\r\n"
    )
    return text.encode("cp1252")


def txt_utf8_bom_tab() -> bytes:
    text = f"FNR\tNAVN\tBELØP\n{ASE}\tÅse Ørn\t612,50\n{KARI}\tKari Ærlig\t612,50\n"
    return codecs.BOM_UTF8 + text.encode("utf-8")


def txt_utf16() -> bytes:
    text = f"Fødselsnummer\tNavn\tTrekk\r\n{ASE}\tÅse Ørn\t612,50\r\n{KARI}\tKari Ærlig\t100\r\n"
    return text.encode("utf-16")


def txt_fixed_width() -> bytes:
    lines = [
        "BEDRIFT AS                    TREKKLISTE 10/2026",
        "",
        "ANSATTNR FØDSELSNR   NAVN                      GRUNNLAG     TREKK",
        f"     101 {ASE} Åse Ørn                  45 000,00    612,50",
        f"     102 {PER} Per Ås                    1 234,50     12,00",
        f"     103 {KARI} Kari Ærlig               40 000,00  1 612,14",
        "",
        "SUM".ljust(57) + "2 236,64",
    ]
    return "\r\n".join(lines).encode("cp1252")


def csv_pipe_cr() -> bytes:
    """Old Mac line endings (CR only) and a pipe delimiter."""
    return f"fnr|navn|trekk\r{ASE}|Åse|10\r{KARI}|Kari|20\r".encode()


def csv_comma_quoted() -> bytes:
    return (
        "Employee no,Name,National ID number,Dues\n"
        f'1,"Ørn, Åse",{ASE},"612,50"\n'
        f'2,"Ås, Per",{PER},612.00\n'
    ).encode()


def csv_birthdate_name() -> bytes:
    return (
        "Etternavn;Fornavn;Fødselsdato;Trekk;Periode\n"
        "Ørn;Åse;17.05.1980;612,50;1026\n"
        "Ås;Per;03.01.75;612,50;okt 2026\n"
        "Nordmann;Kari;1990-02-08;612,50;2026-10\n"
    ).encode()


def pdf_text() -> bytes:
    page1 = [
        "Bedrift AS - trekkliste oktober 2026",
        "",
        "Fødselsnummer  Navn                 Trekk",
        f"{ASE}    Åse Ørn              612,50",
        f"{PER}    Per Ås             1 234,00",
    ]
    page2 = [
        "Fødselsnummer  Navn                 Trekk",
        f"{KARI}    Kari Ærlig           100,00",
        "",
        "Sum                              1 946,50",
    ]
    return make_pdf([page1, page2])


def pdf_ruled() -> bytes:
    lines = [
        "Fødselsnummer  Navn          Trekk",
        f"{ASE}    Åse Ørn        612,50",
        f"{KARI}    Kari Ærlig     100,00",
    ]
    return make_pdf([lines], rule_columns=[0, 14, 29, 36])


def xls_sample() -> bytes | None:
    try:
        import xlwt
    except ImportError:
        return None
    import io

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Ark1")
    rows = [
        ("Fødselsnummer", "Navn", "Trekk"),
        (float(int(PER)), "Per Ås", 612.5),
        (ASE, "Åse Ørn", 612.5),
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# Header shapes seen in real exports: words around the field's name, abbreviations,
# several columns that could be the amount.


def xlsx_words_around() -> bytes:
    """ "Ansatt nr", "Navn ansatt", "Pers.nr.", "Grunnlag trekk", "Trekk IE"."""
    rows = [
        ("Ansatt nr", "Navn ansatt", "Pers.nr.", "Grunnlag trekk", "Trekk IE"),
        (7, "Åse Ørn", ASE, 45000, Decimal("612.50")),
        (8, "Kari Nordmann", KARI, 40000, Decimal("540.00")),
    ]
    return write_xlsx([("Ark1", rows)], header_rows=0)


def csv_abbreviated() -> bytes:
    """ "Fødselsnummer/D-nr", "Fagf.kontingent", and a tax column that is not ours."""
    return (
        "Fødselsnummer/D-nr;Navn;Skattetrekk;Fagf.kontingent\r\n"
        f"{ASE};Åse Ørn;12 000,00;612,50\r\n"
        f"{DNR};Dag Dnummer;9 000,00;450,00\r\n"
    ).encode("cp1252")


def csv_member_nok() -> bytes:
    """No identity number: "Medlem nr", "Etternavn, fornavn", "Kontingent medlem (NOK)"
    beside the gross pay."""
    return (
        'Medlem nr;"Etternavn, fornavn";Fødselsdato;Bruttolønn;Kontingent medlem (NOK)\n'
        '501;"Ørn, Åse";17.05.1980;45 000;612,50\n'
        '502;"Ås, Per";03.01.1975;41 000;560,00\n'
    ).encode()


def xlsx_sum_and_split() -> bytes:
    """ "Sum trukket kontingent" with the union's and the club's share in their own
    columns."""
    rows = [
        ("Fødselsnr", "Navn", "Trekk forbund", "Klubb kontingent", "Sum trukket kontingent"),
        (ASE, "Åse Ørn", Decimal("550.00"), Decimal("62.50"), Decimal("612.50")),
        (KARI, "Kari Nordmann", Decimal("500.00"), Decimal("40.00"), Decimal("540.00")),
    ]
    return write_xlsx([("Ark1", rows)], header_rows=0)


def csv_english_export() -> bytes:
    """An English payroll export: "Employee ID", "Employee name", "Gross pay"."""
    return (
        "Employee ID,Employee name,National ID number,Gross pay,Union dues deducted (NOK)\n"
        f"E-1,Åse Ørn,{ASE},45000.00,612.50\n"
        f"E-2,Kari Nordmann,{KARI},40000.00,540.00\n"
    ).encode()


SAMPLES = {
    "words-around.xlsx": xlsx_words_around,
    "abbreviated.csv": csv_abbreviated,
    "member-nok.csv": csv_member_nok,
    "sum-and-split.xlsx": xlsx_sum_and_split,
    "english-export.csv": csv_english_export,
    "payroll.xlsx": xlsx_payroll,
    "quirks.xlsx": xlsx_quirks,
    "sample.ods": ods_sample,
    "windows-1252.csv": csv_cp1252,
    "utf8-bom-tab.txt": txt_utf8_bom_tab,
    "utf16.txt": txt_utf16,
    "fixed-width.txt": txt_fixed_width,
    "pipe-cr.txt": csv_pipe_cr,
    "comma-quoted.csv": csv_comma_quoted,
    "birthdate-name.csv": csv_birthdate_name,
    "text.pdf": pdf_text,
    "ruled.pdf": pdf_ruled,
    "scanned.pdf": scanned_pdf,
    "biff8.xls": xls_sample,
}


def openpyxl_payroll() -> bytes | None:
    """What a clerk's spreadsheet saved by openpyxl looks like: typed cells, an identity
    number as a number (its zero dropped), a text one, a date cell, number formats."""
    try:
        import openpyxl
    except ImportError:
        return None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Lønn oktober"
    sheet.append(["Ansattnummer", "Navn", "Fødselsnummer", "Fødselsdato", "Trekk", "Grunnlag"])
    sheet.append([201, "Åse Ørn", int(ASE), None, 612.5, 45000])
    sheet.append([202, "Per Ås", int(PER), None, 612, 41000.5])
    sheet.append([203, "Kari Ærlig", KARI, None, 1234.5, 52000])
    sheet.append([204, "Uten nummer", None, dt.date(1979, 5, 25), 100, 30000])
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    sheet["D5"].number_format = "dd.mm.yyyy"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FOREIGN = {
    "openpyxl-payroll.xlsx": openpyxl_payroll,
}

# source sample -> the formats LibreOffice writes it in (fixtures/libreoffice/<stem>.<ext>)
CONVERSIONS = {
    "payroll.xlsx": ("xlsx", "xls", "ods"),
    "quirks.xlsx": ("xlsx", "xls", "ods"),
    "sample.ods": ("xlsx", "xls"),
    "openpyxl-payroll.xlsx": ("xls", "ods"),
}


def convert_with_libreoffice(source: Path, ext: str, outdir: Path) -> Path | None:
    """``soffice --headless --convert-to ext``; None without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="trekk-lo-") as scratch:
        profile = Path(scratch, "profile").as_uri()  # never the user's own profile
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                ext,
                "--outdir",
                scratch,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        produced = Path(scratch, f"{source.stem}.{ext}")
        outdir.mkdir(exist_ok=True)
        target = outdir / produced.name
        shutil.copyfile(produced, target)
    return target


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for name, build in {**SAMPLES, **FOREIGN}.items():
        data = build()
        if data is None:
            print(f"kept {name} (builder unavailable)")
            continue
        (FIXTURES / name).write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")
    for name, extensions in CONVERSIONS.items():
        for ext in extensions:
            target = convert_with_libreoffice(FIXTURES / name, ext, CONVERTED)
            if target is None:
                print(f"kept libreoffice/{Path(name).stem}.{ext} (no soffice)")
                break
            print(f"converted {name} -> libreoffice/{target.name} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
