"""An employer reads the first problems of a parsed list on the receipt, in a real browser."""

from __future__ import annotations

import pytest

from tests.fixtures import submit_one_csv
from trekkportal.jobs.worker import run_pending
from trekkportal.submissions.services import record_parse_result
from trekkportal.submissions.tests.test_parse_storage import parsed_with

from .axe import assert_accessible
from .test_submission_journey import log_in

pytestmark = pytest.mark.browser


def test_the_receipt_lists_the_first_problems_of_a_file(page, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(20, errors=3))
    log_in(page, employer_a.email)

    page.goto(f"/innsending/{file.submission_id}/kvittering/")

    page.get_by_role("heading", name="Feil i liste.csv").wait_for()
    problems = page.get_by_role("region", name="Feil i liste.csv").get_by_role("row")
    assert problems.count() == 1 + 3
    assert "Beløpet -1\xa0234,50 er negativt." in problems.nth(1).inner_text()
    assert_accessible(page)


def test_the_receipt_shows_the_finished_figures_without_reloading_the_page(
    page, employer_a, company_a
):
    file = submit_one_csv(company_a, employer_a)
    log_in(page, employer_a.email)
    page.goto(f"/innsending/{file.submission_id}/kvittering/")
    page.get_by_text("Innholdet i filene leses fortsatt inn.").wait_for()
    page.evaluate("window.stillTheSamePage = true")

    run_pending()  # the worker reads the list while the receipt is open

    status = page.locator("[data-receipt-progress] [role=status]")
    status.get_by_text("Alle filene er lest. Viser resultatet.").wait_for(timeout=20_000)
    page.get_by_text("En kvittering er sendt til").wait_for()
    files = page.get_by_role("table").first
    assert "Ferdig: 1 rad lest" in files.inner_text()
    page.get_by_role("region", name="Feil i liste.csv").wait_for()
    assert page.evaluate("window.stillTheSamePage === true"), "the receipt reloaded itself"
    assert page.get_by_role("link", name="Oppdater").count() == 0
    assert page.get_by_role("heading", name="Trekklisten er mottatt").count() == 1
    assert_accessible(page)
