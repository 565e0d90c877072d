"""The letters page: an uploaded PDF to every active company or to the ones named, the
generated batches (write, preview, publish, discard) and the downloads — through the same
letters services the admin uses, audited; staff with the second factor only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.fixtures import log_in_client
from trekkportal.accounts.services import add_company
from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.letters.models import Letter, LetterBatch
from trekkportal.letters.services import run_letter_batch
from trekkportal.letters.tests.helpers import letter_pdf
from trekkportal.lib.identity import make_valid_orgnr
from trekkportal.lib.periods import Period
from trekkportal.mail.models import OutboxMessage
from trekkportal.reconciliation.tests.helpers import a_member

pytestmark = pytest.mark.django_db

PAGE = reverse("backoffice:letters")
SUBJECT = "Nytt trekkgrunnlag fra januar"


def publish(client, *, recipients="valgte", orgnrs="", data=None, subject=SUBJECT):
    upload = SimpleUploadedFile("brev.pdf", data or letter_pdf(), content_type="application/pdf")
    return client.post(
        reverse("backoffice:letters_publish"),
        {"subject": subject, "pdf": upload, "recipients": recipients, "orgnrs": orgnrs},
    )


@pytest.fixture
def draft(company_a):
    a_member(company_a, since=Period(2027, 1))
    return run_letter_batch(acting_user=None)


def test_staff_publish_a_letter_to_every_active_company(
    staff_client, staff, company_a, company_b, company_c, employer_a, employer_b
):
    company_c.is_active = False
    company_c.save()

    response = publish(staff_client, recipients="alle")

    batch = LetterBatch.objects.get()
    assert response.url == reverse("backoffice:letters_batch", args=[batch.pk])
    assert {letter.company for letter in batch.letters.all()} == {company_a, company_b}
    assert OutboxMessage.objects.filter(to=employer_b.email, template_name="new_letter").exists()
    event = AuditEvent.objects.get(action="letter.published")
    assert (event.actor, event.data["letters"]) == (staff, 2)


def test_staff_publish_a_letter_to_the_companies_named(staff_client, company_a, company_b):
    publish(staff_client, orgnrs=f"{company_b.orgnr}\n")
    assert [letter.company for letter in Letter.objects.all()] == [company_b]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"orgnrs": ""}, "Velg minst én bedrift."),
        ({"orgnrs": "999999999"}, "999999999"),
        ({"orgnrs": "x", "data": b"<html>ikke et brev</html>"}, ""),
    ],
)
def test_a_bad_form_publishes_nothing_and_says_why(staff_client, company_a, fields, error):
    if fields.get("orgnrs") == "x":
        fields["orgnrs"] = company_a.orgnr
    response = publish(staff_client, **fields)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert error in response.content.decode()
    assert not Letter.objects.exists()


def test_staff_write_the_letters_on_the_worker_then_preview_and_publish(
    staff_client, staff, company_a, employer_a
):
    a_member(company_a, name="Ås, Per", since=Period(2027, 1))
    assert "1 endring i registeret venter på brev." in staff_client.get(PAGE).content.decode()

    assert staff_client.post(reverse("backoffice:letters_run")).status_code == 302
    assert not LetterBatch.objects.exists()  # queued for the worker
    run_pending()
    batch = LetterBatch.objects.get()
    assert (batch.state, batch.created_by) == ("draft", staff)

    page = staff_client.get(reverse("backoffice:letters_batch", args=[batch.pk])).content.decode()
    assert company_a.name in page and "Publiser bunken" in page
    letter = batch.letters.get()
    preview = staff_client.get(reverse("backoffice:letter_preview", args=[letter.pk]))
    assert b"".join(preview.streaming_content).startswith(b"%PDF-")

    staff_client.post(reverse("backoffice:letters_batch_publish", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "published" and batch.published_by == staff
    assert OutboxMessage.objects.filter(to=employer_a.email, template_name="new_letter").exists()
    assert AuditEvent.objects.filter(action="letter.published", actor=staff).exists()


def test_nothing_to_write_queues_nothing(staff_client, company_a):
    response = staff_client.post(reverse("backoffice:letters_run"), follow=True)
    assert "Det er ingen nye medlemsendringer" in response.content.decode()
    assert not Job.objects.filter(name__endswith="write_letter_batch").exists()


def test_staff_discard_a_draft_and_it_cannot_be_published_after(staff_client, staff, draft):
    staff_client.post(reverse("backoffice:letters_batch_discard", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == "discarded"
    assert AuditEvent.objects.filter(action="letter.batch_discarded", actor=staff).exists()

    response = staff_client.post(
        reverse("backoffice:letters_batch_publish", args=[draft.pk]), follow=True
    )
    assert "Denne bunken er allerede" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "discarded"


def test_the_pages_show_whether_each_company_downloaded(staff_client, company_a, company_b):
    publish(staff_client, orgnrs=f"{company_a.orgnr} {company_b.orgnr}")
    Letter.objects.filter(company=company_a).update(first_downloaded_at="2026-11-20T10:00Z")
    batch = LetterBatch.objects.get()

    listing = staff_client.get(PAGE)
    assert [(b.letter_total, b.downloaded_total) for b in listing.context["page"]] == [(2, 1)]
    page = staff_client.get(reverse("backoffice:letters_batch", args=[batch.pk])).content.decode()
    assert "1 av 2 bedrifter" in page
    assert "Ja (20.11.2026)" in page


def test_the_pages_keep_a_fixed_number_of_queries(
    staff_client, company_a, django_assert_num_queries
):
    publish(staff_client, orgnrs=company_a.orgnr)
    batch = LetterBatch.objects.get()
    staff_client.get(PAGE)
    with django_assert_num_queries(7):
        staff_client.get(PAGE)
    with django_assert_num_queries(7):
        staff_client.get(reverse("backoffice:letters_batch", args=[batch.pk]))
    more = [
        add_company(orgnr=make_valid_orgnr(94000000 + i * 10), name=f"Bedrift {i}")
        for i in range(5)
    ]
    publish(staff_client, orgnrs=" ".join(c.orgnr for c in more))
    publish(staff_client, orgnrs=company_a.orgnr)
    batch = LetterBatch.objects.order_by("pk")[1]
    with django_assert_num_queries(7):
        staff_client.get(PAGE)
    with django_assert_num_queries(7):
        staff_client.get(reverse("backoffice:letters_batch", args=[batch.pk]))


@pytest.mark.parametrize(
    "name", ["letters_run", "letters_publish", "letters_batch_publish", "letters_batch_discard"]
)
def test_employers_and_anonymous_visitors_get_404_and_nothing_changes(client_a, draft, name):
    url = reverse(f"backoffice:{name}", **({"args": [draft.pk]} if "batch" in name else {}))
    for client in (client_a, Client()):
        assert client.post(url).status_code == 404
        assert client.get(PAGE).status_code == 404
        assert client.get(reverse("backoffice:letters_batch", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert not Job.objects.filter(name__endswith="write_letter_batch").exists()


def test_an_action_without_a_csrf_token_is_refused(staff, draft):
    client = log_in_client(Client(enforce_csrf_checks=True), staff)
    url = reverse("backoffice:letters_batch_publish", args=[draft.pk])
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.state == "draft"
