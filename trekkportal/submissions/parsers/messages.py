"""English msgids for every parse error and failure; the Django layer translates them.

Row errors take ``%(...)s`` params from ``RowError.params``; failures also get ``%(name)s``
(the sanitised file name). No message ever contains a full identity number: params carry
``mask_nin`` output only, and ``render`` masks anything else shaped like one that a quoted
cell brings in (``lib.identity.mask_nins_in_text``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trekkportal.lib.filesafety import REFUSAL_MESSAGES, gettext_noop
from trekkportal.lib.identity import mask_nins_in_text

ERROR_MESSAGES: dict[str, str] = {
    # Rows
    "nin_missing": gettext_noop("The national identity number is missing."),
    "nin_length": gettext_noop("The national identity number %(masked)s does not have 11 digits."),
    "nin_not_digits": gettext_noop(
        "The national identity number %(masked)s contains characters other than digits."
    ),
    "nin_checksum": gettext_noop(
        "The national identity number %(masked)s is not valid (wrong check digits)."
    ),
    "nin_date": gettext_noop(
        "The national identity number %(masked)s does not start with a valid date."
    ),
    "nin_birth_date_mismatch": gettext_noop(
        "The birth date does not match the national identity number %(masked)s."
    ),
    "duplicate": gettext_noop("This person is already listed in row %(first_row)s."),
    "amount_missing": gettext_noop("The amount is missing."),
    "amount_invalid": gettext_noop("The amount %(value)s is not a number."),
    "amount_zero": gettext_noop("The amount is zero."),
    "amount_too_large": gettext_noop(
        "The amount is larger than anyone pays in dues for a month. Is this the right column?"
    ),
    "base_too_large": gettext_noop(
        "The base amount is larger than anyone's pay for a month. Is this the right column?"
    ),
    "amount_negative": gettext_noop("The amount %(value)s is negative."),
    "split_mismatch": gettext_noop(
        "The union and club amounts do not add up to the amount %(value)s."
    ),
    "date_invalid": gettext_noop("The date %(value)s is not a valid date."),
    "birth_date_future": gettext_noop("The birth date %(value)s is in the future."),
    "period_invalid": gettext_noop("The period %(value)s is not a month we understand."),
    "name_missing": gettext_noop(
        "The name is missing, and without a national identity number we need the name and "
        "the birth date."
    ),
    "birth_date_missing": gettext_noop(
        "The birth date is missing, and without a national identity number we need the name "
        "and the birth date."
    ),
    # The whole file
    "no_table": gettext_noop("We found no rows in the file."),
    "no_header": gettext_noop(
        "We found no header row naming the columns (for example Fødselsnummer, Navn and "
        "Trekk) in the first %(rows)s rows."
    ),
    "missing_columns": gettext_noop(
        "The list has no column for %(columns)s. Use the template or name the columns as in it."
    ),
    "too_many_rows": gettext_noop(
        "The list has more than %(limit)s rows, which is more than we read. Split it into "
        "smaller files."
    ),
    "line_too_long": gettext_noop(
        "Line %(row)s of the file is too long to be part of a deduction list."
    ),
    "total_mismatch": gettext_noop(
        "The total in the file (%(declared)s) differs from the sum of its lines (%(computed)s)."
    ),
    # Failures (the file could not be read at all)
    "corrupt": REFUSAL_MESSAGES["corrupt"],
    "encrypted": REFUSAL_MESSAGES["encrypted"],
    "encoding": gettext_noop(
        "The file %(name)s is not text in an encoding we can read. Save it as UTF-8 or "
        "Windows (ANSI) text and send it again."
    ),
    "pdf_no_text": gettext_noop(
        "The file %(name)s is a scanned PDF without text, so we cannot read it. It is "
        "stored, and the union's staff will handle it."
    ),
    "pdf_too_many_pages": gettext_noop(
        "The file %(name)s has more than %(limit)s pages, which is more than we read. The "
        "union's staff will handle it."
    ),
    "timeout": gettext_noop(
        "Reading the file %(name)s took too long, so we stopped. It is stored, and the "
        "union's staff will handle it."
    ),
    "memory": gettext_noop(
        "Reading the file %(name)s needed too much memory, so we stopped. It is stored, and "
        "the union's staff will handle it."
    ),
    "crashed": gettext_noop(
        "The file %(name)s made our reader fail. It is stored, and the union's staff will "
        "handle it."
    ),
}
for _code, _message in REFUSAL_MESSAGES.items():
    ERROR_MESSAGES.setdefault(_code, _message)

# Field names as shown in "missing_columns" (the Norwegian template headers are the
# msgstr of these msgids).
FIELD_LABELS: dict[str, str] = {
    "nin": gettext_noop("national identity number"),
    "birth_date": gettext_noop("birth date"),
    "name": gettext_noop("name"),
    "amount": gettext_noop("amount deducted"),
}


def render(code: str, params: dict[str, Any], translate: Callable[[str], str] | None = None) -> str:
    """The message for a code, translated by ``translate`` (Django's gettext) if given."""
    translate = translate or (lambda s: s)
    template = translate(ERROR_MESSAGES.get(code, ERROR_MESSAGES["corrupt"]))
    values = dict(params)
    if code == "missing_columns":
        values["columns"] = ", ".join(translate(FIELD_LABELS.get(c, c)) for c in params["fields"])
    values.setdefault("name", "")
    try:
        text = template % values
    except (KeyError, ValueError, TypeError):
        text = template
    # A quoted cell may hold an identity number in any column (a fødselsnummer in the date
    # column, an amount "14 037 523 586,00"): whatever is shaped like one is masked.
    return mask_nins_in_text(text)
