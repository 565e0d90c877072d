"""Read-side helpers: the only way a view gets letters (tenant isolation, D1) and the one
place that says how long a company sees a letter (six months from when it was created)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from trekkportal.accounts.decorators import CompanyRequest
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.periods import months_before
from trekkportal.members.models import MemberChange

from .models import Letter, LetterBatch

VISIBLE_MONTHS = 6


def visible_since(now: dt.datetime | None = None) -> dt.datetime:
    """Letters created at or after this moment are visible; older ones are gone."""
    return months_before(timezone.localtime(now or timezone.now()), VISIBLE_MONTHS)


def company_letters(company, *, now: dt.datetime | None = None) -> QuerySet[Letter]:
    """The company's published letters of the last six months, newest first."""
    return (
        Letter.objects.filter(
            company=company, is_published=True, created_at__gte=visible_since(now)
        )
        .only("pk", "subject", "created_at", "first_downloaded_at", "company_id")
        .order_by("-created_at", "-pk")
    )


def get_letter_for_user(request: CompanyRequest, pk: int) -> Letter:
    """The active company's visible letter, or 404 (another company's letter, a draft or an
    expired one alike; logged)."""
    letter = company_letters(request.company).filter(pk=pk).first()
    if letter is None:
        record(AuditAction.ACCESS_REFUSED, request=request, company=request.company, letter=pk)
        raise Http404
    return letter


def get_letter_for_staff(request: HttpRequest, pk: int) -> Letter:
    """Any letter, drafts included, for union staff only; 404 for anyone else."""
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404
    letter = Letter.objects.select_related("company", "batch").filter(pk=pk).first()
    if letter is None:
        raise Http404
    return letter


def pending_changes() -> QuerySet[MemberChange]:
    """The register's changes that no batch has taken yet, by company and time."""
    return (
        MemberChange.objects.filter(letter_change__isnull=True)
        .select_related("member", "company")
        .order_by("company_id", "created_at", "pk")
    )


def batch_letters(batch: LetterBatch) -> QuerySet[Letter]:
    return batch.letters.select_related("company").order_by("company__name", "pk")


def batches_for_staff() -> QuerySet[LetterBatch]:
    """Every batch, newest first, with its number of letters and how many of them their
    company has downloaded (one query for a page)."""
    from django.db.models import Count, Q

    return (
        LetterBatch.objects.select_related("created_by", "published_by")
        .annotate(
            letter_total=Count("letters"),
            downloaded_total=Count("letters", filter=Q(letters__first_downloaded_at__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )


def get_batch_for_staff(request: HttpRequest, pk: int) -> LetterBatch:
    """Any batch, for union staff only; 404 (logged) for anyone else or no such batch."""
    user = request.user
    batch = None
    if user.is_authenticated and user.is_active and user.is_staff:
        batch = batches_for_staff().filter(pk=pk).first()
    if batch is None:
        record(AuditAction.ACCESS_REFUSED, request=request, letter_batch=pk)
        raise Http404
    return batch
