"""A second list for a month (static/js/correction-notice.js): choosing a month a list was
already sent for says, before anything is sent, when that list was sent and asks whether
this one corrects it; the answer marks the submission as a correction in the history.
Without the script the form lists the months already sent and always offers the box (what
is stored when it is ticked: trekkportal/submissions/tests/test_receipt_progress.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.fixtures import submit_files
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import Submission
from trekkportal.submissions.tests.files import CSV, upload

from .axe import assert_accessible
from .test_submission_journey import add_file, log_in, logged_in_without_javascript

pytestmark = pytest.mark.browser

QUESTION = "Er denne listen en rettelse av den?"
BOX = "Listen er en rettelse av en liste som er sendt før for samme periode"


@pytest.fixture
def sent_last_month(company_a, employer_a):
    """Last month's list, sent ten days ago: the month and the date the form names."""
    period = Period.of(timezone.localdate()).previous()
    submission = submit_files(company_a, employer_a, upload("liste.csv", CSV), period=period)
    sent = timezone.now() - dt.timedelta(days=10)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=sent)
    return period, f"{timezone.localtime(sent):%d.%m.%Y}"


def notice(page):
    return page.get_by_role("status").filter(has_text=QUESTION)


def test_a_month_already_sent_is_named_with_its_date_and_the_answer_marks_a_correction(
    page, employer_a, sent_last_month
):
    period, sent_on = sent_last_month
    log_in(page, employer_a.email)
    page.goto("/innsending/")
    box = page.get_by_label(BOX)
    # Nothing to ask before a month is chosen; the list of months sent gives way to the
    # question about the month chosen.
    assert notice(page).count() == 0
    assert not box.is_visible()
    assert not page.get_by_text("Lister du allerede har sendt:").is_visible()

    month = page.get_by_label("Periode:", exact=True)
    month.select_option(period.shift(-1).iso)  # a month not sent yet
    assert notice(page).count() == 0 and not box.is_visible()

    month.select_option(period.iso)
    expected = f"En liste for {period.long_name('nb')} ble sendt {sent_on}. {QUESTION}"
    assert notice(page).inner_text() == expected
    assert box.is_visible() and not box.is_checked()
    assert_accessible(page)

    # The keyboard alone: from the month to the box, ticked with the space bar.
    month.focus()
    page.keyboard.press("Tab")
    assert box.evaluate("el => el === document.activeElement")
    page.keyboard.press("Space")
    assert box.is_checked()
    add_file(page, "rettet.csv", CSV, "text/csv")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()

    corrected = Submission.objects.get(files__original_name="rettet.csv")
    assert corrected.is_correction
    page.get_by_role("link", name="Innsendte lister det siste året").first.click()
    page.get_by_role("heading", name="Innsendte lister det siste året").wait_for()
    rows = page.get_by_role("row")
    assert "Rettelse" in rows.filter(has_text="rettet.csv").inner_text()
    assert "Rettelse" not in rows.filter(has_text="liste.csv").inner_text()
    assert_accessible(page)


def test_a_tick_given_for_a_month_sent_is_dropped_when_another_month_is_chosen(
    page, employer_a, sent_last_month
):
    period, _sent_on = sent_last_month
    log_in(page, employer_a.email)
    page.goto("/innsending/")
    month = page.get_by_label("Periode:", exact=True)
    box = page.get_by_label(BOX)
    month.select_option(period.iso)
    box.check()

    month.select_option(period.shift(-1).iso)  # not sent: no question, and no tick kept
    assert notice(page).count() == 0 and not box.is_visible()
    month.select_option(period.iso)
    assert notice(page).is_visible() and not box.is_checked()
    month.select_option(period.shift(-1).iso)
    add_file(page, "en-annen-maned.csv", CSV, "text/csv")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_role("heading", name="Trekklisten er mottatt").wait_for()

    assert not Submission.objects.get(files__original_name="en-annen-maned.csv").is_correction
    page.goto("/innsendte/")
    assert "Rettelse" not in page.locator("main").inner_text()
    assert_accessible(page)


def test_without_javascript_the_months_sent_are_listed_and_the_box_is_always_offered(
    browser, live_server, employer_a, sent_last_month
):
    """axe needs JavaScript: the same form is checked with it above."""
    period, sent_on = sent_last_month
    context, page = logged_in_without_javascript(browser, live_server, employer_a)
    try:
        page.goto("/innsending/")
        page.get_by_label("Periode:", exact=True).select_option(period.shift(-1).iso)
        assert page.get_by_text("Lister du allerede har sendt:").is_visible()
        assert page.get_by_text(f"{period.long_name('nb')}: sendt {sent_on}").is_visible()
        assert page.get_by_label(BOX).is_visible()  # for a month not sent too
        assert not page.get_by_text(QUESTION).is_visible()
    finally:
        context.close()
