"""Minimal PDFs for tests: text lines in a monospaced font, optionally ruled as a table."""

from __future__ import annotations


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[list[str]], *, rule_columns: list[int] | None = None) -> bytes:
    """One page per list of lines (Courier 9 pt, WinAnsi: æøå work).

    ``rule_columns``: character positions of column borders; draws a ruled table around
    every line so pdfplumber finds it as a table.
    """
    objects: list[bytes] = []
    font_id = 3
    page_ids = []
    contents = []
    for lines in pages:
        ops = [b"BT /F1 9 Tf 11 TL 40 800 Td"]
        for line in lines:
            ops.append(b"(" + _escape(line) + b") Tj T*")
        ops.append(b"ET")
        if rule_columns:
            char_w = 9 * 0.6
            top = 800 + 9
            xs = [40 + c * char_w - 2 for c in rule_columns]
            bottom = top - 11 * len(lines)
            for i in range(len(lines) + 1):
                y = top - 11 * i
                ops.append(f"{xs[0]:.1f} {y:.1f} m {xs[-1]:.1f} {y:.1f} l S".encode())
            for x in xs:
                ops.append(f"{x:.1f} {top:.1f} m {x:.1f} {bottom:.1f} l S".encode())
        contents.append(b"\n".join(ops))
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs
    next_id = 4
    for _ in pages:
        page_ids.append(next_id)
        next_id += 2
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(f"{pid} 0 R".encode() for pid in page_ids)
    objects.append(
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(len(pages)).encode() + b" >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"
    )
    for pid, content in zip(page_ids, contents, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {pid + 1} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length "
            + str(len(content)).encode()
            + b" >>\nstream\n"
            + content
            + b"\nendstream"
        )
    return assemble(objects, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def scanned_pdf() -> bytes:
    """A page with an image and no text, as a scanner makes it."""
    image = b"\xff" * 30  # 10x1 RGB pixels
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length 30 >>\nstream\nq 500 0 0 700 40 60 cm /Im1 Do Q\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 10 /Height 1 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length 30 >>\nstream\n" + image + b"\nendstream",
    ]
    return assemble(objects)


def assemble(objects: list[bytes], *, header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF from numbered object bodies (1 must be the catalog)."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def bomb_pdf(inflated_mb: int = 400) -> bytes:
    """A page whose content stream inflates from a few hundred kB to ``inflated_mb``."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated_mb)) + compressor.flush()
    return assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length "
            + str(len(stream)).encode()
            + b" /Filter /FlateDecode >>\nstream\n"
            + stream
            + b"\nendstream",
        ]
    )


def loop_pdf() -> bytes:
    """A page tree whose node lists itself as its own kid."""
    return assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>",
        ]
    )


def javascript_pdf(lines: list[str]) -> bytes:
    """A text PDF that also carries JavaScript to run on open (it must never run)."""
    base = make_pdf([lines])
    return base.replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R "
        b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
        1,
    )
