"""Pure deduction-list parsers: file -> ParsedList. No Django imports.

    from trekkportal.submissions.parsers import parse, parse_safely

    result = parse_safely(path, original_name, timeout_s=60, memory_mb=600)
    if isinstance(result, ParseFailure): ...   # result.code, result.message(name, gettext)
    else: ...                                  # result.lines, result.errors, result.totals

``parse`` runs in-process (trusted input, tests); ``parse_safely`` runs the file-safety
checks and the parser in a child process with memory and time limits.
"""

from trekkportal.submissions.parsers.core import parse
from trekkportal.submissions.parsers.messages import ERROR_MESSAGES, render
from trekkportal.submissions.parsers.model import (
    Line,
    ParsedList,
    ParseError,
    ParseFailure,
    RowError,
    Totals,
)
from trekkportal.submissions.parsers.sandbox import parse_safely

__all__ = [
    "ERROR_MESSAGES",
    "Line",
    "ParseError",
    "ParseFailure",
    "ParsedList",
    "RowError",
    "Totals",
    "parse",
    "parse_safely",
    "render",
]
