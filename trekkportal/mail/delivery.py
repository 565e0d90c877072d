"""Delivery of outbox messages: one job per message, retried with backoff by the queue.

SMTP failure → the message stays ``queued`` (attempts and the error recorded) and the job
is tried again later; after the last try it is ``failed`` (admin: "Send again"). A message
already ``sent`` is never sent again. The Message-ID is fixed when queued, so in the rare
case of a worker killed between the SMTP server's "OK" and the database update, the copy
that follows carries the same Message-ID.

Where mail goes is ``EMAIL_URL`` (settings.py): the console by default. To see real
messages in development, run a local SMTP catcher and point the portal at it::

    .venv/bin/python -m aiosmtpd -n -l 127.0.0.1:1025      # prints every message it gets
    EMAIL_URL=smtp://127.0.0.1:1025 python3 dev.py start
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from trekkportal.jobs.queue import current_job, job
from trekkportal.lib.errors import safe_error

from .models import OutboxMessage

logger = logging.getLogger("trekkportal.mail")


def build_email(message: OutboxMessage, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=[settings.UNION_CONTACT_EMAIL],
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _max_attempts() -> int:
    return settings.EMAIL_MAX_ATTEMPTS


@job(max_attempts=_max_attempts, priority=10)
def deliver_email(*, message_id: int) -> None:
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.status != OutboxMessage.Status.QUEUED:
        return  # deleted, already sent, or given up on
    running = current_job()
    last_try = running is None or running.attempts >= running.max_attempts
    try:
        connection = get_connection(fail_silently=False)
        build_email(message, connection).send()
    except Exception as exc:
        error = safe_error(exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1,
            last_error=error,
            status=OutboxMessage.Status.FAILED if last_try else OutboxMessage.Status.QUEUED,
        )
        logger.warning("e-mail %s to %s not delivered (try %s): %s",
                       message.pk, message.to, message.attempts + 1, error)  # fmt: skip
        raise
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        last_error="",
    )
    logger.info("e-mail %s %s sent to %s", message.pk, message.template_name, message.to)
