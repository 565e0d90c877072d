"""Builds the register fixture files (run from the repository root):

    .venv/bin/python -m trekkportal.members.tests.build_fixtures

The files are committed; the tests read them and never rebuild them. Companies are those
of the test personas (tests/fixtures.py: company A 920001009, company B 920002005).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.xlsx import write_xlsx

HERE = Path(__file__).parent / "fixtures"
A, B = "920001009", "920002005"
OLA = make_valid_nin(dt.date(1980, 1, 1))
KARI = make_valid_nin(dt.date(1985, 2, 7))
PER = make_valid_nin(dt.date(1990, 3, 15))


def csv_cp1252() -> bytes:
    """A register export: Windows-1252, semicolons, headers spelt their own way."""
    lines = [
        "Fødselsnr.;Etternavn;Fornavn;Org.nr;Medlemsnummer;Innmeldt;Utmeldt;Trekk;Ansatt fra",
        f"{OLA};Nordmann;Ola;{A};1001;01.01.2020;;ja;2020-01",
        f"{KARI};Øvrebø;Kari Anne;{B};1002;15.03.2021;;1,40 %;03.2021",
        f"{PER};Hansen;Per;{A};1003;01.06.2019;;faktura;",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def xlsx() -> bytes:
    """The same register as a spreadsheet, a title above the header, typed cells."""
    rows = [
        ["Medlemsregister per 01.12.2026"],
        [],
        ["Fødselsnummer", "Navn", "Organisasjonsnummer", "Medlemsnr", "Innmeldt", "Trekk"],
        [OLA, "Nordmann, Ola", int(A), 1001, dt.date(2020, 1, 1), "ja"],
        [KARI, "Øvrebø, Kari Anne", int(B), 1002, dt.date(2021, 3, 15), "1,40 %"],
        [PER, "Hansen, Per", int(A), 1003, dt.date(2019, 6, 1), 612.5],
    ]
    return write_xlsx([("Medlemmer", rows)], header_rows=3, raw=True)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    (HERE / "register-cp1252.csv").write_bytes(csv_cp1252())
    (HERE / "register.xlsx").write_bytes(xlsx())


if __name__ == "__main__":
    main()
