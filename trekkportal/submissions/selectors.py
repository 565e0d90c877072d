"""Read-side helpers: the only way a view gets submissions (tenant isolation, D1)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils import timezone

from trekkportal.accounts.decorators import CompanyRequest
from trekkportal.accounts.models import Company
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.periods import last_twelve_months_start

from .models import ParseIssue, Submission, SubmittedFile

RECEIPT_ISSUES = 10


def _with_files(queryset: QuerySet[Submission]) -> QuerySet[Submission]:
    return queryset.prefetch_related(
        Prefetch(
            "files",
            queryset=SubmittedFile.objects.select_related("column_mapping").order_by(
                "position", "pk"
            ),
        )
    )


def get_submission_for_user(request: CompanyRequest, pk: int) -> Submission:
    """The active company's submission, or 404 (also for another company's: logged)."""
    submission = (
        _with_files(Submission.objects.filter(company=request.company).select_related("company"))
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        record(AuditAction.ACCESS_REFUSED, request=request, company=request.company, submission=pk)
        raise Http404
    return submission


def get_submitted_file_for_user(request: CompanyRequest, pk: int, file_pk: int) -> SubmittedFile:
    """A file of the active company's submission ``pk``, or 404 (logged) for any other."""
    submitted_file = (
        SubmittedFile.objects.filter(
            pk=file_pk, submission_id=pk, submission__company=request.company
        )
        .select_related("submission__company")
        .first()
    )
    if submitted_file is None:
        record(
            AuditAction.ACCESS_REFUSED,
            request=request,
            company=request.company,
            submission=pk,
            submitted_file=file_pk,
        )
        raise Http404
    return submitted_file


def recent_submissions(company: Company, *, today: dt.date | None = None) -> QuerySet[Submission]:
    """The company's submissions made in the last 12 months, newest first."""
    start = last_twelve_months_start(today or timezone.localdate())
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    return _with_files(Submission.objects.filter(company=company, submitted_at__gte=since))


def get_submitted_file_for_staff(request: HttpRequest, pk: int) -> SubmittedFile:
    """A stored file, for union staff only; 404 for anyone else."""
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404
    submitted_file = (
        SubmittedFile.objects.select_related("submission__company").filter(pk=pk).first()
    )
    if submitted_file is None:
        raise Http404
    return submitted_file


def with_first_issues(submission: Submission, *, limit: int = RECEIPT_ISSUES) -> Submission:
    """Attach ``first_issues`` (at most ``limit`` problems, file-level ones first) to each of
    the submission's files, in one query whatever their number. Messages hold masked
    identity numbers only, so the employer may see them."""
    attach_first_issues(list(submission.files.all()), limit=limit)
    return submission


def attach_first_issues(files: list[SubmittedFile], *, limit: int = RECEIPT_ISSUES) -> None:
    """``first_issues`` on each of ``files`` (of any number of submissions), one query."""
    prefetch_related_objects(
        files,
        Prefetch(
            "issues",
            queryset=ParseIssue.objects.order_by(F("row").asc(nulls_first=True), "pk")[:limit],
            to_attr="first_issues",
        ),
    )


def earlier_submissions_by_period(company, *, today: dt.date | None = None) -> dict[str, str]:
    """Period ("YYYY-MM") -> the date ("dd.mm.yyyy") of the company's latest submission for
    it, over the periods the form offers (one query): what the form shows before a second
    list for a month is sent."""
    start = last_twelve_months_start(today or timezone.localdate())
    latest: dict[str, str] = {}
    rows = (
        Submission.objects.filter(company=company, period__gte=start.replace(day=1))
        .order_by("period", "-submitted_at")
        .values_list("period", "submitted_at")
    )
    for period, submitted_at in rows:
        key = f"{period:%Y-%m}"
        if key not in latest:
            latest[key] = f"{timezone.localtime(submitted_at):%d.%m.%Y}"
    return latest
