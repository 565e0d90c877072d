"""Housekeeping for the queue itself, on a schedule."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from .models import Job, ScheduledRun
from .queue import Daily, job

logger = logging.getLogger("trekkportal.jobs")

KEEP_FINISHED_JOBS = dt.timedelta(days=30)


@job(schedule=Daily("prune_jobs", at="03:30"), max_attempts=3)
def prune_finished_jobs() -> None:
    """Finished jobs are kept 30 days (failed ones until someone deletes them)."""
    cutoff = timezone.now() - KEEP_FINISHED_JOBS
    done, _ = Job.objects.filter(status=Job.Status.DONE, finished_at__lt=cutoff).delete()
    runs, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    logger.info("pruned %s finished jobs and %s schedule slots", done, runs)
