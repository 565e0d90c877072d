"""The missing-list reminder: after the deadline, each active company without a submission
for the period is reminded once (a Reminder row per company and period, unique).

    from trekkportal.mail.reminders import send_missing_list_reminders
    send_missing_list_reminders(today=timezone.localdate())

Run daily by the worker (``trekkportal/mail/jobs.py``, schedule "reminders"); safe to run
any number of times, by any number of workers at once. Union staff see who was reminded in
the admin (E-mail → Reminders).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.periods import Period

from . import emails
from .models import Reminder

logger = logging.getLogger("trekkportal.mail")


def overdue_period(today: dt.date) -> Period:
    """The latest period whose deadline (``SUBMISSION_DEADLINE_DAY`` of the next month) has
    passed on ``today``: after the 15th of November that is October, before it September."""
    day = settings.SUBMISSION_DEADLINE_DAY
    period = Period.of(today).previous()
    if today <= period.deadline(day):
        period = period.previous()
    return period


def companies_without_a_list(period: Period, deadline: dt.date):
    """Active companies (existing at the deadline) with no submission for ``period``,
    reminded or not: the back office's "Missing lists" shows these."""
    from trekkportal.accounts.models import Company

    submission = apps.get_model("submissions", "Submission")
    return Company.objects.filter(is_active=True, created_at__date__lte=deadline).exclude(
        Exists(submission.objects.filter(company=OuterRef("pk"), period=period.first_day))
    )


def companies_missing_a_list(period: Period, deadline: dt.date):
    """Active companies (existing at the deadline) with no submission for ``period`` and no
    reminder for it yet."""
    return (
        companies_without_a_list(period, deadline)
        .exclude(Exists(Reminder.objects.filter(company=OuterRef("pk"), period=period.iso)))
        .order_by("pk")
    )


def send_missing_list_reminders(*, today: dt.date) -> list[Reminder]:
    """Remind every company whose list for the overdue period is missing. Returns the new
    reminders (empty when everyone has submitted or was already reminded)."""
    period = overdue_period(today)
    deadline = period.deadline(settings.SUBMISSION_DEADLINE_DAY)
    sent = []
    for company in companies_missing_a_list(period, deadline):
        reminder = remind_company(company=company, period=period)
        if reminder is not None:
            sent.append(reminder)
    if sent:
        logger.info("reminded %s companies of the missing list for %s", len(sent), period.iso)
    return sent


def remind_company(
    *,
    company,
    period: Period,
    acting_user=None,
    request=None,
) -> Reminder | None:
    """Remind one company that its list for ``period`` is missing: the scheduled run and the
    back office's "send a reminder now" both come here. Once per company and period (the
    unique constraint decides, also between workers); None when the list has arrived, the
    company was already reminded, or it has no user to write to."""
    submission = apps.get_model("submissions", "Submission")
    if submission.objects.filter(company=company, period=period.first_day).exists():
        return None
    recipients = emails.company_recipients(company)
    if not recipients:
        return None  # nobody to write to; picked up once the company has a user
    deadline = period.deadline(settings.SUBMISSION_DEADLINE_DAY)
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                company=company, period=period.iso, deadline=deadline
            )
            messages = emails.missing_list_reminder(
                company=company, period=period, deadline=deadline, to=recipients
            )
            reminder.recipients = len(messages)
            reminder.save(update_fields=["recipients"])
            record(
                AuditAction.MAIL_REMINDER_SENT,
                actor=acting_user,
                company=company,
                obj=reminder,
                request=request,
                period=period.iso,
                recipients=len(messages),
                by_hand=acting_user is not None,
            )
    except IntegrityError:
        return None  # reminded a moment ago (by another worker or by hand)
    return reminder
