"""The outbox: queue an e-mail in the caller's transaction; the worker delivers it.

    from trekkportal.mail.outbox import queue_email

    with transaction.atomic():
        submission = ...
        queue_email(to=user.email, template_name="submission_receipt",
                    context={"company_name": company.name, "period": "oktober 2026"},
                    language=user.language, company=company)

Prefer the named functions in ``trekkportal/mail/emails.py`` (one per e-mail), which build
the context and pick the recipients and their languages. The message is rendered now
(``templates/emails/<template_name>.subject.txt|.txt|.html``) and stored with a delivery
job; both disappear if the transaction rolls back, and neither is visible to a worker
before it commits. One-time codes never go through here: they are sent at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import make_msgid
from django.db import transaction

from .models import OutboxMessage
from .rendering import render_email

if TYPE_CHECKING:
    from trekkportal.accounts.models import Company


def queue_email(
    *,
    to: str,
    template_name: str,
    context: dict[str, Any],
    language: str = "nb",
    company: Company | None = None,
) -> OutboxMessage:
    """Render ``template_name`` for one recipient and queue it for delivery."""
    from .delivery import deliver_email

    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    rendered = render_email(template_name, context, language=language)
    with transaction.atomic():  # the message and its delivery job: both or neither
        message = _create(to, template_name, language, company, rendered)
        deliver_email.enqueue(message_id=message.pk)
    return message


def _create(to, template_name, language, company, rendered) -> OutboxMessage:
    return OutboxMessage.objects.create(
        template_name=template_name,
        to=to,
        language=language,
        company=company,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost"),
    )
