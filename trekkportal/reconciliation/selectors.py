"""Read-side: the set-based reads of a reconciliation run, the employer's utrukne (the only
way a view gets one: tenant isolation, D1) and the staff overviews the back office reuses.

Every read of a run is one query whatever the number of members or lines: the expected
members, the period's lines, and the register members those lines name who are not
expected (for the reason of an unmatched line).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import Count, Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.http import Http404

from trekkportal.accounts.decorators import CompanyRequest
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.periods import Period
from trekkportal.members.models import Employment, Layoff, Member
from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile

from .matching import Expected, Known, LineRow
from .models import FilePeriod, LineFinding, MissingDeduction, Reconciliation


def _covering(prefix: str, period: Period) -> Q:
    """``from_period <= period <= to_period`` (an open end covers every later period)."""
    first = period.first_day
    return Q(**{f"{prefix}from_period__lte": first}) & (
        Q(**{f"{prefix}to_period__isnull": True}) | Q(**{f"{prefix}to_period__gte": first})
    )


def _active_membership(prefix: str, period: Period) -> Q:
    """A member in the period: joined by its last day, not resigned before its first (the
    month of resignation is the last one deducted)."""
    return (
        Q(**{f"{prefix}joined__isnull": True}) | Q(**{f"{prefix}joined__lte": period.last_day})
    ) & (
        Q(**{f"{prefix}resigned__isnull": True}) | Q(**{f"{prefix}resigned__gte": period.first_day})
    )


def expected_employments(*, period: Period, company_id: int | None = None) -> QuerySet[Employment]:
    """The employments that make a member expected on a company's list for ``period``:
    covering it, membership active in it, paying by deduction, not laid off at that
    company in it."""
    laid_off = Layoff.objects.filter(
        _covering("", period), member_id=OuterRef("member_id"), company_id=OuterRef("company_id")
    )
    employments = Employment.objects.filter(
        _covering("", period),
        _active_membership("member__", period),
        member__payment=Member.Payment.DEDUCTION,
    ).filter(~Exists(laid_off))
    if company_id is not None:
        employments = employments.filter(company_id=company_id)
    return employments


def expected_members(*, period: Period, company_id: int | None = None) -> dict[int, list[Expected]]:
    """company id -> its expected members for ``period`` (one query)."""
    rows = (
        expected_employments(period=period, company_id=company_id)
        .annotate(
            dues_percent=Cast("member__dues_percent", FloatField()),
            dues_amount=Cast("member__dues_amount", FloatField()),
        )
        .values_list(
            "company_id",
            "member_id",
            "member__nin_hash",
            "member__member_no",
            "member__birth_date",
            "member__name_key",
            "dues_percent",  # annotations last: raw_rows reads the columns in SQL order
            "dues_amount",
        )
    )
    by_company: dict[int, list[Expected]] = defaultdict(list)
    for company, *member in raw_rows(rows):
        by_company[company].append(Expected(*member))
    return by_company


def raw_rows(queryset: QuerySet) -> Iterator[tuple]:
    """The rows of a ``values_list`` query (any annotations named last) as the database
    driver returns them, skipping Django's per-value converters: dates may stay ISO
    strings (SQLite); amounts are cast to floats in SQL. For the two reads of 100,000 rows
    a whole-period run makes, where the converters were a third of its time; matching
    only compares the values."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def files_for_period(*, period: Period, company_id: int | None = None) -> QuerySet[FilePeriod]:
    scope = FilePeriod.objects.filter(period=period.first_day)
    return scope if company_id is None else scope.filter(company_id=company_id)


def period_lines(*, period: Period, company_id: int | None = None) -> QuerySet[DeductionLine]:
    """The valid lines that count for ``period``: of every file of the company's
    submissions whose line period (the line's own, else its submission's) is ``period``."""
    first = period.first_day
    return DeductionLine.objects.filter(
        Q(period=first) | Q(period__isnull=True, submitted_file__submission__period=first),
        valid=True,
        submitted_file_id__in=Subquery(
            files_for_period(period=period, company_id=company_id).values("submitted_file_id")
        ),
    )


def lines_by_company(*, period: Period, company_id: int | None = None) -> dict[int, list[LineRow]]:
    """company id -> the lines that count for ``period`` (one query)."""
    rows = (
        period_lines(period=period, company_id=company_id)
        .annotate(amount_f=Cast("amount", FloatField()), base_f=Cast("base_amount", FloatField()))
        .values_list(
            "submitted_file__submission__company_id",
            "id",
            "nin_hash",
            "member_no",
            "birth_date",
            "name",
            "amount_f",  # annotations last: raw_rows reads the columns in SQL order
            "base_f",
        )
    )
    by_company: dict[int, list[LineRow]] = defaultdict(list)
    for company, *line in raw_rows(rows):
        by_company[company].append(LineRow(*line))
    return by_company


