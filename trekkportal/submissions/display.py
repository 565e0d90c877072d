"""How submissions are shown: sizes (``lib.sizes``), and parse problems in the reader's language."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .parsers.model import RowError


# Parser params that hold an amount ("12345.50"), shown in the reader's number format.
AMOUNT_PARAMS = {
    "amount_negative": ("value",),
    "split_mismatch": ("value",),
    "total_mismatch": ("declared", "computed"),
}


def issue_message(error: RowError) -> str:
    """A parse error in the active language, amounts in its number format (``1 234,50``).

    The parser's params never hold a full identity number (it masks them)."""
    from .parsers import render

    params = dict(error.params)
    for name in AMOUNT_PARAMS.get(error.code, ()):
        with contextlib.suppress(KeyError, ArithmeticError, TypeError, ValueError):
            params[name] = number_format(Decimal(params[name]), 2, force_grouping=True)
    return render(error.code, params, _)
