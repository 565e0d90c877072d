"""Background work for submissions, run by ``manage.py run_worker``."""

from __future__ import annotations

import logging

from trekkportal.jobs.queue import Daily, job

from .services import sweep_orphan_files

logger = logging.getLogger(__name__)


@job(schedule=Daily("sweep_orphan_files", at="04:00"), max_attempts=3)
def sweep_orphan_submission_files() -> None:
    """Files written by a submission that crashed before its rows were committed."""
    deleted = sweep_orphan_files()
    logger.info("swept %d orphan submission file(s)", len(deleted))
