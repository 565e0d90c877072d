"""record(): the one way to write to the audit trail (and the audit log)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import HttpRequest

from .actions import AuditAction
from .models import AuditEvent

if TYPE_CHECKING:
    from trekkportal.accounts.models import Company, User

logger = logging.getLogger("trekkportal.audit")

# Keys that must never reach the audit trail, whatever a caller passes.
FORBIDDEN_KEYS = frozenset({"password", "code", "otp", "token", "nin", "fodselsnummer"})


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the connecting one, or behind TRUSTED_PROXY_COUNT proxies the
    entry they added to X-Forwarded-For (what a client sends itself is never believed).
    The same rule as allauth's rate limits (ALLAUTH_TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    from django.conf import settings

    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        entries = [entry.strip() for entry in forwarded.split(",")]
        if len(entries) >= proxies and entries[-proxies]:
            return entries[-proxies][:45]
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: AuditAction,
    *,
    actor: User | None = None,
    company: Company | None = None,
    obj: models.Model | None = None,
    request: HttpRequest | None = None,
    **data: Any,
) -> AuditEvent:
    """Write an audit event and a matching log line.

    ``action`` is an ``AuditAction`` member (a plain string, even a known one, is refused:
    a typo must fail, not write an event nobody finds). ``actor`` defaults to the request's
    user. ``data`` holds small, non-sensitive details.
    """
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action must be an AuditAction member, not {action!r}")
    leaked = FORBIDDEN_KEYS.intersection(k.lower() for k in data)
    if leaked:
        raise ValueError(f"audit data must not contain {sorted(leaked)}")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    event = AuditEvent.objects.create(
        action=action.value,
        actor=actor,
        actor_label=getattr(actor, "email", "") or "",
        company=company,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=client_ip(request),
        data=data,
    )
    logger.info(
        "%s actor=%s company=%s object=%s:%s ip=%s %s",
        action.value,
        event.actor_label or "-",
        getattr(company, "orgnr", "-"),
        event.object_type or "-",
        event.object_id or "-",
        event.ip or "-",
        " ".join(f"{k}={v}" for k, v in sorted(data.items())),
    )
    return event
