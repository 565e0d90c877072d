"""The "Send inn trekkliste" form and its receipt (issue "Innsending"; docs/security.md E)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.worker import run_pending
from trekkportal.mail.models import OutboxMessage
from trekkportal.submissions.models import Submission, SubmittedFile

from .files import CSV, EXE, HTML, PDF, encrypted_xlsx, macro_xlsx, upload, xlsx

URL = "/innsending/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def form_data(**overrides):
    data = {
        "contact_email": "lonn@alfa.example",
        "period": "2026-10",
        "comment": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def post(client, files=(), **overrides):
    return client.post(URL, {**form_data(**overrides), "files": list(files)})


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def errors_of(response) -> str:
    return " ".join(str(e) for e in response.context["form"].errors.get("files", []))


# The form -------------------------------------------------------------------------------


def test_it_shows_the_form_in_the_seeds_words(client_a, employer_a):
    response = client_a.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Send inn trekkliste",
        "E-post vi kan kontakte dere på:",
        "Periode:",
        "Velg måned",
        "Trekkliste:",
        "Legg til",
        "Filer og format",
        "Merknad:",
        "Send inn",
    ):
        assert text in html, text
    assert f'value="{employer_a.email}"' in html  # prefilled with the user's e-mail
    assert 'type="file" name="files"' in html and " multiple" in html
    assert 'name="idempotency_key"' in html


def test_it_offers_the_current_month_and_the_previous_twelve(client_a):
    choices = client_a.get(URL).context["form"].fields["period"].widget.choices
    assert choices[0][0] == ""
    assert [value for value, _ in choices[1:]][:2] == ["2026-11", "2026-10"]
    assert choices[1][1] == "november 2026"
    assert choices[-1][0] == "2025-11"
    assert len(choices) == 14


def test_it_stores_a_submission_with_several_files(client_a, employer_a, company_a, settings):
    files = [upload("oktober.xlsx", xlsx()), upload("tillegg.csv", CSV), upload("orig.pdf", PDF)]
    response = post(client_a, files, comment="Tre filer denne gangen.")

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:receipt", kwargs={"pk": submission.pk})
    assert submission.company == company_a
    assert submission.submitted_by == employer_a
    assert submission.period == dt.date(2026, 10, 1)
    assert submission.comment == "Tre filer denne gangen."
    assert submission.contact_email == "lonn@alfa.example"
    rows = list(submission.files.order_by("position"))
    assert [f.original_name for f in rows] == ["oktober.xlsx", "tillegg.csv", "orig.pdf"]
    assert [f.kind for f in rows] == ["xlsx", "csv", "pdf"]
    assert all(f.state == SubmittedFile.State.RECEIVED for f in rows)
    for row, original in zip(rows, (xlsx(), CSV, PDF), strict=True):
        assert row.size == len(original)
        assert row.sha256 == hashlib.sha256(original).hexdigest()
        assert row.storage_name.startswith("submissions/")
        assert "oktober" not in row.storage_name and "tillegg" not in row.storage_name
        with default_storage.open(row.storage_name, "rb") as fh:
            assert fh.read() == original
    assert len(stored_files(settings)) == 3
    event = AuditEvent.objects.get(action="submission.created")
    assert event.company == company_a
    assert event.data == {"period": "1026", "files": 3, "bytes": len(xlsx() + CSV + PDF)}


def test_the_receipt_shows_period_files_and_time(client_a):
    response = post(client_a, [upload("oktober.xlsx", xlsx()), upload("tillegg.csv", CSV)])
    html = client_a.get(response["Location"]).content.decode()
    assert "oktober 2026 (1026)" in html
    assert "oktober.xlsx" in html and "tillegg.csv" in html
    assert "20.11.2026 11:30" in html  # Oslo time
    assert "lonn@alfa.example" in html


def test_it_queues_one_receipt_to_the_contact_address_without_member_data(client_a):
    post(client_a, [upload("oktober.csv", CSV)], contact_email="kontakt@alfa.example")
    run_pending()  # the receipt follows once the file is read
    message = OutboxMessage.objects.get()
    assert message.template_name == "submission_receipt"
    assert message.to == "kontakt@alfa.example"
    assert "oktober 2026" in message.subject + message.body_text
    for secret in ("15018012345", "Test, Ola", "oktober.csv"):
        assert secret not in message.subject + message.body_text + message.body_html


def test_it_refuses_a_comment_without_a_file(client_a, settings):
    response = post(client_a, [], comment="Ingen ansatte denne måneden.")
    assert response.status_code == 400
    assert "Merknaden hører til" in errors_of(response)
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_it_refuses_a_submission_without_files(client_a):
    response = post(client_a, [])
    assert response.status_code == 400
    assert errors_of(response)
    assert not Submission.objects.exists()


def test_it_refuses_a_period_in_the_future(client_a, settings):
    response = post(client_a, [upload("a.csv", CSV)], period="2026-12")
    assert response.status_code == 400
    assert response.context["form"].errors["period"]
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_it_refuses_a_period_more_than_twelve_months_back(client_a):
    response = post(client_a, [upload("a.csv", CSV)], period="2025-10")
    assert response.status_code == 400
    assert response.context["form"].errors["period"]


def test_it_announces_errors_and_links_them_to_the_fields(client_a):
    html = post(client_a, [], comment="x").content.decode()
    assert 'role="alert"' in html
    assert 'id="id_files_error"' in html
    assert 'aria-describedby="id_files_helptext id_files_error"' in html
    assert 'aria-invalid="true"' in html


# E1: sizes ----------------------------------------------------------------------------------


def test_it_refuses_an_empty_file(client_a, settings):
    response = post(client_a, [upload("tom.csv", b"")])
    assert response.status_code == 400
    assert "tom.csv" in errors_of(response)
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_it_refuses_a_file_one_byte_over_the_limit(client_a, settings):
    settings.SUBMISSION_MAX_FILE_SIZE = len(CSV) - 1
    response = post(client_a, [upload("stor.csv", CSV)])
    assert response.status_code == 400
    assert "stor.csv" in errors_of(response)
    assert not Submission.objects.exists()


def test_a_refused_large_file_is_told_the_limit_as_sizes_are_written_everywhere(client_a, settings):
    settings.SUBMISSION_MAX_FILE_SIZE = 1536 * 1024  # 1.5 MB: not a whole number of MB
    big = CSV + b"x" * (1536 * 1024)
    response = post(client_a, [upload("stor.csv", big)])
    assert response.status_code == 400
    assert "Filen stor.csv er større enn 1,5 MB, som er det meste vi tar imot." in errors_of(
        response
    )


def test_it_accepts_a_file_exactly_at_the_limit(client_a, settings):
    settings.SUBMISSION_MAX_FILE_SIZE = len(CSV)
    assert post(client_a, [upload("akkurat.csv", CSV)]).status_code == 302


def test_it_refuses_files_over_the_submission_limit_together(client_a, settings):
    settings.SUBMISSION_MAX_TOTAL_SIZE = len(CSV) * 2 - 1
    response = post(client_a, [upload("a.csv", CSV), upload("b.csv", CSV)])
    assert response.status_code == 400
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_it_answers_413_to_a_request_over_the_body_limit(client_a, settings):
    settings.SUBMISSION_MAX_TOTAL_SIZE = 10
    response = post(client_a, [upload("a.csv", CSV * 20_000)])
    assert response.status_code == 413
    assert "Send dem i flere innsendinger" in response.content.decode()
    assert not Submission.objects.exists()


def test_an_oversized_post_is_refused_before_its_body_is_read(employer_a, settings, monkeypatch):
    """The size is checked before CSRF's check, which reads the body to find the token:
    even without a token the answer is the 413 page, and the body was never parsed."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.test import Client

    from tests.fixtures import log_in_client

    def never(self):
        raise AssertionError("the body of an oversized request was read")

    settings.SUBMISSION_MAX_TOTAL_SIZE = 10
    client = log_in_client(Client(enforce_csrf_checks=True), employer_a)
    monkeypatch.setattr(WSGIRequest, "_load_post_and_files", never)
    response = post(client, [upload("a.csv", CSV * 20_000)])
    assert response.status_code == 413


