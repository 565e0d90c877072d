"""A member is missing from a submitted list: the employer sees it on the receipt and under
"Utrukne", answers "Annet" with a comment, and union staff see the answer in the admin.
In a real browser, axe on every page."""

from __future__ import annotations

import re
import time

import pytest

from trekkportal.jobs.worker import run_pending
from trekkportal.reconciliation.tests.helpers import a_member, last_month

from .axe import assert_accessible
from .test_submission_journey import add_file, log_in

pytestmark = pytest.mark.browser


def test_an_employer_answers_a_missing_deduction_and_staff_see_it(
    page, browser, live_server, employer_a, company_a, staff
):
    period = last_month()
    ola = a_member(company_a, name="Normann, Ola")
    a_member(company_a, name="Hansen, Kari")  # not on the list
    listed = f"Fødselsnummer;Navn;Trekk\r\n{ola.test_nin};Normann, Ola;630,00\r\n".encode()

    log_in(page, employer_a.email)
    page.get_by_role("link", name="Innsending").click()
    page.get_by_label("Periode").select_option(label=period.long_name("nb"))
    add_file(page, "trekkliste.csv", listed, "text/csv")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()

    run_pending()  # the worker: reads the file, then reconciles the period
    page.reload()
    figures = page.get_by_role("region", name="Sammenholdt med medlemsregisteret")
    figures.get_by_text("1 av 2 medlemmer vi har registrert i bedriften er trukket").wait_for()
    assert figures.get_by_text("1 medlem er ikke trukket.").is_visible()
    assert_accessible(page)

    figures.get_by_role("link", name="Fortell oss hvorfor under Utrukne").click()
    page.get_by_role("heading", name="Utrukne", exact=True).wait_for()
    row = page.get_by_role("row", name=re.compile("Hansen, Kari"))
    assert period.long_name("nb").capitalize() in row.inner_text()
    assert ola.test_nin not in page.content()
    comment = page.get_by_label("Kommentar:")
    # Only for "Annet": hidden by the page's deferred script (shown without it), so waited
    # for rather than read at once, which raced the script.
    comment.wait_for(state="hidden")
    assert_accessible(page)

    page.get_by_label("Status for Hansen, Kari").select_option(label="Annet")
    assert comment.is_visible()
    comment.fill("Ny lønnsavtale fra desember")
    page.get_by_role("button", name="Send status").click()

    page.get_by_role("status").get_by_text("Statusen for Hansen, Kari er sendt").wait_for()
    answered = page.get_by_role("region", name="Besvart")
    assert "Ny lønnsavtale fra desember" in answered.inner_text()
    assert "Kari Alfa" in answered.inner_text()
    assert page.get_by_role("button", name="Send status").count() == 0
    assert_accessible(page)

    staff_page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in_staff(staff_page, staff)
    staff_page.goto("/admin/reconciliation/missingdeduction/")
    staff_page.get_by_text("Ny lønnsavtale fra desember").wait_for()
    assert "Hansen, Kari" in staff_page.content()
    assert_accessible(staff_page)
    staff_page.close()


def log_in_staff(page, staff) -> None:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

    from tests.fixtures import PASSWORD

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(staff, secret)
    page.goto("/logg-inn/")
    page.get_by_label("E-post").fill(staff.email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/konto/2fa/authenticate/")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
    page.get_by_label(re.compile("kode", re.IGNORECASE)).first.fill(code)
    page.keyboard.press("Enter")
    page.wait_for_url("**/taushetserklaering/**")
    page.get_by_label("Jeg har gjort meg kjent med").check()
    page.get_by_role("button", name="Ok").click()
