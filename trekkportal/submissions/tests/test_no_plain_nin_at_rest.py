"""No identity number from a submitted list is stored in plain text in any table."""

import datetime as dt

import pytest
from django.db import connection

from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import DeductionLine
from trekkportal.submissions.services import submit_list

from .files import upload

pytestmark = pytest.mark.django_db


def every_stored_value() -> str:
    """Every row of every table, as text (what someone with a copy of the database sees)."""
    seen = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            seen.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(seen)


def test_a_parsed_lists_numbers_are_nowhere_in_the_database(company_a, employer_a):
    numbers = [make_valid_nin(dt.date(1980, 1, 1) + dt.timedelta(days=i)) for i in range(3)]
    body = "Fødselsnummer;Navn;Trekk\n" + "".join(
        f"{n};Person {i};500,00\n" for i, n in enumerate(numbers)
    )
    submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("liste.csv", body.encode())],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    run_pending()

    assert DeductionLine.objects.count() == 3
    stored = every_stored_value()
    for number in numbers:
        assert number not in stored
        assert number[:6] + "*****" in stored  # the masked form is what is kept for display
