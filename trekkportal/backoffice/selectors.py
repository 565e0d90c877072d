"""Read side of the back office: every company's state for a period, the 12-month chart,
missing lists and the audit log. The rules come from the apps that own them (deadlines from
``lib.periods``, "missing a list" from ``mail.reminders``); this module only gathers them.
Each function costs a fixed number of queries whatever the number of companies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404
from django.utils import timezone

from trekkportal.accounts.models import Company, CompanyAccess
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.periods import Period
from trekkportal.mail.models import Reminder
from trekkportal.mail.reminders import companies_without_a_list
from trekkportal.reconciliation.models import MissingDeduction
from trekkportal.reconciliation.selectors import reconciliations
from trekkportal.submissions.models import Submission, SubmittedFile

ZERO = Decimal("0.00")

STATES = ("submitted", "not_submitted", "late", "reminded", "open_missing")
UNREAD = (SubmittedFile.State.RECEIVED, SubmittedFile.State.PARSING)


def default_period(today: dt.date) -> Period:
    """The period the back office opens on: last month, the lists being handed in now."""
    return Period.of(today).previous()


def parse_period(value: str | None, *, today: dt.date) -> Period:
    """``?periode=YYYY-MM`` (any format ``Period.parse`` reads), else last month."""
    if value:
        try:
            return Period.parse(value)
        except ValueError:
            pass
    return default_period(today)


def deadline_of(period: Period) -> dt.date:
    return period.deadline(settings.SUBMISSION_DEADLINE_DAY)


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@dataclass(slots=True)
class CompanyState:
    """One company's state for a period, as the overview and its exports show it."""

    pk: int
    name: str
    orgnr: str
    submission_count: int = 0
    last_submitted_at: dt.datetime | None = None
    file_count: int = 0
    unread_count: int = 0
    failed_count: int = 0
    row_count: int = 0
    total_amount: Decimal = ZERO
    reminded_at: dt.datetime | None = None
    late: bool = False
    # From the reconciliation app, once the period has been reconciled for the company:
    reconciliation_state: str = ""
    expected: int = 0
    deducted: int = 0
    missing_open: int = 0
    missing_answered: int = 0
    unmatched: int = 0

    @property
    def reconciled(self) -> bool:
        return self.reconciliation_state == "reconciled"


def companies_for_period(period: Period, *, today: dt.date, q: str = "") -> list[CompanyState]:
    """Every active company (matching the search ``q`` on name or organisation number), by
    name, with its state for ``period``: submissions (how many, the last one), files, files
    not yet read or unreadable, rows read, the total amount, when it was reminded, and
    whether it is late (nothing by the deadline once it has passed, or the first list after
    it).

    Five queries whatever the number of companies: the companies, and one grouped query
    each for the period's submissions, their files, the reminders and the reconciliations
    (``reconciliation.selectors.reconciliations``) (grouping once beats
    a correlated subquery per company and figure; 2,000 rows are little work in Python)."""
    companies = Company.objects.filter(is_active=True)
    q = q.strip()
    if q:
        digits = q.replace(" ", "")
        match = Q(name__icontains=q)
        if digits.isdigit():
            match |= Q(orgnr__startswith=digits)
        companies = companies.filter(match)
    deadline = deadline_of(period)
    in_time = _end_of(deadline)
    submitted = {
        company: (n, on_time, last)
        for company, n, on_time, last in Submission.objects.filter(period=period.first_day)
        .order_by()
        .values("company")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(submitted_at__lt=in_time)),
            last=Max("submitted_at"),
        )
        .values_list("company", "n", "on_time", "last")
    }
    files = {
        row[0]: row[1:]
        for row in SubmittedFile.objects.filter(submission__period=period.first_day)
        .order_by()
        .values("submission__company")
        .annotate(
            n=Count("pk"),
            unread=Count("pk", filter=Q(state__in=UNREAD)),
            failed=Count("pk", filter=Q(state=SubmittedFile.State.FAILED)),
            rows=Sum("rows"),
            total=Sum("total_amount"),
        )
        .values_list("submission__company", "n", "unread", "failed", "rows", "total")
    }
    reminded = dict(Reminder.objects.filter(period=period.iso).values_list("company", "created_at"))
    # missing_open/missing_answered are annotations of reconciliations(), which the stubs
    # cannot see through the helper.
    reconciled = {
        row[0]: row[1:]
        for row in reconciliations(period=period).values_list(  # type: ignore[misc]
            "company", "state", "expected", "deducted", "missing_open", "missing_answered",
            "unmatched",
        )
    }  # fmt: skip
    overdue = today > deadline
    states = []
    for pk, name, orgnr in companies.order_by("name", "pk").values_list("pk", "name", "orgnr"):
        state = CompanyState(pk, name, orgnr, reminded_at=reminded.get(pk), late=overdue)
        if (s := submitted.get(pk)) is not None:
            state.submission_count, on_time, state.last_submitted_at = s
            state.late = on_time == 0
        if (f := files.get(pk)) is not None:
            state.file_count, state.unread_count, state.failed_count, rows, total = f
            state.row_count, state.total_amount = rows or 0, total or ZERO
        if (r := reconciled.get(pk)) is not None:
            (state.reconciliation_state, state.expected, state.deducted, state.missing_open,
             state.missing_answered, state.unmatched) = r  # fmt: skip
        states.append(state)
    return states


