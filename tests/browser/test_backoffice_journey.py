"""Union staff's day in the back office, in a real browser: log in with TOTP (the second
factor in the portal's own form) → the period overview → a late company → download its
file → the answers feed (follow an "Ansatt" answer up) → resolve an unmatched line (move
the member's employment) → publish a letter → missing lists → the members → the NDA →
the audit log shows all of it. axe checks every page; the whole path is walked with the
keyboard alone (the PDF aside: a browser's file chooser is the system's dialog);
screenshots of each page at desktop width and at 390 px go to
``var/screenshots/backoffice/`` (git-ignored) for a reviewer to open."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.fixtures import PASSWORD, submit_one_csv
from trekkportal.accounts.models import Company
from trekkportal.audit.models import AuditEvent
from trekkportal.backoffice.tests.test_pages import reconciled
from trekkportal.letters.models import Letter
from trekkportal.letters.tests.helpers import letter_pdf
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.mail.reminders import overdue_period
from trekkportal.members.models import Employment
from trekkportal.members.services import register_member, start_employment
from trekkportal.reconciliation.models import MissingDeduction
from trekkportal.reconciliation.services import reconcile
from trekkportal.reconciliation.tests.helpers import a_member, a_read_list, line_for

from .axe import assert_accessible
from .test_keyboard_journey import is_focused, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "backoffice"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_now() -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(SECRET, int(time.time()) // app_settings.TOTP_PERIOD))


def snap(page, name: str) -> None:
    """The page as it is now, full length, at desktop width and at 390 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not overflow, f"{name} overflows at 390 px"


def press_on(page, locator, key: str = "Enter") -> None:
    tab_to(page, locator, limit=120)
    assert is_focused(locator)
    page.keyboard.press(key)


