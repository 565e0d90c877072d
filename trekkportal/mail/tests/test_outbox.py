import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.periods import Period
from trekkportal.mail import emails
from trekkportal.mail.models import OutboxMessage
from trekkportal.mail.outbox import queue_email
from trekkportal.mail.rendering import UnsafeEmailContext

pytestmark = pytest.mark.django_db


def test_queue_email_writes_a_row_and_a_delivery_job_and_the_worker_sends_it(company_a):
    message = queue_email(
        to="lonn@alfa.example",
        template_name="new_letter",
        context={"company_name": company_a.name, "url": "http://localhost:8000/brev/"},
        language="nb",
        company=company_a,
    )

    assert message.status == OutboxMessage.Status.QUEUED
    assert mail.outbox == []
    assert Job.objects.filter(name__endswith="deliver_email").count() == 1

    run_pending()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    [sent] = mail.outbox
    assert sent.to == ["lonn@alfa.example"]
    assert sent.subject == message.subject
    assert sent.extra_headers["Message-ID"] == message.message_id


def test_delivery_tries_follow_email_max_attempts_at_run_time(company_a, settings):
    settings.EMAIL_MAX_ATTEMPTS = 4  # changed after the job module was imported
    queue_email(
        to="lonn@alfa.example",
        template_name="new_letter",
        context={"company_name": company_a.name, "url": "http://localhost:8000/brev/"},
        language="nb",
        company=company_a,
    )
    assert Job.objects.get(name__endswith="deliver_email").max_attempts == 4


def test_nothing_is_queued_when_the_change_rolls_back(company_a):
    def change_that_fails():
        with transaction.atomic():
            emails.new_letter(company=company_a, to=["a@example.org"])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert not OutboxMessage.objects.exists()
    assert not Job.objects.exists()


def test_each_recipient_gets_the_email_in_their_own_language(company_a, employer_a):
    employer_a.language = "en"
    employer_a.save()

    [english, norwegian] = emails.missing_list_reminder(
        company=company_a,
        period=Period(2026, 10),
        deadline=dt.date(2026, 11, 15),
        to=[employer_a, "post@alfa.example"],
    )

    assert english.language == "en"
    assert "October 2026" in english.subject
    assert "is missing" in english.subject
    assert norwegian.language == "nb"
    assert "oktober 2026" in norwegian.subject
    assert "mangler" in norwegian.subject.lower()


def test_it_names_the_union_and_links_to_the_portal(company_a, settings):
    settings.SITE_URL = "https://trekk.example.no"
    settings.UNION_NAME = "Industri Energi"

    [message] = emails.submission_receipt(
        company=company_a,
        period=Period(2026, 10),
        submitted_at=dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC),
        to=["lonn@alfa.example"],
    )

    for body in (message.body_text, message.body_html):
        assert "Industri Energi" in body
        assert "https://trekk.example.no/innsendte/" in body
        assert company_a.name in body


def test_the_default_recipients_are_the_companys_active_users(company_a, employer_a, employer_b):
    messages = emails.new_letter(company=company_a)

    assert [m.to for m in messages] == [employer_a.email]


def test_a_context_key_outside_the_allow_list_is_refused():
    with pytest.raises(UnsafeEmailContext):
        queue_email(to="a@example.org", template_name="new_letter",
                    context={"member_name": "Ola Normann"})  # fmt: skip


def test_a_context_value_holding_an_identity_number_is_refused():
    from trekkportal.lib.identity import make_valid_nin

    nin = make_valid_nin(dt.date(1990, 1, 1))
    for value in (nin, f"{nin[:6]} {nin[6:]}", f"Liste for {nin}"):
        with pytest.raises(UnsafeEmailContext):
            queue_email(to="a@example.org", template_name="new_letter",
                        context={"letter_subject": value})  # fmt: skip
