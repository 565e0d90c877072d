"""Background work for letters, run by ``manage.py run_worker``."""

from __future__ import annotations

import logging

from trekkportal.jobs.queue import Daily, job

from .retention import purge_expired

logger = logging.getLogger(__name__)


@job(schedule=Daily("purge_expired", at="03:00"), max_attempts=3)
def purge_expired_daily() -> None:
    """The retention rules, every night (``manage.py purge_expired`` does the same)."""
    results = purge_expired()
    logger.info("purged: %s", results)


@job(max_attempts=1, timeout=1800)
def write_letter_batch(*, acting_user_id: int | None = None) -> None:
    """A draft batch for the new member changes (the admin's button queues this: 2,000
    letters take about half a minute, too long for a request)."""
    from trekkportal.accounts.models import User

    from .services import run_letter_batch

    user = User.objects.filter(pk=acting_user_id).first() if acting_user_id else None
    batch = run_letter_batch(acting_user=user)
    logger.info("letter batch: %s", batch.pk if batch else "no new changes")
