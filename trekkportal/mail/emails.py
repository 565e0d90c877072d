"""One function per e-mail. Each picks its recipients, renders
``templates/emails/<name>.subject.txt|.txt|.html`` in every recipient's language and queues
one outbox message per recipient, in the caller's transaction::

    from trekkportal.mail import emails

    emails.submission_receipt(company=company, period=period)  # inside the service's atomic()

Recipients default to the company's active users; pass ``to=[user, "someone@example.no"]``
to choose (a plain address gets bokmål). The e-mails say what happened and link to the
portal: company name, period, dates and counts — never identity numbers or member names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Union, cast

from django.conf import settings
from django.urls import reverse

from trekkportal.lib.periods import Period

from .models import OutboxMessage
from .outbox import queue_email

if TYPE_CHECKING:
    from trekkportal.accounts.models import Company, User

Recipient = Union["User", str]  # a user (their e-mail and language) or an address


def company_recipients(company: Company) -> list[User]:
    """The active users who may act for ``company``."""
    from trekkportal.accounts.models import User

    return list(
        User.objects.filter(company_accesses__company=company, is_active=True)
        .only("email", "language")
        .order_by("email")
    )


def _portal_url(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def _send(
    template_name: str,
    *,
    company: Company,
    to: Iterable[Recipient] | None,
    context: dict[str, Any],
    period: Period | None = None,
) -> list[OutboxMessage]:
    recipients = company_recipients(company) if to is None else list(to)
    messages, seen = [], set()
    for recipient in recipients:
        email = cast(str, getattr(recipient, "email", recipient))
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        language = getattr(recipient, "language", None) or settings.LANGUAGE_CODE
        full = {"company_name": company.name, **context}
        if period is not None:
            full["period"] = period.long_name(language)
        messages.append(
            queue_email(
                to=email,
                template_name=template_name,
                context=full,
                language=language,
                company=company,
            )
        )
    return messages


def submission_receipt(
    *,
    company: Company,
    period: Period,
    submitted_at: dt.datetime,
    file_count: int = 1,
    read_count: int | None = None,
    submission_id: int | None = None,
    to: Iterable[Recipient] | None = None,
) -> list[OutboxMessage]:
    """The receipt: "we have received the list for <period>", sent once its files have
    been read, so it can say how many were read and how many could not be."""
    read = file_count if read_count is None else read_count
    url = (
        settings.SITE_URL + reverse("submissions:receipt", args=[submission_id])
        if submission_id is not None
        else _portal_url("submissions:innsendte")
    )
    return _send(
        "submission_receipt",
        company=company,
        to=to,
        period=period,
        context={
            "submitted_at": submitted_at,
            "count": file_count,
            "read_count": read,
            "unread_count": file_count - read,
            "url": url,
        },
    )


def new_letter(
    *,
    company: Company,
    letter_subject: str = "",
    to: Iterable[Recipient] | None = None,
    company_names: Iterable[str] | None = None,
) -> list[OutboxMessage]:
    """A new letter from the union is in the portal (when a letter is published).

    ``company_names``: when one publishing reaches several companies a recipient works
    for, one e-mail names them all (default: ``company``'s name)."""
    context = {"letter_subject": letter_subject, "url": _portal_url("portal:brev")}
    if company_names is not None:
        context["company_name"] = ", ".join(company_names)
    return _send("new_letter", company=company, to=to, context=context)


def new_missing_deductions(
    *, company: Company, period: Period, count: int, to: Iterable[Recipient] | None = None
) -> list[OutboxMessage]:
    """How many members were not deducted for <period> (utrukne), after reconciliation."""
    return _send(
        "new_missing_deductions",
        company=company,
        to=to,
        period=period,
        context={"count": count, "url": _portal_url("portal:utrukne")},
    )


def missing_list_reminder(
    *, company: Company, period: Period, deadline: dt.date, to: Iterable[Recipient] | None = None
) -> list[OutboxMessage]:
    """The list for <period> was due on <deadline>: sent once per period by the reminder."""
    return _send(
        "missing_list_reminder",
        company=company,
        to=to,
        period=period,
        context={"deadline": deadline, "url": _portal_url("submissions:innsending")},
    )


def account_invitation(*, company: Any, to: Iterable[Recipient]) -> list[OutboxMessage]:
    """Union staff registered you for <company>: activate your account with a one-time code
    at the activation page. No code in it (codes are bound to the browser that asks)."""
    return _send(
        "account_invitation", company=company, to=to, context={"url": _portal_url("activate")}
    )


ALL_EMAILS = (
    submission_receipt,
    new_letter,
    new_missing_deductions,
    missing_list_reminder,
    account_invitation,
)
