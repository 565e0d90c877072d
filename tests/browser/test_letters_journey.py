"""Union staff publish a letter in the admin; the company's user gets the e-mail, finds the
letter with "Nei", downloads the same bytes and then sees "Ja"; a user of another company
never sees it. axe checks every page on the way."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.core import mail

from tests.browser.axe import assert_accessible
from tests.fixtures import PASSWORD
from trekkportal.jobs.worker import run_pending
from trekkportal.letters.tests.helpers import letter_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Vedrørende kontingenttrekk for våre medlemmer"


def log_in(page, email: str) -> None:
    page.goto("/logg-inn/")
    assert_accessible(page)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def accept_nda(page) -> None:
    page.wait_for_url("**/taushetserklaering/**")
    assert_accessible(page)
    page.get_by_label("Jeg har gjort meg kjent med").check()
    page.get_by_role("button", name="Ok").click()


def log_in_as_staff(page, staff) -> None:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(staff, secret)
    log_in(page, staff.email)
    page.wait_for_url("**/konto/2fa/authenticate/")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
    page.get_by_label(re.compile("kode", re.IGNORECASE)).first.fill(code)
    page.keyboard.press("Enter")
    accept_nda(page)


def letter_rows(page):
    return page.get_by_role("table").get_by_role("row").filter(has_text=SUBJECT)


def test_staff_publish_a_letter_and_only_that_companys_user_gets_and_downloads_it(
    browser, live_server, staff, employer_a, employer_b, company_a
):
    data = letter_pdf("Trekkmelding til Alfa")

    staff_page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in_as_staff(staff_page, staff)
    staff_page.goto("/admin/letters/letter/add/")
    staff_page.get_by_role("heading", name="Publiser et brev").wait_for()
    assert_accessible(staff_page)
    staff_page.get_by_label("Brev (PDF)").set_input_files(
        {"name": "brev.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    staff_page.get_by_label("Emne").fill(SUBJECT)
    staff_page.get_by_label("Organisasjonsnumre").fill(company_a.orgnr)
    staff_page.get_by_role("button", name="Publiser").click()
    staff_page.get_by_text("Brevet er publisert.").wait_for()
    assert_accessible(staff_page)
    staff_page.context.close()

    run_pending()  # the worker delivers the outbox
    assert [message.to for message in mail.outbox] == [[employer_a.email]]
    assert SUBJECT in mail.outbox[0].body and "/brev/" in mail.outbox[0].body

    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(page, employer_a.email)
    accept_nda(page)
    page.get_by_role("link", name="Brev fra forbundet").click()
    page.get_by_role("heading", name="Brev fra forbundet").wait_for()
    assert_accessible(page)
    row = letter_rows(page)
    assert row.get_by_role("cell").nth(1).inner_text() == "Nei"
    with page.expect_download() as download:
        row.get_by_role("link", name=SUBJECT).click()
    assert Path(download.value.path()).read_bytes() == data
    assert re.fullmatch(r"brev-\d{4}-\d{2}-\d{2}-\d+\.pdf", download.value.suggested_filename)

    page.reload()
    assert letter_rows(page).get_by_role("cell").nth(1).inner_text() == "Ja"
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the page does not overflow
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()

    other = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(other, employer_b.email)
    accept_nda(other)
    other.goto("/brev/")
    other.get_by_text("Det er ingen brev til denne bedriften.").wait_for()
    assert_accessible(other)
    other.context.close()


def test_staff_run_preview_and_publish_a_batch_of_generated_letters(
    browser, live_server, staff, employer_a, company_a
):
    import datetime as dt

    from trekkportal.lib.identity import make_valid_nin
    from trekkportal.lib.periods import Period
    from trekkportal.members import services as members

    kari = members.register_member(
        nin=make_valid_nin(dt.date(1990, 1, 1)), name="Nordmann, Kari", member_no="104233"
    )
    members.start_employment(member=kari, company=company_a, from_period=Period(2027, 1))

    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in_as_staff(page, staff)
    page.goto("/admin/letters/letterbatch/")
    assert_accessible(page)
    page.get_by_role("button", name="Lag brev for de nye medlemsendringene").click()
    page.get_by_text("Brevene skrives nå.").wait_for()
    run_pending()  # the worker writes the draft

    page.reload()
    draft = page.get_by_role("row").filter(has_text="Utkast").filter(has_text="Laget fra")
    draft.get_by_role("link").first.click()
    page.get_by_role("heading", name="Medlemsendringer i denne bunken").wait_for()
    assert_accessible(page)
    changes = page.get_by_role("table").filter(has_text="Nordmann, Kari")
    assert "104233" in changes.inner_text() and company_a.name in changes.inner_text()
    with page.expect_download() as preview:
        page.get_by_role("link", name="Vis PDF-en").first.click()
    assert Path(preview.value.path()).read_bytes().startswith(b"%PDF-")

    page.get_by_role("button", name="Publiser bunken").click()
    page.get_by_text("Bunken er publisert.").wait_for()
    assert_accessible(page)
    page.context.close()

    employer = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(employer, employer_a.email)
    accept_nda(employer)
    employer.goto("/brev/")
    assert letter_rows(employer).count() == 1
    assert_accessible(employer)
    employer.context.close()
