"""Letters on the company page: staff publish a PDF to the company through the letters
app's service (checked, stored, the users e-mailed, audited), see whether it was
downloaded, and preview it (audited); employers get 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.letters.models import Letter
from trekkportal.letters.tests.helpers import letter_pdf
from trekkportal.mail.models import OutboxMessage


def post_letter(client, company, data=None, subject="Vedrørende kontingenttrekk"):
    upload = SimpleUploadedFile("brev.pdf", data or letter_pdf(), content_type="application/pdf")
    return client.post(
        reverse("backoffice:company_letter", args=[company.pk]),
        {"subject": subject, "pdf": upload},
    )


def test_staff_publish_a_letter_to_the_company_and_its_users_are_told(
    staff_client, staff, company_a, employer_a
):
    assert post_letter(staff_client, company_a).status_code == 302
    letter = Letter.objects.get(company=company_a)
    assert letter.is_published
    assert OutboxMessage.objects.filter(to=employer_a.email, template_name="new_letter").exists()
    assert AuditEvent.objects.filter(action="letter.published", actor=staff).exists()
    page = staff_client.get(reverse("backoffice:company", args=[company_a.pk])).content.decode()
    assert "Vedrørende kontingenttrekk" in page


def test_a_file_that_is_not_a_pdf_publishes_nothing(staff_client, company_a):
    post_letter(staff_client, company_a, data=b"<html>not a letter</html>")
    assert not Letter.objects.exists()


def test_staff_preview_a_letter_and_it_is_logged(staff_client, staff, company_a):
    post_letter(staff_client, company_a)
    letter = Letter.objects.get()
    response = staff_client.get(reverse("backoffice:letter_preview", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="letter.previewed", actor=staff).exists()
    letter.refresh_from_db()
    assert letter.first_downloaded_at is None  # staff looking is not the company's download


@pytest.mark.parametrize("name", ["company_letter", "letter_preview"])
def test_employers_cannot_publish_or_preview(client_a, company_a, staff_client, name):
    post_letter(staff_client, company_a)
    letter = Letter.objects.get()
    pk = company_a.pk if name == "company_letter" else letter.pk
    response = client_a.post(reverse(f"backoffice:{name}", args=[pk]))
    assert response.status_code == 404
    assert Letter.objects.count() == 1
