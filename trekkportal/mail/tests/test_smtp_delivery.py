"""Delivery through a real SMTP server (aiosmtpd on a free localhost port)."""

import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from trekkportal.jobs.models import Job
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.periods import Period
from trekkportal.mail import emails
from trekkportal.mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.JOBS_BACKOFF_SECONDS = 30
    return port


@pytest.fixture
def smtp_server(smtp_port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


def queue_receipt(company):
    [message] = emails.submission_receipt(
        company=company,
        period=Period(2026, 10),
        submitted_at=START,
        file_count=2,
        to=["lonn@alfa.example"],
    )
    return message


def test_a_message_is_delivered_through_smtp(company_a, smtp_server):
    message = queue_receipt(company_a)

    run_pending()

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["lonn@alfa.example"]
    parsed = message_from_bytes(envelope.content, policy=policy.default)
    assert parsed["Message-ID"] == message.message_id
    assert parsed["Subject"] == "Trekkliste for oktober 2026 er mottatt"
    assert parsed.is_multipart()  # text and HTML
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1


def test_with_the_server_down_it_stays_queued_and_is_delivered_once_it_is_back(
    company_a, smtp_port
):
    with time_machine.travel(START, tick=False) as clock:
        message = queue_receipt(company_a)

        run_pending()  # nobody listens on the port

        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.QUEUED
        assert message.attempts == 1
        assert message.last_error.startswith("ConnectionRefusedError")
        delivery = Job.objects.get(name__endswith="deliver_email")
        assert delivery.status == Job.Status.QUEUED
        assert delivery.run_after > START  # backoff

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            assert run_pending() == 0  # still waiting out the backoff
            clock.move_to(delivery.run_after + dt.timedelta(seconds=1))
            assert run_pending() == 1
            clock.move_to(START + dt.timedelta(hours=5))
            assert run_pending() == 0
        finally:
            controller.stop()

    assert len(inbox.messages) == 1  # exactly once
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2


def test_after_the_last_try_the_message_is_failed_and_kept(company_a, smtp_port, settings):
    settings.JOBS_BACKOFF_SECONDS = 1
    with time_machine.travel(START, tick=False) as clock:
        message = queue_receipt(company_a)
        delivery = Job.objects.get(name__endswith="deliver_email")
        for _ in range(delivery.max_attempts):
            assert run_pending() == 1
            clock.shift(dt.timedelta(hours=2))
        assert run_pending() == 0

    message.refresh_from_db()
    delivery.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == delivery.max_attempts == 10
    assert delivery.status == Job.Status.FAILED
    assert message.body_text  # the record stays


def test_a_message_already_sent_is_never_sent_again(company_a, smtp_server):
    message = queue_receipt(company_a)
    run_pending()
    from trekkportal.mail.delivery import deliver_email

    deliver_email.enqueue(message_id=message.pk)  # e.g. a duplicate delivery job
    run_pending()

    assert len(smtp_server.messages) == 1