# Identity-number hashes (or member numbers) per look-up query: far below SQLite's limit
# of 32,766 parameters.
KNOWN_CHUNK = 2000
# On PostgreSQL the keys go as one array parameter, 20,000 to a query.
KNOWN_CHUNK_PG = 20_000


def known_members(
    *, period: Period, nin_hashes: Iterable[str] = (), member_nos: Iterable[str] = ()
) -> tuple[dict[str, Known], dict[str, Known]]:
    """The register members with these keyed hashes (and member numbers), each with the
    reason they are not expected: (by keyed hash, by member number).

    Asked only for the lines' numbers that no expected member in scope has — a few per
    company, not one per member — so it is one query per ``KNOWN_CHUNK`` of those. (A
    single query joining the lines was tried: the anti-join on the expected employments it
    needs cost more than the rest of a whole-period run, and PostgreSQL ran its
    ``NOT IN`` form as a sub-plan per member once 100,000 hashes outgrew ``work_mem``.)"""
    annotated = Member.objects.annotate(
        employed=Exists(Employment.objects.filter(_covering("", period), member=OuterRef("pk"))),
        laid_off=Exists(Layoff.objects.filter(_covering("", period), member=OuterRef("pk"))),
    ).order_by()
    # Each chunk's keys go into the query as plain parameters (building an ORM ``__in``
    # filter of 2,000 keys per chunk, and converting the rows, was most of an
    # all-unmatched run). Inside the query, not around it: PostgreSQL did not push a
    # condition on a derived table into it and evaluated the EXISTS for every member.
    columns = annotated.values_list(
        "pk", "nin_hash", "member_no", "joined", "resigned", "payment", "employed", "laid_off"
    )
    quote = connections[Member.objects.db].ops.quote_name
    table = quote(Member._meta.db_table)
    by_hash: dict[str, Known] = {}
    by_no: dict[str, Known] = {}
    as_array = connections[Member.objects.db].vendor == "postgresql"
    with connections[Member.objects.db].cursor() as cursor:
        for field, keys, found in (
            ("nin_hash", sorted(set(nin_hashes)), by_hash),
            ("member_no", sorted(set(member_nos)), by_no),
        ):
            model_field = Member._meta.get_field(field)
            assert isinstance(model_field, models.Field) and model_field.column
            column = f"{table}.{quote(model_field.column)}"
            size = KNOWN_CHUNK_PG if as_array else KNOWN_CHUNK
            for start in range(0, len(keys), size):
                chunk = keys[start : start + size]
                # The column from the model, quoted; the keys only as parameters: on
                # PostgreSQL one array (``= ANY``: a third of the time of 2,000
                # placeholders per query), elsewhere one placeholder each.
                params: list[Any]
                if as_array:
                    where, params = f"{column} = ANY(%s::text[])", [text_array(chunk)]
                else:
                    where, params = f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk
                query = columns.extra(where=[where], params=params)  # noqa: S610
                cursor.execute(*query.query.sql_with_params())
                for (
                    pk,
                    nin_hash,
                    member_no,
                    joined,
                    resigned,
                    payment,
                    employed,
                    laid_off,
                ) in cursor.fetchall():
                    reason = _reason(
                        period, _date(joined), _date(resigned), payment, bool(employed),
                        bool(laid_off),
                    )  # fmt: skip
                    found.setdefault(
                        nin_hash if field == "nin_hash" else member_no, Known(pk, reason)
                    )
    return by_hash, by_no


