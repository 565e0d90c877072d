"""The downloadable list template ("Last ned mal"): an xlsx our parser reads perfectly.

A pure function returning bytes. The data sheet comes first with the recommended columns
(Norwegian headers, the identity-number and period columns formatted as text so Excel
keeps leading zeros, amounts as numbers with two decimals); a second sheet explains them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from trekkportal.lib.xlsx import MONEY, TEXT, write_xlsx

FILENAME = "trekkliste-mal.xlsx"

COLUMNS: tuple[tuple[str, int | None, float], ...] = (
    # header, cell style, column width
    ("Fødselsnummer", TEXT, 16),
    ("Etternavn", TEXT, 22),
    ("Fornavn", TEXT, 22),
    ("Ansattnr", TEXT, 11),
    ("Medlemsnr", TEXT, 11),
    ("Grunnlag", MONEY, 13),
    ("Trekk", MONEY, 11),
    ("Periode", TEXT, 10),
)

GUIDE = (
    "Slik fyller du ut trekklisten",
    "",
    "Én rad for hver ansatt som er trukket kontingent, under overskriftene i arket "
    "«Trekkliste». Ikke endre overskriftene.",
    "Fødselsnummer: 11 siffer. Kolonnen er formatert som tekst, så en ledende null beholdes. "
    "D-nummer går også.",
    "Etternavn og Fornavn: som i lønnssystemet.",
    "Ansattnr og Medlemsnr: valgfrie, men gjør det lettere å finne riktig person.",
    "Grunnlag: lønnen trekket er beregnet av, i kroner (valgfritt).",
    "Trekk: beløpet som er trukket denne måneden, i kroner, for eksempel 612,50.",
    "Periode: måneden trekket gjelder, for eksempel 10.2026 (valgfritt; ellers gjelder "
    "måneden du velger når du sender inn).",
    "Ikke slå sammen celler, og ikke legg til summeringsrader eller tomme kolonner.",
    "Lagre som Excel-arbeidsbok (.xlsx) uten makroer og uten passord.",
)


def list_template(rows: Iterable[Sequence[Any]] = ()) -> bytes:
    """The template as xlsx bytes; ``rows`` fills it in (tests, demo data)."""
    data = [tuple(header for header, _, _ in COLUMNS), *rows]
    return write_xlsx(
        [("Trekkliste", data), ("Veiledning", [(line,) for line in GUIDE])],
        column_styles=[style for _, style, _ in COLUMNS],
        widths=[width for _, _, width in COLUMNS],
    )
