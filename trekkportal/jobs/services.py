"""Services that change jobs from outside the worker (the admin's "run again")."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .models import Job


@transaction.atomic
def retry_failed_jobs(*, jobs: QuerySet[Job], request: HttpRequest | None = None) -> int:
    """Queue the failed ones among ``jobs`` again, from their first try. Returns how many."""
    count = jobs.filter(status=Job.Status.FAILED).update(
        status=Job.Status.QUEUED, attempts=0, run_after=timezone.now(), finished_at=None
    )
    record(AuditAction.JOBS_RETRIED, request=request, count=count)
    return count
