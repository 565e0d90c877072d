"""The mail app's scheduled work (found by the worker at start)."""

from __future__ import annotations

from django.utils import timezone

from trekkportal.jobs.queue import Daily, job

from .reminders import send_missing_list_reminders


@job(schedule=Daily("reminders", at="07:00"), max_attempts=3)
def send_reminders() -> None:
    """Every morning: remind companies whose list for the overdue period is missing."""
    send_missing_list_reminders(today=timezone.localdate())
