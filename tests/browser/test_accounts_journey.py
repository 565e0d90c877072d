"""A new user's first visit, in a real browser: activation with the code from the e-mail,
the NDA, the portal frame, a company switch, logout; and a forgotten-password round trip.
axe checks every page on the way."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail

from tests.browser.axe import assert_accessible
from trekkportal.accounts.services import add_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b")
FIRST_PASSWORD = "min første lange passfrase"
SECOND_PASSWORD = "en enda bedre passfrase 🌲"


def latest_code() -> str:
    match = CODE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def log_in(page, email: str, password: str) -> None:
    page.goto("/logg-inn/")
    assert_accessible(page)
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord", exact=True).fill(password)
    page.get_by_role("button", name="Logg inn").click()


def test_a_new_user_activates_accepts_the_nda_switches_company_and_logs_out(
    page, company_a, company_c
):
    user = add_user(email="ny@alfa.example", name="Nina Ny", companies=[company_a, company_c])

    page.goto("/logg-inn/")
    assert page.get_by_role("heading", name="Innlogging").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Klikk her for å aktivere din brukerkonto").click()

    page.wait_for_url("**/aktiver/")
    assert page.get_by_role("heading", name="Aktiver brukerkonto").is_visible()
    assert_accessible(page)
    page.get_by_label("E-post").fill(user.email)
    page.get_by_role("button", name="Send engangskode").click()

    page.wait_for_url("**/aktiver/kode/")
    assert_accessible(page)
    assert page.get_by_text("Du vil om kort tid motta en engangskode på e-post.").is_visible()
    # A wrong code first: the error is announced next to the field.
    page.get_by_label("Engangskode").fill("BBBB-BBBB")
    page.get_by_label("Nytt passord", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Bekreft nytt passord").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Aktiver brukerkonto").click()
    assert page.get_by_text("Engangskoden er feil eller utløpt.").is_visible()
    assert_accessible(page)
    code_field = page.get_by_label("Engangskode")
    assert code_field.get_attribute("aria-invalid") == "true"

    code_field.fill(latest_code().lower())
    page.get_by_label("Nytt passord", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Bekreft nytt passord").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Aktiver brukerkonto").click()

    page.wait_for_url("**/logg-inn/")
    assert_accessible(page)
    log_in(page, user.email, FIRST_PASSWORD)

    page.wait_for_url("**/taushetserklaering/**")
    assert page.get_by_role("heading", name="Taushetserklæring").is_visible()
    assert page.get_by_role("link", name=re.compile("lovdata.no")).first.is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ok").click()  # without the tick: refused
    assert page.get_by_text("Kryss av i boksen").is_visible()
    assert_accessible(page)
    page.get_by_label("Jeg har gjort meg kjent med, og aksepterer taushetserklæringen.").check()
    page.get_by_role("button", name="Ok").click()

    page.wait_for_url("**/innsending/")
    assert_accessible(page)
    assert page.get_by_label("Bedrift").input_value() == str(company_a.pk)
    page.get_by_label("Bedrift").select_option(str(company_c.pk))
    page.get_by_role("button", name="Bytt").click()
    page.get_by_text(f"Du jobber nå for {company_c.name}").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/logg-inn/**")
    assert_accessible(page)
    page.goto("/innsending/")
    page.wait_for_url("**/logg-inn/**")


def test_forgotten_password_round_trip_with_the_keyboard_alone(page, employer_a):
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Glemt passord").focus()
    page.keyboard.press("Enter")

    page.wait_for_url("**/glemt-passord/")
    assert page.get_by_role("heading", name="Glemt passord").is_visible()
    assert_accessible(page)
    page.get_by_label("E-post").focus()
    page.keyboard.type(employer_a.email)
    page.keyboard.press("Enter")

    page.wait_for_url("**/glemt-passord/kode/")
    assert_accessible(page)
    page.get_by_label("Engangskode").focus()
    page.keyboard.type(latest_code())
    page.keyboard.press("Tab")
    page.keyboard.type(SECOND_PASSWORD)
    page.keyboard.press("Tab")
    confirm = page.get_by_label("Bekreft nytt passord")
    assert confirm.evaluate("el => el === document.activeElement")
    page.keyboard.type(SECOND_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url("**/logg-inn/")
    assert_accessible(page)
    log_in(page, employer_a.email, SECOND_PASSWORD)
    page.wait_for_url("**/taushetserklaering/**")
    page.get_by_label("Jeg har gjort meg kjent med").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/innsending/")
    assert_accessible(page)


def test_an_unknown_address_sees_the_same_pages_and_gets_no_mail(page, db):
    page.goto("/aktiver/")
    page.get_by_label("E-post").fill("ingen@ukjent.example")
    page.get_by_role("button", name="Send engangskode").click()
    page.wait_for_url("**/aktiver/kode/")
    assert page.get_by_label("Engangskode").is_visible()
    assert mail.outbox == []


def test_union_staff_log_in_with_a_second_factor_before_the_admin(page, staff):
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(staff, secret)
    log_in(page, staff.email, "a-long-test-passphrase-2026")

    page.wait_for_url("**/konto/2fa/authenticate/")
    assert_accessible(page)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
    page.get_by_label(re.compile("kode", re.IGNORECASE)).first.fill(code)
    page.keyboard.press("Enter")

    page.wait_for_url("**/taushetserklaering/**")
    page.get_by_label("Jeg har gjort meg kjent med").check()
    page.get_by_role("button", name="Ok").click()
    page.goto("/admin/")
    assert page.get_by_role("link", name=re.compile("Brukere|Users")).first.is_visible()


def test_union_staff_without_a_second_factor_set_up_totp_first(page, staff):
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    log_in(page, staff.email, "a-long-test-passphrase-2026")
    page.wait_for_url("**/taushetserklaering/**")
    page.get_by_label("Jeg har gjort meg kjent med").check()
    page.get_by_role("button", name="Ok").click()
    page.goto("/admin/")

    page.wait_for_url("**/konto/totp/")
    assert_accessible(page)
    page.get_by_role("link", name="Ta i bruk en autentiseringsapp").click()
    page.wait_for_url("**/konto/reautentiser/**")  # adding a factor asks for the password
    assert_accessible(page)
    page.get_by_label("Passord").fill("a-long-test-passphrase-2026")
    page.keyboard.press("Enter")

    page.wait_for_url("**/konto/2fa/totp/activate/")
    assert_accessible(page)
    secret = page.locator("#authenticator_secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/konto/2fa/recovery-codes/")
    page.goto("/admin/")
    assert page.get_by_role("link", name=re.compile("Brukere|Users")).first.is_visible()
