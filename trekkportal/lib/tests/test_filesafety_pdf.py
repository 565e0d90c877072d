"""PDFs the portal serves (letters) are refused with active content (docs/security.md,
E14): scripts, launch actions, forms, embedded files, also hidden in compressed object
streams or behind ``#xx`` escapes in names; an encrypted PDF or a decompression bomb too.
Plain PDFs pass. (Lists are parsed in the sandbox instead: parsers/tests/test_security.py.)"""

from __future__ import annotations

import zlib

import pytest

from trekkportal.lib.filesafety import Limits, UnsafeFile, inspect_pdf_content
from trekkportal.submissions.parsers.tests.pdfs import assemble, make_pdf


def catalog_pdf(extra: bytes) -> bytes:
    return assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def in_object_stream(body: bytes) -> bytes:
    """The catalog hidden in a compressed object stream, as PDF 1.5 writers do."""
    packed = zlib.compress(b"1 0 " + body)
    return assemble(
        [
            b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
            + str(len(packed)).encode()
            + b" >>\nstream\n"
            + packed
            + b"\nendstream",
        ],
        header=b"%PDF-1.5\n",
    )


@pytest.mark.parametrize(
    "data",
    [
        make_pdf([["Brev fra forbundet", "Ærlig talt, øl og ål"]]),
        catalog_pdf(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"),  # a harmless action
        catalog_pdf(b"/Lang (nb-NO) /MarkInfo << /Marked true >>"),
    ],
)
def test_a_plain_pdf_passes(data):
    inspect_pdf_content(data)  # no refusal


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (catalog_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "pdf_active_content"),
        (catalog_pdf(b"/AA << /O << /S /Launch /F (cmd.exe) >> >>"), "pdf_active_content"),
        (catalog_pdf(b"/OpenAction << /S /Java#53cript /J#53 (x) >>"), "pdf_active_content"),
        (catalog_pdf(b"/Names << /EmbeddedFiles 4 0 R >>"), "pdf_active_content"),
        (catalog_pdf(b"/AcroForm << /XFA 5 0 R >>"), "pdf_active_content"),
        (catalog_pdf(b"/OpenAction << /S /SubmitForm /F (http://x) >>"), "pdf_active_content"),
        (in_object_stream(b"<< /OpenAction << /S /JavaScript /JS (x) >> >>"), "pdf_active_content"),
        (catalog_pdf(b"") + b"trailer << /Encrypt 9 0 R >>", "encrypted"),
    ],
)
def test_active_or_encrypted_pdfs_are_refused(data, code):
    with pytest.raises(UnsafeFile) as refusal:
        inspect_pdf_content(data)
    assert refusal.value.code == code


def test_a_decompression_bomb_is_refused_without_inflating_it_all():
    bomb = zlib.compress(b"\x00" * (8 * 1024 * 1024), 9)
    data = assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            b"<< /Filter /FlateDecode /Length "
            + str(len(bomb)).encode()
            + b" >>\nstream\n"
            + bomb
            + b"\nendstream",
        ]
    )
    with pytest.raises(UnsafeFile) as refusal:
        inspect_pdf_content(data, Limits(max_uncompressed=1024 * 1024))
    assert refusal.value.code == "pdf_too_complex"
