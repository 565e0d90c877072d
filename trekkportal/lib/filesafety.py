"""Check an uploaded file before anything is stored or parsed.

Pure functions, no Django (docs/security.md E1-E5, E12-E14):

* ``inspect_file(name, data_or_path)`` tells what a file really is (``FileKind``) or raises
  ``UnsafeFile(code, **params)``. It looks at the content, never trusts the name alone,
  and inspects zip containers (xlsx, ods) from their directory and XML prologs only, so it
  is cheap and never inflates a bomb.
* ``REFUSAL_MESSAGES[code]`` is an English msgid (a whole sentence naming the file with
  ``%(name)s``); the Django layer translates it with ``gettext`` and fills in the params::

      from django.utils.translation import gettext
      message = gettext(REFUSAL_MESSAGES[exc.code]) % exc.message_params(original_name)

* ``sanitize_filename(name)`` makes an original file name safe to show or send.
* ``neutralise_cell(value)`` defuses formula injection in any CSV/XLSX export (E13).

What the content decides: within the spreadsheet family (xlsx, xls, ods) a file is read as
what it really is (payroll systems often save an xlsx as ``.xls``); an ``.xls`` that is
really delimited text is read as text; anything across families (a PDF, an executable or a
web page named ``.xlsx``/``.txt``) is refused.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any, BinaryIO

import olefile

from trekkportal.lib.identity import mask_nins_in_text

__all__ = [
    "DEFAULT_LIMITS",
    "REFUSAL_MESSAGES",
    "FileKind",
    "Limits",
    "UnsafeFile",
    "inspect_file",
    "inspect_pdf_content",
    "neutralise_cell",
    "read_upload",
    "sanitize_filename",
]


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages without importing Django (translated by the caller)."""
    return message


