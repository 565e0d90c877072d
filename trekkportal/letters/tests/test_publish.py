"""Publishing an uploaded PDF: one service behind the admin and ``publish_letter``; the
file-safety checks; one e-mail per user per publishing, with no member data."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from trekkportal.accounts.models import CompanyAccess, User
from trekkportal.audit.models import AuditEvent
from trekkportal.letters.models import Letter, LetterBatch
from trekkportal.letters.services import publish_uploaded_letter
from trekkportal.mail.models import OutboxMessage
from trekkportal.submissions.parsers.tests.pdfs import assemble

from .helpers import SUBJECT, letter_pdf

JAVASCRIPT_PDF = assemble(
    [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
)


def publish(companies, data=None, *, name="brev.pdf", subject=SUBJECT, user=None):
    return publish_uploaded_letter(
        companies=companies,
        data=letter_pdf() if data is None else data,
        name=name,
        subject=subject,
        acting_user=user,
    )


def test_it_publishes_one_pdf_to_one_company_and_audits_it(company_a, employer_a, staff):
    data = letter_pdf()
    batch = publish([company_a], data, user=staff)

    letter = Letter.objects.get()
    assert letter.company == company_a and letter.batch == batch and letter.is_published
    assert letter.subject == SUBJECT and not letter.was_downloaded
    with default_storage.open(letter.storage_name, "rb") as stored:
        assert stored.read() == data
    assert batch.state == LetterBatch.State.PUBLISHED and batch.published_by == staff
    event = AuditEvent.objects.get(action="letter.published")
    assert event.actor == staff and event.data["letters"] == 1


def test_the_same_pdf_to_many_companies_is_one_letter_each(company_a, company_b, company_c):
    publish([company_a, company_b, company_c, company_a])

    assert sorted(Letter.objects.values_list("company__name", flat=True)) == [
        "Alfa Offshore AS",
        "Beta Raffineri AS",
        "Gamma Kjemi AS",
    ]
    assert len(set(Letter.objects.values_list("storage_name", flat=True))) == 3


def test_each_user_gets_one_email_per_publishing_with_subject_and_link_only(
    company_a, company_b, company_c, employer_a, employer_b
):
    # employer_a works for A and C: one e-mail naming both, not two.
    inactive = User.objects.create_user("gone@alfa.example", "x" * 20, is_active=False)
    CompanyAccess.objects.create(user=inactive, company=company_a)

    publish([company_a, company_b, company_c])

    messages = {message.to: message for message in OutboxMessage.objects.all()}
    assert sorted(messages) == [employer_a.email, employer_b.email]
    kari = messages[employer_a.email]
    assert kari.subject == "Nytt brev fra Industri Energi"
    assert "Alfa Offshore AS, Gamma Kjemi AS" in kari.body_text
    assert f"Emne: {SUBJECT}" in kari.body_text
    assert "http://localhost:8000/brev/" in kari.body_text
    assert "Beta Raffineri AS" in messages[employer_b.email].body_text


def test_publishing_twice_sends_a_second_email(company_b, employer_b):
    publish([company_b])
    publish([company_b], subject="Utmeldte / overflytting av medlemmer")

    assert OutboxMessage.objects.filter(to=employer_b.email).count() == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("brev.pdf", JAVASCRIPT_PDF, "inneholder skript"),
        ("brev.pdf", b"Fodselsnummer;Navn\r\n", "innholdet er tekst"),
        ("brev.pdf", b"MZ\x90\x00" + b"\x00" * 100, "innholdet er et program"),
        ("brev.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "skadet"),
        ("brev.docx", letter_pdf(), "ikke en filtype"),
        ("brev.pdf", b"", "er tom"),
    ],
)
def test_an_unsafe_or_false_pdf_is_refused_and_nothing_is_stored(
    company_a, employer_a, name, data, message
):
    with pytest.raises(ValidationError) as refusal:
        publish([company_a], data, name=name)

    assert message in " ".join(refusal.value.messages)
    assert not Letter.objects.exists() and not LetterBatch.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not default_storage.exists("letters") or not default_storage.listdir("letters")[1]


def test_a_subject_is_required(company_a):
    with pytest.raises(ValidationError):
        publish([company_a], subject="   ")
    assert not Letter.objects.exists()


def test_a_failure_while_saving_leaves_no_file(company_a, monkeypatch):
    from trekkportal.letters import services

    def broken(letters):
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(services, "_notify", broken)
    with pytest.raises(RuntimeError):
        publish([company_a])

    assert not Letter.objects.exists()
    assert not default_storage.listdir("letters")[1]


def test_the_command_publishes_a_file(tmp_path, company_a, company_b, employer_a):
    path = tmp_path / "brev.pdf"
    path.write_bytes(letter_pdf())

    call_command("publish_letter", company_a.orgnr, str(path), "--subject", SUBJECT)
    call_command(
        "publish_letter", f"{company_a.orgnr},{company_b.orgnr}", str(path), "--subject", "To"
    )

    assert Letter.objects.filter(company=company_a).count() == 2
    assert Letter.objects.filter(company=company_b, subject="To").count() == 1


def test_the_command_refuses_an_unknown_company_or_an_unsafe_file(tmp_path, company_a):
    path = tmp_path / "brev.pdf"
    path.write_bytes(JAVASCRIPT_PDF)

    with pytest.raises(CommandError, match="organisation number"):
        call_command("publish_letter", "123456785", str(path), "--subject", SUBJECT)
    with pytest.raises(CommandError, match="inneholder skript"):
        call_command("publish_letter", company_a.orgnr, str(path), "--subject", SUBJECT)
    assert not Letter.objects.exists()


def test_staff_publish_in_the_admin_through_the_service(staff_client, company_a, company_b):
    upload = SimpleUploadedFile("brev.pdf", letter_pdf(), content_type="application/pdf")

    response = staff_client.post(
        "/admin/letters/letter/add/",
        {"pdf": upload, "subject": SUBJECT, "orgnrs": f"{company_a.orgnr}\n{company_b.orgnr}"},
    )

    assert response.status_code == 302
    assert Letter.objects.count() == 2
    assert AuditEvent.objects.filter(action="letter.published").count() == 1


def test_the_admin_form_shows_why_a_file_is_refused(staff_client, company_a):
    upload = SimpleUploadedFile("brev.pdf", JAVASCRIPT_PDF, content_type="application/pdf")

    response = staff_client.post(
        "/admin/letters/letter/add/",
        {"pdf": upload, "subject": SUBJECT, "orgnrs": company_a.orgnr},
    )

    assert response.status_code == 200
    assert "inneholder skript" in response.content.decode()
    assert '<label for="id_pdf"' in response.content.decode()
    assert not Letter.objects.exists()


def test_the_admin_refuses_an_unknown_organisation_number(staff_client):
    upload = SimpleUploadedFile("brev.pdf", letter_pdf(), content_type="application/pdf")

    response = staff_client.post(
        "/admin/letters/letter/add/", {"pdf": upload, "subject": SUBJECT, "orgnrs": "999999999"}
    )

    assert "Ingen bedrift har organisasjonsnummer 999999999." in response.content.decode()


def test_an_employer_cannot_reach_the_publishing_page(client_a):
    assert client_a.get("/admin/letters/letter/add/").status_code in (302, 404)


def test_no_email_is_sent_through_smtp_at_once(company_a, employer_a):
    publish([company_a])
    assert mail.outbox == []  # the worker delivers it from the outbox


def test_a_pdf_over_the_size_limit_is_refused_without_reading_it_all(company_a, monkeypatch):
    from trekkportal.letters import services

    monkeypatch.setattr(services, "MAX_LETTER_BYTES", 1000)
    upload = SimpleUploadedFile("brev.pdf", letter_pdf() + b"%" + b"x" * 5000)

    with pytest.raises(ValidationError) as refusal:
        publish([company_a], upload)

    assert "større enn" in " ".join(refusal.value.messages)
    assert not Letter.objects.exists()
