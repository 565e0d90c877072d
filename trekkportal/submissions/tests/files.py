"""Small, real files for the submission tests, built in memory."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from trekkportal.lib.tests.builders import cfb_bytes, tampered_xlsx
from trekkportal.lib.xlsx import write_xlsx

CSV = (
    "Fødselsnummer;Navn;Trekk\r\n"  # synthetic content: never real people
    "15018012345;Test, Ola;630,00\r\n"
).encode("cp1252")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def xlsx() -> bytes:
    return write_xlsx([("Ark1", [("Navn", "Trekk"), ("Test, Ola", 630)])])


def macro_xlsx() -> bytes:
    return tampered_xlsx(**{"xl/vbaProject.bin": b"\x00" * 64})


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected workbook: a compound file holding
    EncryptionInfo and EncryptedPackage streams."""
    return cfb_bytes({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 64})


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
