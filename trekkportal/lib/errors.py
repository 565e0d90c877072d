"""An error as it may be stored or logged: without personal data."""

from __future__ import annotations

from trekkportal.audit.logging import mask_identity_numbers


def safe_error(exc: BaseException) -> str:
    """The error for a job or mail row and the log: type and message, any identity number
    masked (a parser error must not carry one into the admin or the logs). Only the first
    line: PostgreSQL puts the row's values on the next ones ("DETAIL: Failing row contains
    (…, 'Ola Nordmann', …)"), and a name cannot be recognised to be masked."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return mask_identity_numbers(text)[:2000]