def text_array(values: Iterable[str]) -> str:
    """``values`` as one PostgreSQL ``text[]`` literal, every element double-quoted with
    its backslashes and double quotes escaped (the array syntax's own rules), to be sent
    as a single parameter and cast with ``::text[]``. psycopg builds the same array from
    a list element by element in Python: 0.16 s per 20,000 identity-number hashes, against
    0.05 s for this (the all-unmatched look-up sends 200,000 keys). A value, never SQL."""
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _date(value: dt.date | str | None) -> dt.date | None:
    """A date as the driver returns it (an ISO string on SQLite)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _reason(
    period: Period,
    joined: dt.date | None,
    resigned: dt.date | None,
    payment: str,
    employed: bool,
    laid_off: bool,
) -> str:
    reasons = LineFinding.Reason
    if resigned is not None and resigned < period.first_day:
        return reasons.RESIGNED
    if joined is not None and joined > period.last_day:
        return reasons.NOT_A_MEMBER_YET
    if payment == Member.Payment.INVOICE:
        return reasons.INVOICE
    if laid_off:
        return reasons.LAID_OFF
    if employed:
        return reasons.OTHER_COMPANY
    return reasons.NOT_EMPLOYED


NO_VALID_ROWS = "no_valid_rows"


@dataclass(frozen=True)
class ListState:
    """The companies with a list for the period, and the files holding some of them back."""

    companies: set[int]
    unfinished: dict[int, list[tuple[str, str]]]  # company -> [(file name, state)]


def list_state(*, period: Period, company_id: int | None = None) -> ListState:
    """Which companies have a list for ``period`` (a submission for it, or a read file with
    lines for it), and which of their files for it are not read or could not be read.
    Two queries."""
    first = period.first_day
    files = SubmittedFile.objects.filter(submission__period=first)
    with_lines = files_for_period(period=period, company_id=company_id)
    submissions = Submission.objects.filter(period=first)
    if company_id is not None:
        files = files.filter(submission__company_id=company_id)
        submissions = submissions.filter(company_id=company_id)
    companies = set(submissions.order_by().values_list("company_id", flat=True).distinct())
    companies.update(with_lines.order_by().values_list("company_id", flat=True).distinct())
    unfinished: dict[int, list[tuple[str, str]]] = defaultdict(list)
    # A file read without a single valid row (say every identity number in a column the
    # parser took for another) would make every member an utrukket: it holds back too.
    for company, name, state in (
        files.filter(~Q(state=SubmittedFile.State.DONE) | Q(valid_rows=0, rows__gt=0))
        .order_by("submission__company_id", "submission_id", "position")
        .values_list("submission__company_id", "original_name", "state")
    ):
        unfinished[company].append((name, NO_VALID_ROWS if state == "done" else state))
    return ListState(companies=companies, unfinished=dict(unfinished))


# The employer's "Utrukne" ------------------------------------------------------------


def open_missing_deductions(company) -> QuerySet[MissingDeduction]:
    """Not answered yet: oldest period first."""
    return (
        MissingDeduction.objects.filter(company=company, state=MissingDeduction.State.OPEN)
        .select_related("member")
        .only("pk", "period", "state", "member__name", "member__birth_date")
        .order_by("period", "member__name", "pk")
    )


def answered_missing_deductions(company) -> QuerySet[MissingDeduction]:
    """Answered, or resolved by a corrected list: newest period first."""
    return (
        MissingDeduction.objects.filter(company=company)
        .exclude(state=MissingDeduction.State.OPEN)
        .select_related("member", "answered_by")
        .only(
            "pk",
            "period",
            "state",
            "status",
            "comment",
            "answered_at",
            "resolution",
            "resolved_at",
            "member__name",
            "member__birth_date",
            "answered_by__name",
            "answered_by__email",
        )
        .order_by("-period", "member__name", "pk")
    )


def get_missing_deduction_for_user(request: CompanyRequest, pk: int) -> MissingDeduction:
    """The active company's utrukket, or 404 (another company's too: logged)."""
    missing = (
        MissingDeduction.objects.filter(company=request.company, pk=pk)
        .select_related("member", "company")
        .first()
    )
    if missing is None:
        record(
            AuditAction.ACCESS_REFUSED,
            request=request,
            company=request.company,
            missing_deduction=pk,
        )
        raise Http404
    return missing


def reconciliation_for_receipt(submission: Submission) -> Reconciliation | None:
    return Reconciliation.objects.filter(
        company_id=submission.company_id, period=submission.period
    ).first()


# Staff --------------------------------------------------------------------------------

_STATE = MissingDeduction.State


def with_missing_counts(queryset: QuerySet[Reconciliation]) -> QuerySet[Reconciliation]:
    """Each reconciliation with its utrukne by state: open, answered, resolved."""
    return queryset.annotate(
        missing_open=Count("missing_deductions", filter=Q(missing_deductions__state=_STATE.OPEN)),
        missing_answered=Count(
            "missing_deductions", filter=Q(missing_deductions__state=_STATE.ANSWERED)
        ),
        missing_resolved=Count(
            "missing_deductions", filter=Q(missing_deductions__state=_STATE.RESOLVED)
        ),
    )


def reconciliations(*, period: Period | None = None) -> QuerySet[Reconciliation]:
    """Per company and period: expected, deducted, utrukne (open/answered/resolved),
    unmatched and flagged lines, or why the period is held back."""
    queryset = Reconciliation.objects.select_related("company")
    if period is not None:
        queryset = queryset.filter(period=period.first_day)
    return with_missing_counts(queryset)


def period_totals() -> Iterator[dict]:
    """Per period across companies: the sums of the figures, newest period first (two
    queries whatever the number of companies)."""
    sums = (
        Reconciliation.objects.values("period")
        .annotate(
            companies=Count("pk"),
            reconciled=Count("pk", filter=Q(state=Reconciliation.State.RECONCILED)),
            expected=Sum("expected"),
            deducted=Sum("deducted"),
            missing=Sum("missing"),
            unmatched=Sum("unmatched"),
            flagged=Sum("flagged"),
        )
        .order_by("-period")
    )
    states: defaultdict[dt.date, dict[str, int]] = defaultdict(dict)
    for period, state, count in (
        MissingDeduction.objects.values_list("period", "state")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        states[period][state] = count
    for row in sums:
        by_state = states.get(row["period"], {})
        yield {
            **row,
            "period_value": Period.of(row["period"]),
            "missing_open": by_state.get(_STATE.OPEN, 0),
            "missing_answered": by_state.get(_STATE.ANSWERED, 0),
            "missing_resolved": by_state.get(_STATE.RESOLVED, 0),
        }


def answers_for_staff(
    *, status: str = "", handled: bool | None = None
) -> QuerySet[MissingDeduction]:
    """The companies' answers to utrukne, newest first, for the back office's feed: by
    answer (``Status``) and whether staff have followed it up."""
    queryset = (
        MissingDeduction.objects.exclude(status="")
        .select_related("company", "member", "answered_by")
        .order_by("-answered_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    if handled is not None:
        queryset = queryset.filter(handled_at__isnull=not handled)
    return queryset


def company_findings(company, *, kind: str = LineFinding.Kind.UNMATCHED) -> QuerySet[LineFinding]:
    """A company's lines that matched no expected member (or, with ``kind``, whose amount
    was flagged), newest period first, each with its line, file and the member it points
    to (the same identity number at another company, say)."""
    return (
        LineFinding.objects.filter(reconciliation__company=company, kind=kind)
        .select_related("reconciliation", "line__submitted_file", "member")
        .order_by("-reconciliation__period", "pk")
    )


def unmatched_lines(*, period: Period, q: str = "") -> QuerySet[LineFinding]:
    """The period's open unmatched lines across companies (staff have not resolved them),
    by company name, each with its line, file, company and the member it points to (the
    same identity number, through the keyed hash) with that member's employments — a
    fixed number of queries for a page."""
    from django.db.models import Prefetch

    queryset = LineFinding.objects.filter(
        reconciliation__period=period.first_day,
        kind=LineFinding.Kind.UNMATCHED,
        resolution="",
    )
    value = q.strip()
    if value:
        match = Q(reconciliation__company__name__icontains=value)
        if value.replace(" ", "").isdigit():
            match |= Q(reconciliation__company__orgnr=value.replace(" ", ""))
        queryset = queryset.filter(match)
    return (
        queryset.select_related("reconciliation__company", "line__submitted_file", "member")
        .prefetch_related(
            Prefetch(
                "member__employments",
                queryset=Employment.objects.select_related("company").order_by("-from_period"),
            )
        )
        .order_by("reconciliation__company__name", "reconciliation__company_id", "line_id")
    )


def get_unmatched_line_for_staff(request, pk: int) -> LineFinding:
    """An open or resolved unmatched line, for union staff only; 404 (logged) for anyone
    else or for no such line."""
    user = request.user
    finding = None
    if user.is_authenticated and user.is_active and user.is_staff:
        finding = (
            LineFinding.objects.filter(pk=pk, kind=LineFinding.Kind.UNMATCHED)
            .select_related("reconciliation__company", "member", "line")
            .first()
        )
    if finding is None:
        record(AuditAction.ACCESS_REFUSED, request=request, line_finding=pk)
        raise Http404
    return finding


def member_missing_deductions(member, *, limit: int = 24) -> list[MissingDeduction]:
    """A member's utrukne at every company, newest period first, with the company's answer
    (status, comment, who answered) and whether staff followed it up. One query."""
    return list(
        MissingDeduction.objects.filter(member=member)
        .select_related("company", "answered_by")
        .order_by("-period", "company__name", "pk")[:limit]
    )
