"""The portal cannot tell which column is the amount: the employer says so on the receipt,
the file is read again and the receipt shows the figures; no horizontal overflow, axe
clean, a screenshot of each (written under ``var/screenshots/``, which is not committed).
Every employer page at 1280 and 390 px wide: ``test_phone_layout.py``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin

from .axe import assert_accessible
from .test_submission_journey import add_file, log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ASE = make_valid_nin(dt.date(1980, 5, 17))
KARI = make_valid_nin(dt.date(1990, 2, 8))
UNKNOWN_AMOUNT = (
    f"Fødselsnummer;Navn;Avgift LO\r\n{ASE};Åse Ørn;612,50\r\n{KARI};Kari Nordmann;540,00\r\n"
).encode()


def assert_no_horizontal_overflow(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the window"


def check(page, name: str) -> None:
    width = page.viewport_size["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    assert_no_horizontal_overflow(page)
    assert_accessible(page)


def test_the_employer_maps_an_unknown_amount_column_and_gets_the_figures(page, employer_a):
    log_in(page, employer_a.email)
    page.get_by_role("link", name="Innsending").click()
    page.get_by_label("Periode").select_option(index=1)
    add_file(page, "lonn.csv", UNKNOWN_AMOUNT, "text/csv")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()

    run_pending()  # the worker reads the file: no amount column it knows
    # The receipt notices by itself (no reload by hand) and shows what it found.
    mapping = page.get_by_role("region", name="Hvilken kolonne er hva i lonn.csv?")
    mapping.get_by_text("Listen har ingen kolonne for trukket beløp").wait_for(timeout=20_000)
    assert ASE not in page.content()
    assert ASE[:6] + "*****" in mapping.inner_text()
    check(page, "receipt-mapping")

    mapping.get_by_label("Trukket beløp").select_option(label="C: Avgift LO")
    mapping.get_by_role("button", name="Les filen med disse kolonnene").click()
    page.get_by_text("Vi leser lonn.csv på nytt med kolonnene du valgte.").wait_for()

    run_pending()  # read again with the employer's columns
    page.get_by_role("region", name="Kolonnene du valgte for lonn.csv").wait_for(timeout=20_000)
    files = page.get_by_role("table").first
    assert re.search(r"2 rader lest, totalt 1\s152,50", files.inner_text())
    check(page, "receipt-read")
