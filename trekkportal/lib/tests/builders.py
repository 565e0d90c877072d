"""Builders for hostile and odd files, shared by the file-safety and parser tests."""

from __future__ import annotations

import io
import struct
import zipfile

from trekkportal.lib.filesafety import OLE2_MAGIC
from trekkportal.lib.xlsx import write_xlsx

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def zip_bytes(entries: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def xlsx_entries(rows=(("Fødselsnummer", "Navn", "Trekk"),)) -> dict[str, bytes]:
    """The parts of a small valid xlsx, to be tampered with."""
    with zipfile.ZipFile(io.BytesIO(write_xlsx([("Ark1", rows)]))) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def tampered_xlsx(**replace: bytes | str) -> bytes:
    """A valid xlsx with parts replaced or added (keys use / for path separators)."""
    entries: dict[str, bytes | str] = dict(xlsx_entries())
    for key, value in replace.items():
        entries[key] = value
    return zip_bytes(entries)


def ods_bytes(content_xml: str, *, extra: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            zipfile.ZipInfo("mimetype", FIXED_TIME),
            "application/vnd.oasis.opendocument.spreadsheet",
        )
        zf.writestr(
            zipfile.ZipInfo("META-INF/manifest.xml", FIXED_TIME),
            '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            '"text/xml"/></manifest:manifest>',
        )
        zf.writestr(zipfile.ZipInfo("content.xml", FIXED_TIME), content_xml)
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)
    return buf.getvalue()


def ods_table(rows) -> bytes:
    """A minimal valid ods with one table of text/float cells."""
    parts = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'
                    "</table:table-cell>"
                )
        parts.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Ark1">'
        + "".join(parts)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return ods_bytes(content)


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (MS-CFB v3, 512-byte sectors) holding up to three streams.

    Streams are padded to 4096 bytes so they live in ordinary sectors (no mini stream).
    """
    assert len(streams) <= 3
    sector = 512
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT itself; sector 1: the directory
    data = b""
    entries = []
    next_sector = 2
    for name, payload in streams.items():
        payload = payload.ljust(max(4096, -(-len(payload) // sector) * sector), b"\0")
        count = len(payload) // sector
        start = next_sector
        fat.extend([*range(start + 1, start + count), 0xFFFFFFFE])
        next_sector += count
        data += payload
        entries.append((name, 2, start, len(payload)))
    fat.extend([0xFFFFFFFF] * (sector // 4 - len(fat)))
    header = bytearray(sector)
    header[0:8] = OLE2_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    directory = entry("Root Entry", 5, 1, 0xFFFFFFFF, 0xFFFFFFFE, 0)
    for i, (name, kind, start, size) in enumerate(entries, start=1):
        right = i + 1 if i < len(entries) else 0xFFFFFFFF
        directory += entry(name, kind, 0xFFFFFFFF, right, start, size)
    directory = directory.ljust(sector, b"\0")
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat[: sector // 4]) + directory + data
