"""Parse results per file: state and summary, whole or not at all; shown on the receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from tests.fixtures import submit_one_csv
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import SubmittedFile
from trekkportal.submissions.parsers import ParsedList, ParseFailure, RowError, Totals
from trekkportal.submissions.services import record_parse_result

from .files import upload


def parsed(rows=3, valid=2, invalid=1, amount_ore=126_000, errors=()):
    return ParsedList(
        format="csv",
        columns={"nin": "Fødselsnummer"},
        lines=[],
        errors=list(errors),
        totals=Totals(rows=rows, valid=valid, invalid=invalid, amount_ore=amount_ore),
    )


def test_it_records_a_parsed_files_summary(employer_a, company_a):
    row = record_parse_result(submitted_file=submit_one_csv(company_a, employer_a), parsed=parsed())
    row.refresh_from_db()
    assert row.state == SubmittedFile.State.DONE
    assert (row.rows, row.valid_rows, row.invalid_rows) == (3, 2, 1)
    assert row.total_amount == Decimal("1260.00")
    assert row.parsed_at is not None
    event = AuditEvent.objects.get(action="submission.file_parsed")
    assert event.data == {"state": "done", "rows": 3, "invalid": 1}


def test_a_file_that_cannot_be_read_stays_stored_and_is_marked(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    row = record_parse_result(submitted_file=file, parsed=ParseFailure("timeout", {}))
    assert row.state == SubmittedFile.State.FAILED
    assert row.parse_error
    assert row.rows is None
    assert SubmittedFile.objects.filter(pk=file.pk, storage_name=file.storage_name).exists()


def test_a_file_without_a_table_is_marked_unreadable(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    no_header = RowError(row=None, column=None, code="no_header", params={"rows": 30})
    row = record_parse_result(
        submitted_file=file, parsed=parsed(rows=0, valid=0, invalid=0, errors=[no_header])
    )
    assert row.state == SubmittedFile.State.FAILED
    assert row.parse_error


def test_the_receipt_shows_the_summary(client_a, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed())
    html = client_a.get(reverse("submissions:receipt", args=[file.submission_id])).content.decode()
    assert "3 rader lest" in html
    assert "1 feil funnet" in html


def good_csv() -> bytes:
    from trekkportal.lib.identity import make_valid_nin

    nins = [make_valid_nin(dt.date(1980, 1, 15), 123), make_valid_nin(dt.date(1991, 6, 2), 456)]
    lines = [
        "Fødselsnummer;Navn;Trekk",
        f"{nins[0]};Test, Ola;630,00",
        f"{nins[1]};Test, Kari;735,50",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_each_file_is_parsed_in_a_background_job(client_a, company_a):
    from trekkportal.jobs.models import Job
    from trekkportal.jobs.worker import run_pending

    response = client_a.post(
        "/innsending/",
        {
            "contact_email": "lonn@alfa.example",
            "period": Period.of(dt.date.today()).iso,
            "files": [upload("god.csv", good_csv()), upload("tull.txt", b"hei og hopp\r\n")],
        },
    )
    assert response.status_code == 302
    jobs = Job.objects.filter(name__endswith="parse_submitted_file")
    assert jobs.count() == 2
    assert set(SubmittedFile.objects.values_list("state", flat=True)) == {"received"}

    run_pending()

    good, bad = SubmittedFile.objects.order_by("position")
    assert good.state == SubmittedFile.State.DONE
    assert (good.rows, good.valid_rows, good.invalid_rows) == (2, 2, 0)
    assert good.total_amount == Decimal("1365.50")
    assert bad.state == SubmittedFile.State.FAILED
    assert bad.parse_error
    html = client_a.get(response["Location"]).content.decode()
    assert "2 rader lest" in html and "1\xa0365,50" in html
    assert "Mottatt. Vi kunne ikke lese innholdet automatisk" in html


def test_a_failed_submission_queues_no_parse_job(client_a, monkeypatch):
    from django.db import DatabaseError

    from trekkportal.jobs.models import Job

    def failing_record(*args, **kwargs):
        raise DatabaseError("boom")

    monkeypatch.setattr("trekkportal.submissions.services.record", failing_record)
    response = client_a.post(
        "/innsending/",
        {
            "contact_email": "lonn@alfa.example",
            "period": Period.of(dt.date.today()).iso,
            "files": [upload("god.csv", good_csv())],
        },
    )
    assert response.status_code == 503
    assert not Job.objects.exists()
