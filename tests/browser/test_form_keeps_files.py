"""The form checks period, e-mail, count, size and type before uploading anything, and a
problem never drops the chosen files. In a real browser, axe on the page."""

from __future__ import annotations

import pytest

from tests.fixtures import PASSWORD
from trekkportal.submissions.models import Submission

from .axe import assert_accessible
from .test_submission_journey import add_file, log_in

pytestmark = pytest.mark.browser

CSV = "Fødselsnummer;Navn;Trekk\r\n15018012345;Test, Ola;630,00\r\n".encode("cp1252")


def test_problems_are_said_before_uploading_and_the_files_stay_chosen(page, employer_a, settings):
    settings.SUBMISSION_MAX_FILE_SIZE = 1024 * 1024  # a small limit: a small "too large" file
    log_in(page, employer_a.email)
    page.get_by_role("link", name="Innsending").click()
    add_file(page, "oktober.csv", CSV, "text/csv")
    add_file(page, "stor.xlsx", b"\0" * (1024 * 1024 + 1), "application/octet-stream")
    page.get_by_role("button", name="Send inn").click()

    errors = page.locator("#client-errors")
    errors.get_by_text("Ingenting er sendt ennå").wait_for()
    assert "Velg måneden listen gjelder." in errors.inner_text()
    assert "Filen stor.xlsx er større enn 1 MB" in errors.inner_text()
    files = page.get_by_role("list", name="Filer som sendes")
    assert "oktober.csv" in files.inner_text() and "stor.xlsx" in files.inner_text()
    assert not Submission.objects.exists()
    assert_accessible(page)

    page.get_by_role("button", name="Fjern stor.xlsx").click()
    page.get_by_label("Periode").select_option(index=1)
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()
    assert Submission.objects.get().files.get().original_name == "oktober.csv"


def test_the_session_ends_while_the_form_is_open_and_nothing_but_the_files_is_lost(
    page, employer_a, settings
):
    """A short session: the dialog says it has ended; sending anyway keeps the form, the
    login page explains, and after logging in the form is back with the files named."""
    settings.SESSION_IDLE_TIMEOUT = 15
    settings.SESSION_WARNING_SECONDS = 1
    log_in(page, employer_a.email)
    page.get_by_role("link", name="Innsending").click()
    add_file(page, "oktober.csv", CSV, "text/csv")
    page.get_by_label("Periode").select_option(index=1)
    chosen = page.get_by_label("Periode").input_value()
    page.get_by_label("Merknad").fill("Sendes etter pausen")

    ended = page.get_by_role("alertdialog", name="Du er logget ut")
    ended.wait_for(timeout=30_000)
    assert_accessible(page)
    ended.get_by_role("button", name="Lukk").click()
    page.get_by_role("button", name="Send inn").click()

    page.wait_for_url("**/logg-inn/**")
    assert "Du ble logget ut fordi du var inaktiv" in page.locator("main").inner_text()
    assert not Submission.objects.exists()
    page.get_by_label("E-post").fill(employer_a.email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/innsending/")
    assert page.get_by_label("Periode").input_value() == chosen
    assert page.get_by_label("Merknad").input_value() == "Sendes etter pausen"
    assert "filen må legges til på nytt: oktober.csv" in page.locator("main").inner_text()
    assert_accessible(page)