# E2/E5: content --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("liste.xlsx", PDF),
        ("liste.xlsx", EXE),
        ("liste.xlsx", HTML),
        ("liste.txt", HTML),
        ("liste.csv", EXE),
        ("liste.pdf", CSV),
        ("liste.exe", CSV),
        ("liste.pdf.exe", PDF),
    ],
)
def test_it_refuses_a_file_whose_content_and_name_disagree(client_a, settings, name, data):
    response = post(client_a, [upload("god.csv", CSV), upload(name, data)])
    assert response.status_code == 400
    assert name in errors_of(response)
    assert "god.csv" not in errors_of(response)
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


def test_it_reads_an_xls_that_is_really_text_as_text(client_a):
    assert post(client_a, [upload("liste.xls", CSV)]).status_code == 302
    assert SubmittedFile.objects.get().kind == "csv"


def test_it_refuses_pdf_when_the_transition_is_over(client_a, settings):
    settings.SUBMISSION_ACCEPT_PDF = False
    response = post(client_a, [upload("liste.pdf", PDF)])
    assert response.status_code == 400
    assert "liste.pdf" in errors_of(response)
    page = client_a.get(URL).content.decode()
    assert "originale PDF" not in page  # the help text no longer offers it
    assert ".pdf" not in page


@pytest.mark.parametrize(
    ("data", "reason"), [(macro_xlsx(), "makroer"), (encrypted_xlsx(), "passord")]
)
def test_it_refuses_macro_enabled_and_encrypted_workbooks_with_an_explanation(
    client_a, settings, data, reason
):
    response = post(client_a, [upload("lønn.xlsx", data)])
    assert response.status_code == 400
    assert "lønn.xlsx" in errors_of(response)
    assert reason in errors_of(response)
    assert stored_files(settings) == []


