"""A log formatter for one line per event, in UTC, with newlines and control characters
escaped, so nothing a user typed can forge a log line (docs/security.md F5)."""

from __future__ import annotations

import logging
import time

from trekkportal.lib.identity import mask_nins_in_text


def mask_identity_numbers(text: str) -> str:
    """Keep the date part of anything that looks like an identity number, hide the rest
    (``lib.identity.mask_nins_in_text``: the same rule as for what the portal shows)."""
    return mask_nins_in_text(text)


def escape_line(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0x202A <= ord(ch) <= 0x202E:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


class OneLineUTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        t = self.converter(record.created)
        return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        # Whatever a message or a traceback quotes, no identity number reaches the log.
        return escape_line(mask_identity_numbers(super().format(record)))