STATE_TESTS = {
    "submitted": lambda c: c.submission_count > 0,
    "not_submitted": lambda c: c.submission_count == 0,
    "late": lambda c: c.late,
    "reminded": lambda c: c.reminded_at is not None,
    "open_missing": lambda c: c.missing_open > 0,
}


def filter_companies(companies: list[CompanyState], *, state: str = "") -> list[CompanyState]:
    """Narrow the overview to one state (``STATES``); any other value keeps all."""
    test = STATE_TESTS.get(state)
    return [c for c in companies if test(c)] if test else companies


def period_counts(companies: list[CompanyState]) -> dict:
    """The figures at the top of the overview."""
    return {
        "companies": len(companies),
        "submitted": sum(1 for c in companies if c.submission_count),
        "not_submitted": sum(1 for c in companies if not c.submission_count),
        "late": sum(1 for c in companies if c.late),
        "reminded": sum(1 for c in companies if c.reminded_at is not None),
        "unread": sum(1 for c in companies if c.unread_count),
        "open_missing": sum(1 for c in companies if c.missing_open),
    }


@dataclass(frozen=True)
class MonthFigures:
    period: Period
    companies: int
    submitted: int
    open_missing: int = 0

    @property
    def rate(self) -> int:
        """Percent of the companies that had submitted (rounded down)."""
        return self.submitted * 100 // self.companies if self.companies else 0


def twelve_months(period: Period) -> list[MonthFigures]:
    """The submission rate for the 12 months up to ``period``: companies that existed (and
    are active) at each month's deadline, how many of them submitted, and the utrukne still
    open. Three queries."""
    periods = [period.shift(-i) for i in range(11, -1, -1)]
    existing = Company.objects.filter(is_active=True).aggregate(
        **{p.iso: Count("pk", filter=Q(created_at__lt=_end_of(deadline_of(p)))) for p in periods}
    )
    submitted = dict(
        Submission.objects.filter(
            company__is_active=True,
            period__gte=periods[0].first_day,
            period__lte=periods[-1].first_day,
        )
        .order_by()
        .values("period")
        .annotate(n=Count("company", distinct=True))
        .values_list("period", "n")
    )
    open_missing = dict(
        MissingDeduction.objects.filter(
            state=MissingDeduction.State.OPEN,
            period__gte=periods[0].first_day,
            period__lte=periods[-1].first_day,
        )
        .order_by()
        .values("period")
        .annotate(n=Count("pk"))
        .values_list("period", "n")
    )
    return [
        MonthFigures(
            period=p,
            companies=existing[p.iso],
            submitted=submitted.get(p.first_day, 0),
            open_missing=open_missing.get(p.first_day, 0),
        )
        for p in periods
    ]


# Company page ------------------------------------------------------------------------------


