"""An employer sends a deduction list and finds it in the history, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.fixtures import PASSWORD
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import Submission
from trekkportal.submissions.tests.files import CSV, xlsx

from .axe import assert_accessible

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto("/")
    assert_accessible(page)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    if "taushetserklaering" in page.url or page.get_by_text("Taushetserklæring").count():
        assert_accessible(page)
        page.get_by_label("Jeg har gjort meg kjent med").check()
        page.get_by_role("button", name="Ok").click()


def add_file(page, name: str, data: bytes, mime: str) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Legg til").click()
    chooser.value.set_files({"name": name, "mimeType": mime, "buffer": data})


def logged_in_without_javascript(browser, live_server, user):
    """A browser context with JavaScript off, logged in by a session cookie (the login
    page is tested with JavaScript): (context, page). Close the context when done."""
    from django.conf import settings
    from django.test import Client

    from tests.fixtures import log_in_client

    session = log_in_client(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=live_server.url, locale="nb-NO", java_script_enabled=False
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_an_employer_sends_a_list_and_sees_it_in_the_history(
    page, employer_a, company_a, company_c
):
    today = timezone.localdate()
    period = Period.of(today).previous()
    log_in(page, employer_a.email)
    page.get_by_role("link", name="Innsending").click()
    page.get_by_role("heading", name="Send inn trekkliste").wait_for()
    assert page.get_by_label("E-post vi kan kontakte dere på").input_value() == employer_a.email
    assert_accessible(page)

    page.get_by_label("Periode").select_option(label=period.long_name("nb"))
    add_file(page, "oktober.xlsx", xlsx(), "application/vnd.ms-excel")
    add_file(page, "feil-fil.csv", CSV, "text/csv")
    add_file(page, "tillegg.csv", CSV, "text/csv")
    files = page.get_by_role("list", name="Filer som sendes")
    assert files.get_by_role("listitem").count() == 3
    files.get_by_role("button", name="Fjern feil-fil.csv").click()
    assert files.get_by_role("listitem").count() == 2
    assert_accessible(page)
    page.get_by_label("Merknad").fill("Tillegg for overtid i egen fil.")
    page.get_by_role("button", name="Send inn").click()

    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()
    assert re.search(r"/innsending/\d+/kvittering/$", page.url)
    receipt = page.locator("main")
    assert f"{period.long_name('nb')} ({period.mmyy})" in receipt.inner_text()
    assert "oktober.xlsx" in receipt.inner_text()
    assert "tillegg.csv" in receipt.inner_text()
    assert "feil-fil.csv" not in receipt.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Innsendte lister det siste året").first.click()
    page.get_by_role("heading", name="Innsendte lister det siste året").wait_for()
    row = page.get_by_role("row").filter(has_text="oktober.xlsx")
    cells = row.get_by_role("cell")
    assert cells.nth(0).inner_text() == today.strftime("%d.%m.%Y")
    assert cells.nth(1).inner_text() == period.mmyy
    assert "Tillegg for overtid" in row.inner_text()
    assert_accessible(page)

    submission = Submission.objects.get()
    assert submission.company == company_a
    assert submission.comment == "Tillegg for overtid i egen fil."
    assert [f.original_name for f in submission.files.all()] == ["oktober.xlsx", "tillegg.csv"]


def test_errors_are_announced_and_the_form_still_works(page, employer_a, company_a, company_c):
    log_in(page, employer_a.email)
    page.goto("/innsending/")
    page.get_by_label("Merknad").fill("En merknad uten fil.")
    page.get_by_role("button", name="Send inn").click()
    alert = page.get_by_role("alert").first
    alert.wait_for()
    # Said before anything is uploaded (the server says the same without JavaScript).
    assert "Ingenting er sendt ennå" in alert.inner_text()
    assert "Merknaden hører til" in page.locator("main").inner_text()
    assert_accessible(page)
    assert not Submission.objects.exists()

    page.get_by_label("Periode").select_option(index=1)
    add_file(page, "liste.csv", CSV, "text/csv")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()
    assert Submission.objects.get().comment == "En merknad uten fil."


def test_without_javascript_the_plain_form_sends_several_files(
    browser, live_server, employer_a, company_a, company_c
):
    """axe needs JavaScript, so this test logs in with a session cookie and checks no page
    with axe: the same pages are checked with JavaScript in the tests above."""
    context, page = logged_in_without_javascript(browser, live_server, employer_a)
    try:
        page.goto("/innsending/")
        assert page.get_by_role("button", name="Legg til").count() == 0  # the script adds it
        page.get_by_label("Periode").select_option(index=2)
        page.get_by_label("Trekkliste").set_input_files(
            [
                {"name": "del1.csv", "mimeType": "text/csv", "buffer": CSV},
                {"name": "del2.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx()},
            ]
        )
        page.get_by_label("Merknad").fill("Uten JavaScript.")
        page.get_by_role("button", name="Send inn").click()
        page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()
    finally:
        context.close()
    submission = Submission.objects.get()
    assert submission.comment == "Uten JavaScript."
    assert [f.original_name for f in submission.files.all()] == ["del1.csv", "del2.xlsx"]
