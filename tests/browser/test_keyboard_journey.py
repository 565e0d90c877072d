"""The whole employer journey with the keyboard alone: log in, accept the NDA, send a
list with a comment, read the receipt, find it in the history, log out."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.fixtures import PASSWORD
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import Submission
from trekkportal.submissions.tests.files import CSV

from .axe import assert_accessible

pytestmark = pytest.mark.browser


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, limit: int = 40) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def open_file_chooser_with(page, key: str):
    """Press ``key`` on the focused button and return the file chooser it opens.

    Headless Chromium now and then drops a file chooser asked for right after the page's
    previous one in the same browser (in CI, three presses in a row once); another press
    opens it, as for a person.
    """
    for _attempt in range(5):
        try:
            with page.expect_file_chooser(timeout=3000) as chooser:
                page.keyboard.press(key)
            return chooser.value
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"{key} on the focused button never opened a file chooser")


def test_an_employer_does_everything_with_the_keyboard(page, employer_b, company_b):
    period = Period.of(timezone.localdate()).previous()

    page.goto("/")
    tab_to(page, page.get_by_label("E-post"))
    page.keyboard.type(employer_b.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Taushetserklæring").wait_for()
    assert_accessible(page)
    tab_to(page, page.get_by_label("Jeg har gjort meg kjent med"))
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Send inn trekkliste").wait_for()
    tab_to(page, page.get_by_label("Periode"))
    # A closed select changes with the arrow keys: step down to the wanted month.
    select = page.get_by_label("Periode")
    for _ in range(15):
        if select.evaluate("el => el.options[el.selectedIndex].text") == period.long_name("nb"):
            break
        page.keyboard.press("ArrowDown")
    assert select.evaluate("el => el.options[el.selectedIndex].text") == period.long_name("nb")

    tab_to(page, page.get_by_role("button", name="Legg til"))
    chooser = open_file_chooser_with(page, "Enter")
    chooser.set_files({"name": "liste.csv", "mimeType": "text/csv", "buffer": CSV})
    tab_to(page, page.get_by_label("Merknad"))
    page.keyboard.type("Sendt med tastaturet.")
    tab_to(page, page.get_by_role("button", name="Send inn"))
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()
    assert_accessible(page)
    history = page.get_by_role("link", name="Innsendte lister det siste året").first
    tab_to(page, history)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Innsendte lister det siste året").wait_for()
    assert page.get_by_role("row").filter(has_text="liste.csv").count() == 1
    assert_accessible(page)

    tab_to(page, page.get_by_role("button", name="Logg ut"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/logg-inn/**")

    submission = Submission.objects.get()
    assert (submission.company, submission.period) == (company_b, period.first_day)
    assert submission.comment == "Sendt med tastaturet."
