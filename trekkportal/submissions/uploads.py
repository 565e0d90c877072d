"""Upload checks: what a file must pass before anything is stored (docs/security.md E).

The checks themselves live in ``trekkportal.lib.filesafety`` (pure, shared with the
parser): the content decides what a file is (magic bytes, zip directory of xlsx/ods, OLE2
streams of xls), macro-enabled and encrypted workbooks are refused, zip containers must
stay within sane limits, and web pages or programs under a list's name are refused; empty
and too large files too, with the one wording of ``filesafety.REFUSAL_MESSAGES``. This
module adds the portal's settings (size limit, PDF acceptance) and turns a refusal into a
sentence in the user's language that names the file.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.lib import filesafety

PDF_REFUSED = _("The file %(name)s is a PDF. Send the list as Excel or text.")


class UploadRefused(Exception):
    """A file that must not be stored. ``reason`` is a sentence with ``%(name)s``."""

    def __init__(self, reason, **params):
        super().__init__(str(reason))
        self.reason = reason
        self.params = params

    def message(self, name: str) -> str:
        return str(self.reason) % {"name": sanitize_filename(name), **self.params}


def sanitize_filename(name: str) -> str:
    """A file name safe to show, store in the database and put in an e-mail (E12)."""
    return filesafety.sanitize_filename(name, max_length=200)


def inspect_upload(name: str, fileobj: IO[bytes]) -> str:
    """The file's kind (``xlsx``, ``xls``, ``ods``, ``csv``, ``txt``, ``pdf``: what its
    content is), or UploadRefused."""
    limits = filesafety.Limits(max_bytes=settings.SUBMISSION_MAX_FILE_SIZE)
    try:
        kind = str(filesafety.inspect_file(name, fileobj, limits=limits))
    except filesafety.UnsafeFile as refusal:
        params = {
            key: gettext(value) if key == "actual" else value
            for key, value in refusal.params.items()
        }
        raise UploadRefused(gettext(filesafety.REFUSAL_MESSAGES[refusal.code]), **params) from None
    finally:
        fileobj.seek(0)
    if kind == "pdf" and not settings.SUBMISSION_ACCEPT_PDF:
        raise UploadRefused(PDF_REFUSED)
    return kind
