"""The background job that reads a submitted file: retries, and what its last failure
leaves behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import SubmittedFile
from trekkportal.submissions.services import submit_list

from .files import CSV, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_file(company_a, employer_a):
    submission = submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("liste.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    return submission.files.get()


@pytest.fixture
def broken_storage(monkeypatch):
    def unreadable(path, filename, **kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr("trekkportal.submissions.parsers.parse_safely", unreadable)


def test_it_keeps_the_file_received_while_the_job_retries(stored_file, broken_storage):
    run_pending()  # the first try; the next waits for its backoff

    stored_file.refresh_from_db()
    assert stored_file.state == SubmittedFile.State.RECEIVED
    job = Job.objects.get(name__endswith="parse_submitted_file")
    assert job.status == Job.Status.QUEUED


def test_it_says_the_file_could_not_be_read_after_the_last_try(stored_file, broken_storage):
    run_pending(now=timezone.now() + dt.timedelta(days=1))  # every try, past each backoff

    stored_file.refresh_from_db()
    job = Job.objects.get(name__endswith="parse_submitted_file")
    assert job.status == Job.Status.FAILED
    assert "storage unavailable" in job.last_error
    assert stored_file.state == SubmittedFile.State.FAILED  # not "Mottatt" for ever
    assert "liste.csv" in stored_file.parse_error


def test_staff_running_the_failed_job_again_reads_the_file(
    stored_file, broken_storage, monkeypatch, staff_client
):
    from django.urls import reverse

    run_pending(now=timezone.now() + dt.timedelta(days=1))  # every try fails
    monkeypatch.undo()  # the storage is back
    job = Job.objects.get(name__endswith="parse_submitted_file")
    staff_client.post(
        reverse("admin:jobs_job_changelist"), {"action": "retry", "_selected_action": [job.pk]}
    )

    run_pending()

    stored_file.refresh_from_db()
    assert stored_file.state == SubmittedFile.State.DONE
    assert stored_file.rows == 1


def test_a_worker_dying_on_the_last_try_leaves_the_file_could_not_be_read(stored_file):
    from trekkportal.jobs.worker import claim

    Job.objects.filter(name__endswith="parse_submitted_file").update(
        status=Job.Status.RUNNING,
        attempts=3,
        locked_by="a worker that was killed",
        locked_until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    SubmittedFile.objects.filter(pk=stored_file.pk).update(state=SubmittedFile.State.PARSING)

    # Another worker takes what is due (the receipt e-mail) and gives the parse job up.
    while (taken := claim("another worker")) is not None:
        assert not taken.name.endswith("parse_submitted_file")

    stored_file.refresh_from_db()
    assert Job.objects.get(name__endswith="parse_submitted_file").status == Job.Status.FAILED
    assert stored_file.state == SubmittedFile.State.FAILED  # not "Leses inn" for ever
