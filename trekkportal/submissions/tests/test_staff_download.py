"""Union staff see every submission in the admin and download its files byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from django.core.files.storage import default_storage
from django.urls import reverse

from tests.fixtures import submit_files
from trekkportal.audit.models import AuditEvent
from trekkportal.submissions.models import Submission, SubmittedFile
from trekkportal.submissions.storage import sweep_orphan_files

from .files import CSV, upload, xlsx


def download_url(submitted_file):
    return reverse("admin:submissions_submittedfile_download", args=[submitted_file.pk])


def test_staff_download_is_byte_for_byte_the_upload(staff_client, employer_a, company_a):
    original = xlsx()
    submission = submit_files(company_a, employer_a, upload("lønn oktober.xlsx", original))
    # As after a restart: nothing but the database row and the stored file.
    submitted_file = SubmittedFile.objects.get(submission_id=submission.pk)

    response = staff_client.get(download_url(submitted_file))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body == original
    assert hashlib.sha256(body).hexdigest() == submitted_file.sha256
    assert len(body) == submitted_file.size


def test_the_download_is_a_safe_attachment(staff_client, employer_a, company_a):
    submission = submit_files(company_a, employer_a, upload("lønn oktober.xlsx", xlsx()))
    response = staff_client.get(download_url(submission.files.get()))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''l%C3%B8nn%20oktober.xlsx" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_the_download_is_audited(staff_client, staff, employer_a, company_a):
    submission = submit_files(company_a, employer_a, upload("a.csv", CSV))
    submitted_file = submission.files.get()
    b"".join(staff_client.get(download_url(submitted_file)).streaming_content)
    event = AuditEvent.objects.get(action="submission.file_downloaded")
    assert event.actor == staff
    assert event.company == company_a
    assert event.object_id == str(submitted_file.pk)


def test_employers_cannot_use_the_staff_download(client_a, employer_a, company_a):
    submission = submit_files(company_a, employer_a, upload("a.csv", CSV))
    response = client_a.get(download_url(submission.files.get()), follow=True)
    assert response.status_code == 404  # through the admin's login, which refuses them
    assert not getattr(response, "streaming", False)
    assert not AuditEvent.objects.filter(action="submission.file_downloaded").exists()


def test_staff_see_every_companys_submissions(
    staff_client, employer_a, employer_b, company_a, company_b
):
    submit_files(company_a, employer_a, upload("alfa.csv", CSV))
    submission_b = submit_files(company_b, employer_b, upload("beta.csv", CSV))
    listing = staff_client.get(reverse("admin:submissions_submission_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert company_a.name in html and company_b.name in html
    detail = staff_client.get(
        reverse("admin:submissions_submission_change", args=[submission_b.pk])
    ).content.decode()
    assert "beta.csv" in detail
    assert download_url(submission_b.files.get()) in detail


def test_the_admin_cannot_change_or_delete_a_submission(staff_client, employer_a, company_a):
    submission = submit_files(company_a, employer_a, upload("a.csv", CSV))
    url = reverse("admin:submissions_submission_delete", args=[submission.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert Submission.objects.filter(pk=submission.pk).exists()


def test_the_sweeper_removes_old_orphans_only(settings, employer_a, company_a):
    submission = submit_files(company_a, employer_a, upload("a.csv", CSV))
    kept = submission.files.get().storage_name
    orphan = default_storage.save("submissions/orphan.csv", upload("x.csv", CSV))
    fresh = default_storage.save("submissions/fresh.csv", upload("y.csv", CSV))
    old = 1_000_000_000  # 2001
    for name in (kept, orphan):
        os.utime(Path(settings.MEDIA_ROOT) / name, (old, old))

    deleted = sweep_orphan_files(older_than=dt.timedelta(minutes=60))

    assert deleted == [orphan]
    assert default_storage.exists(kept)
    assert default_storage.exists(fresh)
    assert not default_storage.exists(orphan)
    assert AuditEvent.objects.filter(action="submission.orphans_swept").exists()


def test_the_sweeper_command_runs_with_no_files(db, capsys):
    from django.core.management import call_command

    call_command("sweep_orphan_files", "--minutes", "5")
    assert "0 orphan" in capsys.readouterr().out


def test_the_sweeper_runs_every_night_in_the_worker():
    from trekkportal.jobs.queue import scheduled_jobs
    from trekkportal.submissions.jobs import sweep_orphan_submission_files

    assert sweep_orphan_submission_files in scheduled_jobs()


def test_the_sweeper_checks_many_files_in_chunks(
    settings, employer_a, company_a, monkeypatch, django_assert_max_num_queries
):
    from trekkportal.submissions import storage

    monkeypatch.setattr(storage, "SWEEP_CHUNK", 2)
    kept = submit_files(company_a, employer_a, upload("a.csv", CSV)).files.get().storage_name
    for n in range(5):
        default_storage.save(f"submissions/orphan-{n}.csv", upload("x.csv", CSV))
    old = 1_000_000_000
    for path in (Path(settings.MEDIA_ROOT) / "submissions").iterdir():
        os.utime(path, (old, old))

    with django_assert_max_num_queries(4):  # 6 files, 2 a query; the audit event
        deleted = sweep_orphan_files(older_than=dt.timedelta(minutes=60))

    assert sorted(deleted) == [f"submissions/orphan-{n}.csv" for n in range(5)]
    assert default_storage.exists(kept)
