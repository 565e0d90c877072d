"""Services that change the outbox from outside delivery (the admin's "send again")."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .delivery import deliver_email
from .models import OutboxMessage


@transaction.atomic
def send_failed_again(
    *, messages: QuerySet[OutboxMessage], request: HttpRequest | None = None
) -> int:
    """Queue the failed ones among ``messages`` for delivery again. Returns how many."""
    count = 0
    for message in messages.filter(status=OutboxMessage.Status.FAILED):
        message.status = OutboxMessage.Status.QUEUED
        message.save(update_fields=["status"])
        deliver_email.enqueue(message_id=message.pk)
        count += 1
    record(AuditAction.MAIL_SENT_AGAIN, request=request, count=count)
    return count