def get_company_for_staff(pk: int) -> Company:
    """Any company, active or not (the view is staff-only); 404 if there is none."""
    company = Company.objects.filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def company_submissions(company: Company) -> QuerySet[Submission]:
    """Every submission of the company, newest first, with its files."""
    from django.db.models import Prefetch

    return (
        Submission.objects.filter(company=company)
        .select_related("submitted_by")
        .prefetch_related(
            Prefetch("files", queryset=SubmittedFile.objects.order_by("position", "pk"))
        )
    )


# Missing lists -----------------------------------------------------------------------------


def missing_lists(period: Period) -> QuerySet[Company]:
    """Companies without a list for ``period`` (``mail.reminders``' rule), with when they
    were reminded and how many users got it. One query."""
    reminder = Reminder.objects.filter(company=OuterRef("pk"), period=period.iso)
    return (
        companies_without_a_list(period, deadline_of(period))
        .annotate(
            reminded_at=Subquery(reminder.values("created_at")[:1]),
            reminder_recipients=Subquery(reminder.values("recipients")[:1]),
            has_users=Exists(
                CompanyAccess.objects.filter(company=OuterRef("pk"), user__is_active=True)
            ),
        )
        .order_by("name", "pk")
    )


# Audit log ---------------------------------------------------------------------------------


def audit_events(
    *,
    actor: str = "",
    company: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered by the acting user's e-mail, a company's
    name or organisation number, an action and a date range (inclusive)."""
    events = AuditEvent.objects.select_related("company")
    if actor.strip():
        events = events.filter(actor_label__iexact=actor.strip())
    if company.strip():
        value = company.strip()
        match = Q(company__name__icontains=value)
        if value.replace(" ", "").isdigit():
            match |= Q(company__orgnr=value.replace(" ", ""))
        events = events.filter(match)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(created_at__gte=_end_of(date_from - dt.timedelta(days=1)))
    if date_to:
        events = events.filter(created_at__lt=_end_of(date_to))
    return events.order_by("-created_at", "-id")


# Members -----------------------------------------------------------------------------------


def search_members(q: str):
    """Members by full identity number (through the keyed hash, never a plain column), by
    member number, or by the words of a name in any order. Empty for an empty search."""
    from trekkportal.lib.identity import is_valid_nin, normalise_nin
    from trekkportal.lib.names import name_words
    from trekkportal.lib.nincrypt import nin_hash
    from trekkportal.members.models import Member

    value = q.strip()
    members = Member.objects.all()
    if not value:
        return members.none()
    digits = value.replace(" ", "")
    if digits.isdigit() and len(digits) == 11 and is_valid_nin(digits):
        return members.filter(nin_hash=nin_hash(normalise_nin(digits)))
    if digits.isdigit():
        return members.filter(member_no=digits)
    words = name_words(value)
    if not words:
        return members.none()
    for word in words:
        members = members.filter(name_key__contains=word)
    return members.order_by("name", "pk")


def get_member_for_staff(pk: int):
    from django.db.models import Prefetch

    from trekkportal.members.models import Employment, Layoff, Member, MemberChange

    member = (
        Member.objects.filter(pk=pk)
        .prefetch_related(
            Prefetch(
                "employments",
                queryset=Employment.objects.select_related("company").order_by("-from_period"),
            ),
            Prefetch(
                "layoffs",
                queryset=Layoff.objects.select_related("company").order_by("-from_period"),
            ),
            Prefetch(
                "changes",
                queryset=MemberChange.objects.select_related("company").order_by("-created_at")[
                    :24
                ],
                to_attr="recent_changes",
            ),
        )
        .first()
    )
    if member is None:
        raise Http404
    return member


def member_lines(member, *, limit: int = 24):
    """The deduction lines that carried this member's identity number (keyed hash), newest
    period first, with their company."""
    from trekkportal.submissions.models import DeductionLine

    return list(
        DeductionLine.objects.filter(nin_hash=member.nin_hash)
        .select_related("submitted_file__submission__company")
        .order_by("-submitted_file__submission__period", "-pk")[:limit]
    )
