"""The one way the portal writes a file size."""

from __future__ import annotations

from django.utils.formats import number_format


def format_size(size: int | None) -> str:
    """A file size as "1,2 MB", "25 MB", "830 kB", "12 B", in the active language's number
    format. The template filter ``filesize``, refusal messages (``lib.filesafety``) and the
    form's script (static/js/submission-upload.js) write the same."""
    if size is None:
        return ""
    if size >= 1024 * 1024:
        megabytes = round(size / (1024 * 1024), 1)
        return f"{number_format(megabytes, 0 if megabytes == int(megabytes) else 1)} MB"
    if size >= 1024:
        return f"{number_format(round(size / 1024), 0)} kB"
    return f"{size} B"
