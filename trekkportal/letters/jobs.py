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
