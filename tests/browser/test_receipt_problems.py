"""An employer reads the first problems of a parsed list on the receipt, in a real browser."""

from __future__ import annotations

import pytest

from tests.fixtures import submit_one_csv
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