# E12: file names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x.csv", "x.csv"),
        ("..\\..\\windows\\x.csv", "x.csv"),
        ("liste\u202ecod.csv", "listecod.csv"),
        ("CON.csv", "_CON.csv"),
    ],
)
def test_it_stores_under_a_generated_name_and_shows_a_sanitised_one(
    client_a, settings, name, shown
):
    assert post(client_a, [upload(name, CSV)]).status_code == 302
    row = SubmittedFile.objects.get()
    assert row.original_name == shown
    assert row.storage_name.startswith("submissions/") and row.storage_name.endswith(".csv")
    assert len(Path(row.storage_name).stem) == 32  # a uuid
    assert [p.name for p in stored_files(settings)] == [Path(row.storage_name).name]


def test_it_sanitises_line_breaks_in_a_name(employer_a, company_a):
    from trekkportal.lib.periods import Period
    from trekkportal.submissions.services import submit_list

    submission = submit_list(
        company=company_a,
        period=Period(2026, 10),
        files=[upload("liste\r\nBcc: x@evil.example.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    assert submission.files.get().original_name == "liste Bcc: x@evil.example.csv"


def test_it_shortens_a_300_character_name(client_a):
    assert post(client_a, [upload("x" * 296 + ".csv", CSV)]).status_code == 302
    name = SubmittedFile.objects.get().original_name
    assert len(name) <= 200 and name.endswith(".csv")


# E15: double post ------------------------------------------------------------------------


def test_a_double_post_gives_one_submission_and_one_receipt(client_a, settings):
    data = form_data()
    first = client_a.post(URL, {**data, "files": [upload("a.csv", CSV)]})
    second = client_a.post(URL, {**data, "files": [upload("a.csv", CSV)]})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1
    run_pending()
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="submission.created").count() == 1
    assert len(stored_files(settings)) == 1


def test_the_same_form_key_in_another_company_is_another_submission(
    client_a, client_b, company_a, company_b
):
    data = form_data()
    client_a.post(URL, {**data, "files": [upload("a.csv", CSV)]})
    response = client_b.post(URL, {**data, "files": [upload("b.csv", CSV)]})
    assert response.status_code == 302
    assert Submission.objects.filter(company=company_b).count() == 1
    assert Submission.objects.filter(company=company_a).count() == 1


# E16: failures mid-submission --------------------------------------------------------------


def test_a_storage_failure_leaves_no_file_and_no_row(client_a, settings, monkeypatch):
    real_save = default_storage.save
    calls = []

    def failing_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    response = post(client_a, [upload("a.csv", CSV), upload("b.csv", CSV)])
    assert response.status_code == 503
    assert "Prøv igjen" in response.content.decode()
    assert len(calls) == 2
    assert not Submission.objects.exists() and not SubmittedFile.objects.exists()
    assert stored_files(settings) == []
    assert not OutboxMessage.objects.exists()


def test_a_database_failure_leaves_no_file_and_no_row(client_a, settings, monkeypatch):
    def failing_bulk_create(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(SubmittedFile.objects, "bulk_create", failing_bulk_create)
    response = post(client_a, [upload("a.csv", CSV), upload("b.xlsx", xlsx())])
    assert response.status_code == 503
    assert "Prøv igjen" in response.content.decode()
    assert not Submission.objects.exists()
    assert stored_files(settings) == []
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="submission.created").exists()


# D1/D3: tenant isolation ------------------------------------------------------------------


def test_it_ignores_a_company_field_in_the_post(client_a, company_a, company_b):
    post(client_a, [upload("a.csv", CSV)], company=str(company_b.pk), company_id=company_b.pk)
    assert Submission.objects.get().company == company_a


def test_it_refuses_another_companys_receipt(client_a, client_b, company_b):
    response = post(client_b, [upload("b.csv", CSV)])
    assert response.status_code == 302
    other = client_a.get(response["Location"])
    assert other.status_code == 404
    assert "b.csv" not in other.content.decode()
    refusal = AuditEvent.objects.get(action="access.refused")
    assert refusal.actor.email == "kari@alfa.example"
    assert refusal.data == {"submission": Submission.objects.get().pk}


def test_the_receipt_follows_the_active_company(client_a, employer_a, company_c):
    response = post(client_a, [upload("a.csv", CSV)])  # for company A (the first by name)
    session = client_a.session
    session["active_company_id"] = company_c.pk
    session.save()
    assert client_a.get(response["Location"]).status_code == 404


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "innsending" not in response["Location"].split("?")[0]


def test_it_refuses_a_post_without_csrf_token(employer_a):
    from django.test import Client

    from tests.fixtures import log_in_client

    client = log_in_client(Client(enforce_csrf_checks=True), employer_a)
    response = post(client, [upload("a.csv", CSV)])
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_the_slower_of_two_simultaneous_posts_returns_the_first_submission(
    employer_a, company_a, settings, monkeypatch
):
    from trekkportal.lib.periods import Period
    from trekkportal.submissions import services

    key = uuid.uuid4()
    real_check_files = services.check_files

    def the_other_click_commits_meanwhile(files):
        kinds = real_check_files(files)
        monkeypatch.setattr(services, "check_files", real_check_files)
        services.submit_list(
            company=company_a,
            period=Period(2026, 10),
            files=[upload("a.csv", CSV)],
            comment="",
            contact_email=employer_a.email,
            acting_user=employer_a,
            idempotency_key=key,
        )
        return kinds

    monkeypatch.setattr(services, "check_files", the_other_click_commits_meanwhile)
    submission = services.submit_list(
        company=company_a,
        period=Period(2026, 10),
        files=[upload("a.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
        idempotency_key=key,
    )
    assert Submission.objects.get() == submission
    assert len(stored_files(settings)) == 1  # the slower request's file was removed
    run_pending()
    assert OutboxMessage.objects.count() == 1


def test_a_form_error_says_which_files_to_add_again(client_a):
    response = post(
        client_a, [upload("oktober.csv", CSV), upload("tillegg.xlsx", xlsx())], period=""
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "legg dem til på nytt før du sender" in html
    assert "oktober.csv, tillegg.xlsx" in html
    assert not Submission.objects.exists()


def test_the_form_gives_its_script_the_limits_to_check_before_uploading(client_a, settings):
    html = client_a.get(URL).content.decode()
    assert f'data-max-file-bytes="{settings.SUBMISSION_MAX_FILE_SIZE}"' in html
    assert f'data-max-total-bytes="{settings.SUBMISSION_MAX_TOTAL_SIZE}"' in html
    assert f'data-max-files="{settings.SUBMISSION_MAX_FILES}"' in html
    assert 'data-accept=".xlsx,.xls,.ods,.csv,.txt' in html