def test_staff_run_the_back_office_with_the_keyboard(page, staff, employer_a, company_a, company_b):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, SECRET)
    last_month = Period.of(timezone.localdate()).previous()
    Company.objects.update(created_at=timezone.now() - dt.timedelta(days=400))
    # Sent today for the month before last: after that period's deadline, so late.
    late_period = last_month.previous()
    submitted = submit_one_csv(company_a, employer_a, period=late_period)
    member = register_member(nin=make_valid_nin(dt.date(1980, 1, 1)), name="Nordmann, Ola")
    start_employment(member=member, company=company_a, from_period=last_month)
    # An utrukket the company answered "Ansatt" (still employed, not deducted).
    run = reconciled(company_a, late_period, expected=2, deducted=1, open_=1, answered=0)
    MissingDeduction.objects.filter(reconciliation=run).update(
        state="answered", status="employed", answered_at=timezone.now()
    )
    # Last month A's list deducts Kari, who is registered at B: an unmatched line.
    kari = a_member(company_b, name="Berg, Kari", since=last_month.shift(-6))
    a_read_list(company_a, employer_a, last_month, [line_for(kari)], name="korrigert.csv")
    reconcile(period=last_month, company=company_a)

    # The back office's address reveals nothing to a visitor: 404, not the login page.
    assert page.goto("/kontor/").status == 404
    # Login → second factor (the portal's form, in Norwegian) → NDA → the back office.
    page.goto("/logg-inn/")
    tab_to(page, page.get_by_label("E-post"))
    page.keyboard.type(staff.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/konto/2fa/authenticate/**")
    assert page.get_by_role("heading", name="Tofaktorinnlogging").is_visible()
    assert_accessible(page)
    snap(page, "second-factor")
    code = page.get_by_label("Kode fra autentiseringsappen")
    assert is_focused(code)  # autofocus: the one thing to do here
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    page.get_by_label("Kode fra autentiseringsappen").wait_for()
    assert_accessible(page)  # the error, in the portal's style
    tab_to(page, page.get_by_label("Kode fra autentiseringsappen"))
    page.keyboard.type(totp_now())
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Taushetserklæring").wait_for()
    press_on(page, page.get_by_label("Jeg har gjort meg kjent med"), "Space")
    press_on(page, page.get_by_role("button", name="Ok"))

    # Staff land on the back office: the period overview, on last month.
    page.get_by_role("heading", name=f"Periodeoversikt: {last_month.long_name('nb')}").wait_for()
    assert page.url.endswith("/kontor/")
    assert_accessible(page)
    snap(page, "overview")

    # Choose the month before, filter on late companies, open the one that was late.
    chosen = page.get_by_label("Periode", exact=True)
    tab_to(page, chosen, limit=120)
    page.keyboard.press("ArrowDown")
    assert chosen.input_value() == late_period.iso
    state = page.get_by_label("Status", exact=True)
    tab_to(page, state, limit=120)
    for _ in range(3):  # Alle → Sendt inn → Ikke sendt inn → For sent
        page.keyboard.press("ArrowDown")
    assert state.input_value() == "late"
    press_on(page, page.get_by_role("button", name="Vis"))
    page.wait_for_url("**tilstand=late**")
    page.get_by_role("heading", name=f"Periodeoversikt: {late_period.long_name('nb')}").wait_for()
    assert_accessible(page)
    press_on(page, page.get_by_role("link", name=company_a.name))
    page.get_by_role("heading", name=company_a.name, exact=True).wait_for()
    assert_accessible(page)
    snap(page, "company")

    # Download the submitted file, byte for byte.
    with page.expect_download() as download:
        press_on(page, page.get_by_role("link", name=submitted.original_name))
    path = download.value.path()
    from trekkportal.submissions.tests.files import CSV

    assert Path(path).read_bytes() == CSV

    # The answers feed: the "Ansatt" answer stands out; follow it up.
    press_on(page, page.get_by_role("link", name="Svar", exact=True))
    page.get_by_role("heading", name="Svar om utrukne").wait_for()
    assert page.get_by_text("Ansatt – må følges opp").is_visible()
    assert_accessible(page)
    snap(page, "answers")
    press_on(page, page.get_by_role("button", name=re.compile("Merk som fulgt opp")))
    page.get_by_text("Svaret er merket som fulgt opp.").wait_for()
    assert_accessible(page)

    # Unmatched lines: Kari's line at A; move her employment to A from last month.
    press_on(page, page.get_by_role("link", name="Linjer uten treff", exact=True))
    page.get_by_role("heading", name=f"Linjer uten treff: {last_month.long_name('nb')}").wait_for()
    assert page.get_by_text("Registrert i en annen bedrift").is_visible()
    assert page.get_by_text(kari.nin_masked).first.is_visible()
    assert_accessible(page)
    snap(page, "unmatched")
    press_on(page, page.get_by_role("button", name=re.compile("Flytt arbeidsforholdet hit")))
    page.get_by_text(f"Arbeidsforholdet er flyttet til {company_a.name}.").wait_for()
    assert page.get_by_text("Ingen åpne linjer uten treff for denne perioden.").is_visible()
    assert_accessible(page)
    assert Employment.objects.filter(member=kari, company=company_a, to_period=None).exists()

    # Letters: publish a PDF to company A.
    press_on(page, page.get_by_role("link", name="Brev", exact=True))
    page.get_by_role("heading", name="Brev fra forbundet", exact=True).wait_for()
    assert_accessible(page)
    snap(page, "letters")
    tab_to(page, page.get_by_label("Emne"), limit=120)
    page.keyboard.type("Nytt trekkgrunnlag")
    page.get_by_label("Brev (PDF)").set_input_files(
        {"name": "brev.pdf", "mimeType": "application/pdf", "buffer": letter_pdf()}
    )
    tab_to(page, page.get_by_label("Organisasjonsnumre"), limit=120)
    page.keyboard.type(company_a.orgnr)
    press_on(page, page.get_by_role("button", name="Publiser brevet"))
    page.get_by_text("Brevet er publisert.").wait_for()
    assert page.get_by_role("rowheader", name=company_a.name).is_visible()
    assert_accessible(page)
    snap(page, "letters-batch")
    assert Letter.objects.filter(company=company_a, subject="Nytt trekkgrunnlag").exists()

    # The missing lists, the member search, the NDA page.
    press_on(page, page.get_by_role("link", name="Manglende lister"))
    overdue = overdue_period(timezone.localdate())
    page.get_by_role("heading", name=f"Manglende lister: {overdue.long_name('nb')}").wait_for()
    assert_accessible(page)
    snap(page, "missing")

    press_on(page, page.get_by_role("link", name="Medlemmer"))
    page.get_by_role("heading", name="Medlemmer").wait_for()
    tab_to(page, page.get_by_label("Navn, medlemsnummer eller fødselsnummer"))
    page.keyboard.type("ola nordmann")
    page.keyboard.press("Enter")
    press_on(page, page.get_by_role("link", name="Nordmann, Ola"))
    page.get_by_role("heading", name="Nordmann, Ola").wait_for()
    assert_accessible(page)
    snap(page, "member")

    press_on(page, page.get_by_role("link", name="Taushetserklæring"))
    page.get_by_role("heading", name="Taushetserklæring", exact=True).wait_for()
    assert_accessible(page)
    snap(page, "nda")

    # The audit log shows the download.
    press_on(page, page.get_by_role("link", name="Revisjonslogg"))
    page.get_by_role("heading", name="Revisjonslogg").wait_for()
    assert page.get_by_role("rowheader", name="Innsendt fil lastet ned").first.is_visible()
    assert_accessible(page)
    snap(page, "audit")
    assert page.get_by_role("rowheader", name="Svar fulgt opp av forbundet").first.is_visible()
    moved = page.get_by_role("rowheader", name="Linje uten treff: arbeidsforhold flyttet")
    assert moved.first.is_visible()
    assert page.get_by_role("rowheader", name="Brev publisert").first.is_visible()
    assert AuditEvent.objects.filter(action="letter.published", actor=staff).exists()
    for action in (
        "submission.file_downloaded",
        "missing_deduction.handled",
        "unmatched_line.moved",
    ):
        assert AuditEvent.objects.filter(action=action, actor=staff, company=company_a).exists()
