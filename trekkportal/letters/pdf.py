"""Typeset a generated letter ("trekkmelding") to PDF with Typst.

Why Typst (the ``typst`` binding from PyPI, a wheel with nothing else to install): it is
the one candidate measured that writes tagged PDF/UA-1 and PDF/A-2a together, and it is
the fastest (``benchmarks/letters_benchmark.py``; figures in ``docs/benchmarks.md``).

What the compiler may touch: the folder ``typst/`` beside this file is its root (a path
outside it cannot be read), its fonts are the ones shipped in ``typst/fonts`` (no system or
built-in fonts, so every letter looks the same everywhere and embeds them), and the
template imports no packages, so nothing is fetched. The letter's data is ONE JSON string
(``sys.inputs.data``) that the template decodes: names are data, never markup.

``render_letter(content)`` is pure (no database): ``LetterContent`` holds what the letter
says, already formatted for print.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import struct
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import typst

TEMPLATE_DIR = Path(__file__).resolve().parent / "typst"
TEMPLATE = TEMPLATE_DIR / "letter.typ"
FONT_DIR = TEMPLATE_DIR / "fonts"
PDF_STANDARDS = ["ua-1", "a-2a"]


@dataclass(frozen=True)
class StartLine:
    name: str
    birth_date: str
    member_no: str
    period: str
    dues: str


@dataclass(frozen=True)
class StopLine:
    name: str
    birth_date: str
    reason: str
    period: str


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: list[str]
    phone: str
    email: str


@dataclass(frozen=True)
class LetterContent:
    title: str
    union: Letterhead
    company_name: str
    company_orgnr: str
    date: str
    labels: dict[str, str]
    intro: list[str]
    closing: list[str]
    signature: list[str]
    starts: list[StartLine] = field(default_factory=list)
    stops: list[StopLine] = field(default_factory=list)

    def as_json(self) -> str:
        data = asdict(self)
        data["company"] = {"name": data.pop("company_name"), "orgnr": data.pop("company_orgnr")}
        return json.dumps(_printable(data), ensure_ascii=False)


# --- text the fonts can print -------------------------------------------------------------

MISSING_GLYPH = "?"


@functools.lru_cache(maxsize=8192)  # labels, periods, reasons repeat in every letter
def printable_text(value: str) -> str:
    """``value`` as the shipped fonts can print it: NFC, control and format characters
    (NUL, bidi overrides) dropped, a character the fonts lack shown as "?". A PDF/A file
    must not contain text it cannot show, so Typst refuses such a letter outright."""
    covered = _covered_characters()
    out = []
    for char in unicodedata.normalize("NFC", value):
        if char.isspace():
            out.append(char if ord(char) in covered else " ")  # tabs, line breaks: a space
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(char if ord(char) in covered else MISSING_GLYPH)
    return "".join(out)


def _printable(value):
    if isinstance(value, str):
        return printable_text(value)
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    return value


@functools.cache
def _covered_characters() -> frozenset[int]:
    """The code points every shipped font has a glyph for (from their ``cmap`` tables)."""
    sets = [_cmap_code_points(path.read_bytes()) for path in sorted(FONT_DIR.glob("*.ttf"))]
    return frozenset.intersection(*sets) if sets else frozenset()


def _cmap_code_points(font: bytes) -> frozenset[int]:
    """Code points mapped by a TrueType font's Unicode cmap (format 4 or 12)."""
    num_tables = struct.unpack_from(">H", font, 4)[0]
    cmap = next(
        struct.unpack_from(">I", font, 12 + 16 * i + 8)[0]
        for i in range(num_tables)
        if font[12 + 16 * i : 12 + 16 * i + 4] == b"cmap"
    )
    subtables = {}
    for i in range(struct.unpack_from(">H", font, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", font, cmap + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap + offset
    points: set[int] = set()
    if (3, 10) in subtables and struct.unpack_from(">H", font, subtables[(3, 10)])[0] == 12:
        start = subtables[(3, 10)]
        for g in range(struct.unpack_from(">I", font, start + 12)[0]):
            first, last, _glyph = struct.unpack_from(">III", font, start + 16 + 12 * g)
            points.update(range(first, last + 1))
        return frozenset(points)
    start = subtables[(3, 1)]
    segments = struct.unpack_from(">H", font, start + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", font, start + 14)
    starts = struct.unpack_from(f">{segments}H", font, start + 16 + 2 * segments)
    for first, last in zip(starts, ends, strict=True):
        if first != 0xFFFF:
            points.update(range(first, last + 1))
    return frozenset(points)


class LetterRenderError(RuntimeError):
    """Typst could not typeset a letter (a bug in the template, never the data's fault)."""


_compiler: typst.Compiler | None = None
_lock = threading.Lock()


def _get_compiler() -> typst.Compiler:
    """One compiler per process: it keeps the parsed template and fonts between letters."""
    global _compiler
    if _compiler is None:
        fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
        )
        _compiler = typst.Compiler(
            root=str(TEMPLATE_DIR), font_paths=fonts, ignore_system_fonts=True
        )
    return _compiler


def render_letter(content: LetterContent, *, timestamp: dt.datetime | None = None) -> bytes:
    """The letter as a tagged PDF (PDF/UA-1 and PDF/A-2a), title and language set."""
    with _lock:  # a Compiler is not to be shared between threads at once
        try:
            pdf = _get_compiler().compile(
                input=str(TEMPLATE),
                sys_inputs={"data": content.as_json()},
                pdf_standards=PDF_STANDARDS,
                timestamp=timestamp.replace(microsecond=0) if timestamp else None,
            )
        except typst.TypstError as error:
            raise LetterRenderError(error.message) from None
    if not isinstance(pdf, bytes):
        raise LetterRenderError("typst returned no PDF")
    return pdf
