"""A real browser logs in through a live server and sees the portal frame."""

import pytest

from tests.browser.axe import assert_accessible
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email: str) -> None:
    page.goto("/logg-inn/")
    assert_accessible(page)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    if "taushetserklaering" in page.url or page.get_by_text("Taushetserklæring").count():
        page.get_by_label("Jeg har gjort meg kjent med").check()
        page.get_by_role("button", name="Ok").click()


def test_an_employer_logs_in_and_sees_the_frame(page, employer_a, company_a, company_c):
    log_in(page, employer_a.email)
    page.wait_for_url("**/innsending/")
    assert_accessible(page)
    nav = page.get_by_role("navigation", name="Hovedmeny")
    for tab in ["Innsending", "Innsendte lister det siste året", "Brev fra forbundet", "Utrukne"]:
        assert nav.get_by_role("link", name=tab).is_visible()
    assert page.get_by_role("button", name="Logg ut").is_visible()
    assert page.get_by_label("Bedrift").input_value() == str(company_a.pk)

    # Choosing a company switches at once (the "Bytt" button stays for use without JS).
    page.get_by_label("Bedrift").select_option(str(company_c.pk))
    page.get_by_text(f"Du jobber nå for {company_c.name}").wait_for()
    assert page.get_by_role("button", name="Bytt").is_visible()
    assert_accessible(page)

    for tab in ["Innsendte lister det siste året", "Brev fra forbundet", "Utrukne"]:
        nav.get_by_role("link", name=tab).click()
        assert nav.get_by_role("link", name=tab).get_attribute("aria-current") == "page"
        assert_accessible(page)

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/logg-inn/**")


def test_the_frame_works_with_the_keyboard_alone(page, employer_a, settings):
    # A short session, so that the warning comes 10 seconds after the last request.
    settings.SESSION_IDLE_TIMEOUT = 20
    settings.SESSION_WARNING_SECONDS = 10
    log_in(page, employer_a.email)
    page.wait_for_url("**/innsending/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnhold")
    assert skip.evaluate("el => el === document.activeElement")
    # Tab to the second menu tab and follow it with Enter.
    target = page.get_by_role("link", name="Innsendte lister det siste året")
    for _ in range(20):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/innsendte/")
    assert_accessible(page)

    # The session warning: an alert dialog with the focus on "Forbli innlogget".
    warning = page.get_by_role("alertdialog", name="Du blir snart logget ut")
    warning.wait_for(timeout=20_000)
    stay = warning.get_by_role("button", name="Forbli innlogget")
    assert stay.evaluate("el => el === document.activeElement")
    assert "fordi du har vært inaktiv" in warning.inner_text()
    assert_accessible(page)
    page.keyboard.press("Enter")  # stay logged in
    warning.wait_for(state="hidden")
    # Escape also means "stay": the session is still alive after the first timeout.
    warning.wait_for(timeout=20_000)
    page.keyboard.press("Escape")
    warning.wait_for(state="hidden")
    warning.wait_for(timeout=20_000)
    page.keyboard.press("Tab")  # to "Logg ut", and out with Enter
    assert warning.get_by_role("button", name="Logg ut").evaluate(
        "el => el === document.activeElement"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/logg-inn/**")


def test_the_accessibility_check_catches_a_violation(page):
    page.set_content('<html lang="nb"><title>x</title><main><input type="text"></main></html>')
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page)