class FileKind(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"
    CSV = "csv"
    TXT = "txt"
    PDF = "pdf"

    @property
    def is_spreadsheet(self) -> bool:
        return self in (FileKind.XLSX, FileKind.XLS, FileKind.ODS)

    @property
    def is_text(self) -> bool:
        return self in (FileKind.CSV, FileKind.TXT)


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 25 * 1024 * 1024  # the file as uploaded
    max_entries: int = 1000  # zip entries (a real xlsx has 10-100)
    max_uncompressed: int = 150 * 1024 * 1024  # sum of all zip entries, inflated
    max_ratio: int = 200  # inflated/compressed for entries over 1 MB (deflate tops out ~1030)
    max_rows: int = 200_000  # a worksheet's declared dimension
    max_cells: int = 4_000_000  # rows x columns of a worksheet's declared dimension
    prolog_bytes: int = 64 * 1024  # how far an XML part may go before its root element


DEFAULT_LIMITS = Limits()


class UnsafeFile(Exception):
    """A file refused before parsing. ``code`` keys ``REFUSAL_MESSAGES``."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params

    def message_params(self, name: str) -> dict[str, Any]:
        return {"name": sanitize_filename(name), **self.params}

    def __repr__(self) -> str:
        return f"UnsafeFile({self.code!r}, {self.params!r})"


REFUSAL_MESSAGES: dict[str, str] = {
    "empty": gettext_noop("The file %(name)s is empty."),
    "too_large": gettext_noop(
        "The file %(name)s is larger than %(limit)s, which is the most we accept."
    ),
    "unsupported_type": gettext_noop(
        "The file %(name)s is not a type we accept. Send Excel (.xlsx, .xls), "
        "OpenDocument (.ods), text (.txt, .csv) or PDF."
    ),
    "content_mismatch": gettext_noop(
        "The file %(name)s is named as %(expected)s but its content is %(actual)s, "
        "so we cannot accept it."
    ),
    "html": gettext_noop(
        "The file %(name)s is a web page, not a deduction list. Export the list from the "
        "payroll system as Excel or text instead."
    ),
    "binary_text": gettext_noop(
        "The file %(name)s is named as a text file but contains binary data."
    ),
    "corrupt": gettext_noop("The file %(name)s is damaged or incomplete and cannot be read."),
    "zip_too_many_entries": gettext_noop(
        "The file %(name)s contains too many internal parts to be a deduction list."
    ),
    "zip_too_large": gettext_noop(
        "The file %(name)s unpacks to more data than we accept (it may be a zip bomb)."
    ),
    "zip_ratio": gettext_noop(
        "The file %(name)s is compressed so extremely that it may be a zip bomb, so we do not "
        "open it."
    ),
    "sheet_too_large": gettext_noop(
        "A sheet in the file %(name)s declares more rows or columns than a deduction list can have."
    ),
    "xml_dtd": gettext_noop(
        "The file %(name)s contains XML declarations (DTD or entities) that we do not accept "
        "for security reasons."
    ),
    "macro": gettext_noop(
        "The file %(name)s contains macros. Save it as an ordinary workbook (.xlsx) without "
        "macros and send it again."
    ),
    "encrypted": gettext_noop(
        "The file %(name)s is protected with a password. Remove the password, save it and "
        "send it again."
    ),
    "pdf_active_content": gettext_noop(
        "The file %(name)s contains scripts, actions that start programs, forms or embedded "
        "files. We only accept plain PDF documents."
    ),
    "pdf_too_complex": gettext_noop(
        "The file %(name)s unpacks to more data than we accept in a PDF document."
    ),
}

# Sniffed content names used in the content_mismatch message (English; translated as msgids).
CONTENT_NAMES: dict[str, str] = {
    "xlsx": gettext_noop("an Excel workbook"),
    "xls": gettext_noop("an Excel workbook"),
    "ods": gettext_noop("an OpenDocument spreadsheet"),
    "csv": gettext_noop("text"),
    "txt": gettext_noop("text"),
    "pdf": gettext_noop("a PDF document"),
    "zip": gettext_noop("a zip archive"),
    "exe": gettext_noop("a program"),
    "image": gettext_noop("an image"),
    "archive": gettext_noop("a compressed archive"),
    "ole": gettext_noop("an Office document of another kind"),
    "binary": gettext_noop("unknown binary data"),
}

_EXTENSIONS = {
    ".xlsx": FileKind.XLSX,
    ".xlsm": FileKind.XLSX,  # refused below when it really has macros
    ".xls": FileKind.XLS,
    ".ods": FileKind.ODS,
    ".csv": FileKind.CSV,
    ".txt": FileKind.TXT,
    ".prn": FileKind.TXT,  # fixed-width "print" exports
    ".tsv": FileKind.CSV,
    ".pdf": FileKind.PDF,
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "exe"),
    (b"\x7fELF", "exe"),
    (b"\xcf\xfa\xed\xfe", "exe"),
    (b"\xca\xfe\xba\xbe", "exe"),
    (b"#!", "exe"),
    (b"\x89PNG", "image"),
    (b"GIF8", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"\x1f\x8b", "archive"),
    (b"7z\xbc\xaf", "archive"),
    (b"Rar!", "archive"),
    (b"BZh", "archive"),
    (b"\xfd7zXZ", "archive"),
)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|table|meta|script|div|\?xml"
    rb"|\?mso-application)",
    re.IGNORECASE | re.DOTALL,
)
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{1,3})?(\d+)?:?([A-Za-z]{1,3})?(\d+)?\""
)
_ENTITY = re.compile(rb"<!(?:ENTITY|DOCTYPE)", re.IGNORECASE)
_ENTITY_UTF16 = re.compile(
    b"|".join(
        re.escape(s.encode(enc))
        for s in ("<!ENTITY", "<!DOCTYPE", "<!entity", "<!doctype")
        for enc in ("utf-16-le", "utf-16-be")
    )
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def read_upload(
    data_or_path: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO | IO[bytes],
    *,
    max_bytes: int | None = None,
) -> bytes:
    """The file's bytes from bytes, a path or a binary file object (read at most max_bytes+1)."""
    limit = -1 if max_bytes is None else max_bytes + 1
    if isinstance(data_or_path, bytes):
        return data_or_path
    if isinstance(data_or_path, bytearray | memoryview):
        return bytes(data_or_path)
    if isinstance(data_or_path, str | os.PathLike):
        with open(data_or_path, "rb") as fh:
            return fh.read(limit)
    if hasattr(data_or_path, "seek"):
        data_or_path.seek(0)
    data = data_or_path.read(limit)
    if hasattr(data_or_path, "seek"):
        data_or_path.seek(0)
    return data


def extension_kind(name: str) -> FileKind | None:
    _, ext = os.path.splitext(sanitize_filename(name).lower())
    return _EXTENSIONS.get(ext)


def inspect_file(
    name: str,
    data_or_path: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> FileKind:
    """What the file really is, or ``UnsafeFile`` explaining why it is refused."""
    data = read_upload(data_or_path, max_bytes=limits.max_bytes)
    if not data:
        raise UnsafeFile("empty")
    if len(data) > limits.max_bytes:
        from trekkportal.lib.sizes import format_size  # Django's number format: not in the child

        raise UnsafeFile("too_large", limit=format_size(limits.max_bytes))
    claimed = extension_kind(name)
    if claimed is None:
        raise UnsafeFile("unsupported_type")
    actual = _sniff(data)

    if actual == "zip":
        try:
            kind = _inspect_zip(data, limits)
        except UnsafeFile:
            raise
        except Exception as exc:  # any other way a damaged zip can fail: refuse it
            raise UnsafeFile("corrupt") from exc
        return _agree(claimed, kind)
    if actual == "ole":
        return _agree(claimed, _inspect_ole(data))
    if actual == "pdf":
        return _agree(claimed, FileKind.PDF)
    if actual == "html":
        raise UnsafeFile("html")
    if actual == "text":
        if claimed is FileKind.XLS:
            return FileKind.CSV  # an ".xls" that is really delimited text: read as text
        if claimed.is_text:
            return claimed
        raise UnsafeFile("content_mismatch", expected=claimed.value, actual=CONTENT_NAMES["txt"])
    if claimed.is_text and actual == "binary":
        raise UnsafeFile("binary_text")
    raise UnsafeFile("content_mismatch", expected=claimed.value, actual=CONTENT_NAMES[actual])


def _agree(claimed: FileKind, actual: FileKind) -> FileKind:
    """Within a family the content decides; across families the file is refused."""
    if claimed is actual or (claimed.is_spreadsheet and actual.is_spreadsheet):
        return actual
    raise UnsafeFile("content_mismatch", expected=claimed.value, actual=CONTENT_NAMES[actual])


def _sniff(data: bytes) -> str:
    head = data[:4096]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, what in _BINARY_MAGICS:
        if head.startswith(magic):
            return what
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with BOM
    if _looks_utf16_without_bom(head):
        return "text"
    stripped = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(stripped):
        return "html"
    # A few stray NULs are tolerated (the parser drops them); NUL-heavy means binary.
    if head.count(b"\x00") > max(4, len(head) // 100):
        return "binary"
    control = sum(1 for b in head if 0 < b < 9 or (13 < b < 32 and b not in (26, 27)))
    if control > max(4, len(head) // 50):
        return "binary"
    return "text"


def _looks_utf16_without_bom(head: bytes) -> bool:
    sample = head[:512]
    if len(sample) < 4:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    return (odd_nuls > half * 0.7 and even_nuls < half * 0.1) or (
        even_nuls > half * 0.7 and odd_nuls < half * 0.1
    )


# --- zip containers (xlsx, ods) --------------------------------------------------------


def _inspect_zip(data: bytes, limits: Limits) -> FileKind:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UnsafeFile("corrupt") from exc
    if len(infos) > limits.max_entries:
        raise UnsafeFile("zip_too_many_entries")
    names = {info.filename for info in infos}
    lower = {n.lower() for n in names}
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeFile("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFile("corrupt")
        total += info.file_size
        if total > limits.max_uncompressed:
            raise UnsafeFile("zip_too_large")
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise UnsafeFile("zip_ratio")
    if any(n.endswith("vbaproject.bin") or n.endswith("vbadata.xml") for n in lower):
        raise UnsafeFile("macro")

    if "[content_types].xml" in lower and any(n.startswith("xl/workbook") for n in lower):
        kind = FileKind.XLSX
        content_types = _read_head(zf, _find(names, "[Content_Types].xml"), limits)
        if b"macroEnabled" in content_types:
            raise UnsafeFile("macro")
    elif "mimetype" in names and "content.xml" in names:
        mimetype = _read_head(zf, "mimetype", limits).strip()
        if mimetype != _ODS_MIMETYPE:
            raise UnsafeFile("content_mismatch", expected="ods", actual=CONTENT_NAMES["ole"])
        if any(
            n.startswith("basic/")
            and n.count("/") >= 2
            and not n.endswith("-lb.xml")
            and not n.endswith("-lc.xml")
            for n in lower
        ):
            raise UnsafeFile("macro")
        kind = FileKind.ODS
    else:
        raise UnsafeFile("content_mismatch", expected="xlsx", actual=CONTENT_NAMES["zip"])

    for info in infos:
        lname = info.filename.lower()
        if info.is_dir() or not (lname.endswith(_XML_SUFFIXES) or lname == "[content_types].xml"):
            continue
        head = _read_head(zf, info.filename, limits)
        if _has_dtd(head):
            raise UnsafeFile("xml_dtd")
        if kind is FileKind.XLSX and lname.startswith("xl/worksheets/"):
            _check_dimension(head, limits)
    return kind


def _find(names: set[str], wanted: str) -> str:
    return next(n for n in names if n.lower() == wanted.lower())


def _read_head(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    try:
        with zf.open(name) as fh:
            return fh.read(limits.prolog_bytes)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise UnsafeFile("corrupt") from exc
    except RuntimeError as exc:  # "File is encrypted, password required"
        raise UnsafeFile("encrypted") from exc


def _has_dtd(head: bytes) -> bool:
    """True when an XML part declares a DTD or entities (or hides its prolog too deep)."""
    if _ENTITY.search(head) or _ENTITY_UTF16.search(head):
        return True
    text = _decode_prolog(head)
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if pos >= end:
            # The whole head is prolog: a short part is fine, a long one hides something.
            return len(head) >= 1024
        if text.startswith("<?", pos):
            close = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            close = text.find("-->", pos)
        else:
            # "<!" is a DTD; anything else is the root element (or not XML: the parser says).
            return text.startswith("<!", pos)
        if close < 0:
            return True
        pos = close + 2


def _decode_prolog(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16_without_bom(head):
        enc = "utf-16-be" if head.startswith(b"\xfe\xff") or head[:1] == b"\x00" else "utf-16-le"
        return head.decode(enc, errors="replace")
    return head.decode("latin-1")


def _col_number(letters: bytes | None) -> int:
    n = 0
    for ch in (letters or b"A").upper():
        n = n * 26 + (ch - 64)
    return n


def _check_dimension(head: bytes, limits: Limits) -> None:
    match = _DIMENSION.search(head)
    if not match:
        return
    c1, r1, c2, r2 = match.groups()
    rows = int(r2 or r1 or 1)
    cols = _col_number(c2 or c1)
    if rows > limits.max_rows or rows * cols > limits.max_cells:
        raise UnsafeFile("sheet_too_large")


# --- OLE2 compound files (xls, encrypted OOXML) ------------------------------------------


def _inspect_ole(data: bytes) -> FileKind:
    names = _ole_stream_names(data)
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise UnsafeFile("encrypted")
    if "_VBA_PROJECT_CUR" in names or "VBA" in names or "_VBA_PROJECT" in names:
        raise UnsafeFile("macro")
    if "Workbook" in names or "Book" in names:
        return FileKind.XLS
    raise UnsafeFile("content_mismatch", expected="xls", actual=CONTENT_NAMES["ole"])


def _ole_stream_names(data: bytes) -> set[str]:
    """The names of the streams and storages in a compound file (MS-CFB), read by olefile
    (from memory: never a path). Anything it cannot read is a damaged file."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            entries = ole.listdir(streams=True, storages=True)
    except Exception as exc:  # a hostile file must be refused, whatever olefile trips on
        raise UnsafeFile("corrupt") from exc
    return {part for path in entries for part in path}


# --- PDF documents ----------------------------------------------------------------------

# Names that make a PDF do something when it is opened or clicked, or carry other files:
# scripts, program launches, form submission/import, rich media, embedded files, XFA forms.
_PDF_ACTIVE_NAMES = frozenset(
    {
        b"javascript",
        b"js",
        b"launch",
        b"submitform",
        b"importdata",
        b"richmedia",
        b"embeddedfile",
        b"embeddedfiles",
        b"xfa",
    }
)
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PDF_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")
_PDF_ENCRYPT = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")
PDF_MAX_INFLATED = 64 * 1024 * 1024  # all of a PDF's compressed streams, inflated


def inspect_pdf_content(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a PDF with active content (docs/security.md, E14) or one that is encrypted.

    For PDFs the portal serves to others (letters), after ``inspect_file``. Deduction lists
    do not go through it: a list is the legal record, read as text in the parser's sandbox
    and never shown to another company, so a list with a script is stored and parsed (the
    script never runs) rather than refused.

    The names are looked for in the file as written and inside its compressed streams
    (object streams hide dictionaries there), with ``#xx`` escapes in names undone (a
    ``/Java#53cript`` is a ``/JavaScript``). Inflating stops at ``PDF_MAX_INFLATED`` bytes
    in total, so a decompression bomb is refused rather than unpacked.
    """
    if _PDF_ENCRYPT.search(data):
        raise UnsafeFile("encrypted")
    _refuse_active_names(data)
    budget = min(PDF_MAX_INFLATED, limits.max_uncompressed)
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        before = data[max(0, match.start() - 512) : match.start()]
        if not _PDF_FLATE.search(before[max(before.rfind(b"<<"), 0) :]):
            continue
        end = data.find(b"endstream", start)
        raw = data[start : end if end >= 0 else len(data)]
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(raw, budget + 1)
        except zlib.error:
            continue  # a damaged stream is the reader's problem, not an action
        budget -= len(inflated)
        if budget < 0 or inflater.unconsumed_tail:
            raise UnsafeFile("pdf_too_complex")
        _refuse_active_names(inflated)


def _refuse_active_names(chunk: bytes) -> None:
    for match in _PDF_NAME.finditer(chunk):
        name = match.group(1)
        if b"#" in name:
            name = _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name.lower() in _PDF_ACTIVE_NAMES:
            raise UnsafeFile("pdf_active_content")


# --- names and exports -------------------------------------------------------------------

_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9]|clock\$)(\..*)?$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def sanitize_filename(name: str, *, max_length: int = 100) -> str:
    """A file name safe to show or send: no path, control or bidi characters, bounded length.

    For display only; files are always stored under generated names.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters (CR, LF, NUL); Cf: format characters (bidi overrides, ZWJ...).
    name = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cf", "Co", "Cs", "Cn")
    )
    name = _SPACES.sub(" ", name).strip(" .")
    name = mask_nins_in_text(name)  # "Trekk 14037523586.xlsx": shown to staff and in mail
    if _RESERVED.match(name):
        name = "_" + name
    if not name:
        return "file"
    if len(name) > max_length:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: max_length - len(ext) - 1].rstrip(" .") + "…" + ext
    return name


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_cell(value: Any) -> Any:
    """Make a cell value safe for a CSV/XLSX export (OWASP CSV injection).

    Text that a spreadsheet would run as a formula is prefixed with an apostrophe; numbers,
    dates and other values pass through unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
