"""Reconciliation runs and the answers to utrukne. Keyword-only, atomic, audited.

``reconcile(period=…, company=…)`` compares every list of the period with the member
register, for one company or for all companies with a list. It is idempotent: a re-run
recomputes the figures and the staff findings, creates only utrukne that are new, resolves
the ones a correction list now deducts (kept, visible as resolved) and never discards or
duplicates an answer. A company whose files for the period are not all read is held back:
no utrukne from half a period.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from trekkportal.accounts.models import Company, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.identity import mask_nins_in_text
from trekkportal.lib.periods import Period
from trekkportal.mail import emails
from trekkportal.members import services as members
from trekkportal.members.models import MemberChange
from trekkportal.submissions.models import DeductionLine, SubmittedFile

from . import bulk, selectors
from .matching import Expected, Known, Result, reconcile_lines
from .models import FilePeriod, LineFinding, MissingDeduction, Reconciliation

BATCH = 500
OTHER_COMPANY = LineFinding.Reason.OTHER_COMPANY.value


@dataclass
class RunSummary:
    period: Period
    companies: int = 0
    reconciled: int = 0
    held_back: int = 0
    expected: int = 0
    deducted: int = 0
    missing: int = 0
    new_missing: int = 0
    resolved: int = 0
    unmatched: int = 0
    flagged: int = 0
    notified_companies: list[int] = field(default_factory=list)


class _KnownFor(Mapping):
    """For one company's matching: the register members not expected there — those the
    query found, and (in a whole-period run) those expected at another company. Only
    looked up, never listed."""

    def __init__(
        self, company_id: int, found: dict[str, Known], owners: dict[str, dict[int, Expected]]
    ):
        self.company_id, self.found, self.owners = company_id, found, owners

    def __getitem__(self, key: str) -> Known:
        if key in self.found:
            return self.found[key]
        for owner, member in self.owners.get(key, {}).items():
            if owner != self.company_id:
                return Known(member.member_id, OTHER_COMPANY)
        raise KeyError(key)

    def get(self, key: str, default: Known | None = None) -> Known | None:  # type: ignore[override]
        # Asked once per unmatched line: without Mapping.get's KeyError round trip.
        found = self.found.get(key)
        if found is not None:
            return found
        for owner, member in self.owners.get(key, {}).items():
            if owner != self.company_id:
                return Known(member.member_id, OTHER_COMPANY)
        return default

    def __iter__(self):
        raise TypeError("looked up only")

    def __len__(self) -> int:
        raise TypeError("looked up only")


def reconcile(
    *, period: Period, company: Company | None = None, acting_user: User | None = None
) -> RunSummary:
    """Reconcile ``period`` for ``company``, or for every company with a list for it."""
    company_id = company.pk if company is not None else None
    summary = RunSummary(period=period)
    now = timezone.now()
    with transaction.atomic():
        state = selectors.list_state(period=period, company_id=company_id)
        if not state.companies:
            return summary
        # The reads and the matching allocate a few hundred thousand small tuples and
        # create no reference cycles: the cyclic garbage collector would only slow them.
        with _gc_paused():
            results, held = _read_and_match(period, company_id, state)
        rows = _save_reconciliations(period=period, results=results, held=held, now=now)
        changes = _save_missing(period=period, rows=rows, results=results, now=now)
        _save_findings(rows=rows, results=results)
        summary.notified_companies = _notify(
            period=period, new=changes.new_by_company, company_id=company_id
        )

        summary.companies = len(state.companies)
        summary.reconciled, summary.held_back = len(results), len(held)
        for result in results.values():
            summary.expected += result.expected
            summary.deducted += len(result.deducted)
            summary.missing += len(result.missing)
            summary.unmatched += result.unmatched
            summary.flagged += result.flagged
        summary.new_missing = sum(changes.new_by_company.values())
        summary.resolved = changes.resolved
        record(
            AuditAction.RECONCILIATION_RUN,
            actor=acting_user,
            company=company,
            period=period.iso,
            companies=summary.companies,
            reconciled=summary.reconciled,
            held_back=summary.held_back,
            expected=summary.expected,
            deducted=summary.deducted,
            missing=summary.missing,
            new_missing=summary.new_missing,
            resolved=summary.resolved,
            unmatched=summary.unmatched,
        )
    return summary


def _read_and_match(
    period: Period, company_id: int | None, state: selectors.ListState
) -> tuple[dict[int, Result], dict[int, list[tuple[str, str]]]]:
    expected = selectors.expected_members(period=period, company_id=company_id)
    lines = selectors.lines_by_company(period=period, company_id=company_id)
    expected_hashes = {m.nin_hash for members_ in expected.values() for m in members_}
    expected_nos = {m.member_no for members_ in expected.values() for m in members_ if m.member_no}
    # Where each expected member is expected, by keyed hash and by member number: in a
    # whole-period run, a line at one company naming a member expected at another is
    # "registered at another company" without asking the register again. (A one-company
    # run expects every member at that company: nothing to build, ~0.2 s per 100,000.)
    expected_owner: dict[str, dict[int, Expected]] = defaultdict(dict)
    owner_by_no: dict[str, dict[int, Expected]] = defaultdict(dict)
    if company_id is None:
        for owner, members_ in expected.items():
            for member in members_:
                expected_owner[member.nin_hash][owner] = member
                if member.member_no:
                    owner_by_no[member.member_no][owner] = member
    # The register is asked only about the numbers on the lines no expected member has.
    unknown_hashes = {
        line.nin_hash
        for company_lines in lines.values()
        for line in company_lines
        if line.nin_hash and line.nin_hash not in expected_hashes
    }
    unknown_nos = {
        line.member_no
        for company_lines in lines.values()
        for line in company_lines
        if line.member_no and line.member_no not in expected_nos
    }
    found_by_hash, found_by_no = selectors.known_members(
        period=period, nin_hashes=unknown_hashes, member_nos=unknown_nos
    )

    results: dict[int, Result] = {}
    held: dict[int, list[tuple[str, str]]] = {}
    for cid in sorted(state.companies):
        if cid in state.unfinished:
            held[cid] = state.unfinished[cid]
            continue
        results[cid] = reconcile_lines(
            expected.get(cid, ()),
            lines.get(cid, ()),
            _KnownFor(cid, found_by_hash, expected_owner),
            _KnownFor(cid, found_by_no, owner_by_no),
        )

    return results, held


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _held_back_because(files: list[tuple[str, str]]) -> str:
    labels = {**dict(SubmittedFile.State.choices), selectors.NO_VALID_ROWS: _("no valid rows")}
    return "; ".join(f"{name}: {labels.get(state, state)}" for name, state in files)[:1000]


_RECONCILIATION_FIGURES = [
    "expected",
    "deducted",
    "missing",
    "unmatched",
    "flagged",
    "lines",
    "reconciled_at",
]
_RECONCILIATION_COLUMNS = [
    "company_id",
    "period",
    "state",
    "held_back_because",
    *_RECONCILIATION_FIGURES,
    "updated_at",
]


def _save_reconciliations(
    *,
    period: Period,
    results: dict[int, Result],
    held: dict[int, list[tuple[str, str]]],
    now: dt.datetime,
) -> dict[int, int]:
    """Upsert one row per company; returns company id -> reconciliation id. (The upsert
    also locks the rows: a concurrent run of the same company and period waits here until
    this one commits.) A held-back company keeps its last figures."""
    first = period.first_day
    reconciled = [
        (
            cid,
            first,
            Reconciliation.State.RECONCILED,
            "",
            result.expected,
            len(result.deducted),
            len(result.missing),
            result.unmatched,
            result.flagged,
            result.lines,
            now,
            now,
        )
        for cid, result in results.items()
    ]
    held_rows = [
        (
            cid,
            first,
            (
                Reconciliation.State.HELD_BACK
                if any(
                    state in (SubmittedFile.State.FAILED, selectors.NO_VALID_ROWS)
                    for _name, state in files
                )
                else Reconciliation.State.WAITING
            ),
            _held_back_because(files),
            0,
            0,
            0,
            0,
            0,
            0,
            None,
            now,
        )
        for cid, files in held.items()
    ]
    unique = ["company_id", "period"]
    bulk.upsert(
        Reconciliation,
        _RECONCILIATION_COLUMNS,
        reconciled,
        unique=unique,
        update=["state", "held_back_because", *_RECONCILIATION_FIGURES, "updated_at"],
    )
    bulk.upsert(
        Reconciliation,
        _RECONCILIATION_COLUMNS,
        held_rows,
        unique=unique,
        update=["state", "held_back_because", "updated_at"],
    )
    ids = Reconciliation.objects.filter(period=first)
    if len(results) + len(held) == 1:
        ids = ids.filter(company_id=next(iter([*results, *held])))
    return {cid: pk for cid, pk in ids.values_list("company_id", "pk")}


@dataclass
class _Changes:
    new_by_company: dict[int, int] = field(default_factory=dict)
    resolved: int = 0


def _save_missing(
    *,
    period: Period,
    rows: dict[int, int],
    results: dict[int, Result],
    now: dt.datetime,
) -> _Changes:
    """New utrukne are created, the ones now deducted (or no longer expected, when not
    answered) resolved, and resolved ones missing again reopened — answers untouched."""
    changes = _Changes()
    if not results:
        return changes
    existing = MissingDeduction.objects.select_for_update().filter(period=period.first_day)
    if len(results) == 1:
        existing = existing.filter(company_id=next(iter(results)))
    current: dict[int, dict[int, tuple[int, str, str]]] = defaultdict(dict)
    for pk, cid, member, state, status in existing.values_list(
        "pk", "company_id", "member_id", "state", "status"
    ):
        current[cid][member] = (pk, state, status)
    states = MissingDeduction.State
    create: list[tuple] = []
    updates: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid, result in results.items():
        known = current.get(cid, {})
        missing = set(result.missing)
        for member in result.missing:
            row = known.get(member)
            if row is None:
                create.append(
                    (rows[cid], cid, period.first_day, member, states.OPEN, now, "", "", "")
                )
                changes.new_by_company[cid] = changes.new_by_company.get(cid, 0) + 1
            elif row[1] == states.RESOLVED:
                updates[("reopen", states.ANSWERED if row[2] else states.OPEN)].append(row[0])
        for member, (pk, state, status) in known.items():
            if member in missing or state == states.RESOLVED:
                continue
            if member in result.deducted:
                updates[("resolve", MissingDeduction.Resolution.DEDUCTED)].append(pk)
            elif not status:
                updates[("resolve", MissingDeduction.Resolution.NOT_EXPECTED)].append(pk)
            # answered and no longer expected: the answer's own effect (laid off, left)
    bulk.insert(
        MissingDeduction,
        [
            "reconciliation_id",
            "company_id",
            "period",
            "member_id",
            "state",
            "created_at",
            "status",
            "comment",
            "resolution",
        ],
        create,
    )
    for (what, value), pks in updates.items():
        for start in range(0, len(pks), BATCH):
            chunk = MissingDeduction.objects.filter(pk__in=pks[start : start + BATCH])
            if what == "reopen":
                chunk.update(state=value, resolution="", resolved_at=None)
            else:
                chunk.update(state=states.RESOLVED, resolution=value, resolved_at=now)
                changes.resolved += len(pks[start : start + BATCH])
    return changes


def _save_findings(*, rows: dict[int, int], results: dict[int, Result]) -> None:
    """Staff findings are derived: replaced whole by every run of the company. Staff's
    resolution of a line (``resolve_*`` below) is carried over to the line's new finding
    of the same kind, and the reconciliation's ``unmatched`` figure counts only the
    unmatched lines still open."""
    if not results:
        return
    ids = [rows[cid] for cid in results]
    resolved: dict[tuple[int, str], tuple[str, dt.datetime | None, int | None]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = LineFinding.objects.filter(reconciliation_id__in=ids[start : start + BATCH])
        for line_id, kind, resolution, at, by in chunk.exclude(resolution="").values_list(
            "line_id", "kind", "resolution", "resolved_at", "resolved_by_id"
        ):
            resolved[(line_id, kind)] = (resolution, at, by)
        chunk.delete()
    unresolved = ("", None, None)
    bulk.insert(
        LineFinding,
        [
            "reconciliation_id",
            "line_id",
            "kind",
            "reason",
            "member_id",
            "expected_amount",
            "resolution",
            "resolved_at",
            "resolved_by_id",
        ],
        (
            (
                rows[cid],
                finding.line_id,
                finding.kind,
                finding.reason,
                finding.member_id,
                finding.expected_amount,
                *resolved.get((finding.line_id, finding.kind), unresolved),
            )
            for cid, result in results.items()
            for finding in result.findings
        ),
    )
    # One statement for every company whose run carried a resolution over (a fixed number
    # of queries however many companies a whole-period run covers).
    still_open: dict[int, int] = {}
    for cid, result in results.items() if resolved else ():
        closed = sum(
            1
            for finding in result.findings
            if finding.kind == LineFinding.Kind.UNMATCHED
            and (finding.line_id, finding.kind) in resolved
        )
        if closed:
            still_open[rows[cid]] = result.unmatched - closed
    if still_open:
        Reconciliation.objects.filter(pk__in=still_open).update(
            unmatched=Case(*(When(pk=pk, then=Value(n)) for pk, n in still_open.items()))
        )


def _notify(*, period: Period, new: dict[int, int], company_id: int | None) -> list[int]:
    """New open utrukne: queue the job that e-mails their companies (in this transaction,
    so it exists exactly when they do). One job per run, not one e-mail per company here:
    rendering a thousand e-mails would be most of a whole-period run."""
    from .jobs import send_missing_deduction_emails

    if not new:
        return []
    send_missing_deduction_emails.enqueue(period=period.iso, company_id=company_id)
    return sorted(new)


def notify_new_missing_deductions(
    *, period: Period, company_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """One e-mail per company that has open utrukne for ``period`` not told yet, to its
    active users through the outbox, saying there are members to explain (a count and a
    link; never names, birth dates or numbers). Each company in its own transaction, and
    the utrukne marked told in it: never again for the same utrukne. Returns the number of
    companies e-mailed."""
    pending = MissingDeduction.objects.filter(
        period=period.first_day, state=MissingDeduction.State.OPEN, notified_at__isnull=True
    )
    if company_id is not None:
        pending = pending.filter(company_id=company_id)
    companies = sorted(set(pending.order_by().values_list("company_id", flat=True).distinct()))
    told = 0
    for cid in companies:
        with transaction.atomic():
            pks = list(
                pending.filter(company_id=cid).select_for_update().values_list("pk", flat=True)
            )
            company = Company.objects.filter(pk=cid).first()
            if not pks or company is None:
                continue
            emails.new_missing_deductions(company=company, period=period, count=len(pks))
            MissingDeduction.objects.filter(pk__in=pks).update(notified_at=now or timezone.now())
            told += 1
    return told


# After a file is read -----------------------------------------------------------------


def file_read(
    *, submitted_file: SubmittedFile, line_periods: set[dt.date | None] | None = None
) -> list[Period]:
    """Called in the transaction that records a file's parse result: remember which
    periods its valid lines are for, and once every file of its submission is finished,
    queue a reconciliation of each of those periods for the company. Returns them.

    ``line_periods``: the valid lines' own periods (None for a line without one) when the
    caller has just written them; otherwise they are read from the stored lines."""
    from .jobs import reconcile_company_period

    submission = submitted_file.submission
    FilePeriod.objects.filter(submitted_file=submitted_file).delete()
    periods: set[dt.date] = set()
    if submitted_file.state == SubmittedFile.State.DONE:
        if line_periods is None:
            lines = DeductionLine.objects.filter(submitted_file=submitted_file, valid=True)
            line_periods = set(lines.values_list("period", flat=True).distinct())
        periods = {p or submission.period for p in line_periods}
        FilePeriod.objects.bulk_create(
            FilePeriod(submitted_file=submitted_file, company_id=submission.company_id, period=p)
            for p in sorted(periods)
        )
    # Lock the submission so two files finishing at once cannot both see the other unread.
    type(submission).objects.select_for_update().filter(pk=submission.pk).first()
    files = SubmittedFile.objects.filter(submission_id=submission.pk)
    if files.exclude(state__in=[SubmittedFile.State.DONE, SubmittedFile.State.FAILED]).exists():
        return []
    periods = {submission.period} | set(
        FilePeriod.objects.filter(submitted_file__submission_id=submission.pk).values_list(
            "period", flat=True
        )
    )
    for first in sorted(periods):
        reconcile_company_period.enqueue(
            company_id=submission.company_id, period=Period.of(first).iso
        )
    return [Period.of(first) for first in sorted(periods)]


# Answers ------------------------------------------------------------------------------


class AlreadyAnswered(ValidationError):
    pass


def answer_missing_deduction(
    *,
    missing_deduction: MissingDeduction,
    status: str,
    comment: str = "",
    acting_user: User,
    request: HttpRequest | None = None,
) -> MissingDeduction:
    """The company's answer to an utrukket. Permittert opens a laid-off spell from its
    period; Sluttet i bedrift ends the employment before it (the member is not expected
    from that period on); Ansatt and Annet (which needs a comment) are kept for staff."""
    statuses = MissingDeduction.Status
    # Free text: an identity number typed into it is masked before it is stored or shown.
    comment = mask_nins_in_text((comment or "").strip())
    if status not in statuses.values:
        raise ValidationError(_("Choose a status."))
    if status == statuses.OTHER and not comment:
        raise ValidationError(_("Write a comment when you choose Other."))
    with transaction.atomic():
        row = (
            MissingDeduction.objects.select_for_update()
            .select_related("member", "company")
            .get(pk=missing_deduction.pk)
        )
        if row.state != MissingDeduction.State.OPEN:
            raise AlreadyAnswered(_("This member has already been answered for."))
        row.status, row.comment = status, comment
        row.state = MissingDeduction.State.ANSWERED
        row.answered_at, row.answered_by = timezone.now(), acting_user
        row.save(update_fields=["status", "comment", "state", "answered_at", "answered_by"])
        period = row.period_value
        if status == statuses.LAID_OFF:
            members.open_layoff(
                member=row.member, company=row.company, from_period=period, acting_user=acting_user
            )
        elif status == statuses.LEFT_COMPANY:
            members.end_employment(
                member=row.member,
                company=row.company,
                last_period=period.previous(),
                acting_user=acting_user,
                reason=MemberChange.Reason.LEFT_COMPANY,
            )
        record(
            AuditAction.MISSING_DEDUCTION_ANSWERED,
            actor=acting_user,
            company=row.company,
            obj=row,
            request=request,
            period=period.iso,
            status=status,
        )
    return row


def mark_answer_handled(
    *, missing_deduction: MissingDeduction, acting_user: User, request: HttpRequest | None = None
) -> bool:
    """Union staff have followed an answer up (an "Ansatt" answer needs a word with the
    company). False, and nothing changed, when it is not answered or already handled."""
    with transaction.atomic():
        updated = (
            MissingDeduction.objects.filter(pk=missing_deduction.pk, handled_at__isnull=True)
            .exclude(status="")
            .update(handled_at=timezone.now(), handled_by=acting_user)
        )
        if updated:
            record(
                AuditAction.MISSING_DEDUCTION_HANDLED,
                actor=acting_user,
                company=missing_deduction.company,
                obj=missing_deduction,
                request=request,
                period=missing_deduction.period_value.iso,
                status=missing_deduction.status,
            )
    return bool(updated)


# Unmatched lines (the back office) ------------------------------------------------------


class CannotResolve(ValidationError):
    pass


def _open_unmatched(finding: LineFinding) -> LineFinding:
    """The finding again, locked, with what the actions need; CannotResolve when it is not
    an open unmatched line any more (resolved meanwhile, or gone with a re-run)."""
    row = (
        LineFinding.objects.select_for_update(of=("self",))
        .select_related("reconciliation__company", "member", "line")
        .filter(pk=finding.pk, kind=LineFinding.Kind.UNMATCHED, resolution="")
        .first()
    )
    if row is None:
        raise CannotResolve(_("This line is already resolved, or no longer unmatched."))
    return row


def _resolve(
    row: LineFinding,
    *,
    resolution: str,
    action: AuditAction,
    acting_user: User,
    request: HttpRequest | None,
    companies: list[Company],
    **details: str | int,
) -> LineFinding | None:
    """Store the resolution, write the one audit event (on the line: findings are replaced
    by every run) and reconcile the line's period again for ``companies`` (here, in
    the same transaction: one company's period is small, and staff see the result at once;
    after a move, the later periods already reconciled are queued)."""
    from .jobs import reconcile_company_period

    row.resolution, row.resolved_at, row.resolved_by = resolution, timezone.now(), acting_user
    row.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    period = row.reconciliation.period_value
    record(
        action,
        actor=acting_user,
        company=row.reconciliation.company,
        obj=row.line,
        request=request,
        period=period.iso,
        reason=row.reason,
        **details,
    )
    for company in companies:
        reconcile(period=period, company=company, acting_user=acting_user)
    if resolution == LineFinding.Resolution.MOVED:
        later = Reconciliation.objects.filter(
            company__in=companies, period__gt=period.first_day
        ).order_by("period", "company_id")
        for company_id, first in later.values_list("company_id", "period"):
            reconcile_company_period.enqueue(company_id=company_id, period=Period.of(first).iso)
    # The run replaced the findings: the line's new one (its resolution carried over), or
    # None when the line now matches an expected member.
    return LineFinding.objects.filter(line_id=row.line_id, kind=row.kind).first()


@transaction.atomic
def move_employment_for_line(
    *, finding: LineFinding, acting_user: User, request: HttpRequest | None = None
) -> LineFinding | None:
    """The line is right: its member (the one the finding points to, found by the same
    identity number) works at the line's company from the line's period. The employment
    elsewhere ends the month before (``members.start_employment`` does the move), and the
    period is reconciled again for both companies."""
    row = _open_unmatched(finding)
    member, company = row.member, row.reconciliation.company
    if member is None:
        raise CannotResolve(_("No member in the register has this line's number."))
    period = row.reconciliation.period_value
    others = list(
        Company.objects.filter(
            employments__member=member, employments__to_period__isnull=True
        ).exclude(pk=company.pk)
    )
    if member.employments.filter(company=company, to_period__isnull=True).exists():
        raise CannotResolve(_("The member is already employed at this company."))
    members.start_employment(
        member=member, company=company, from_period=period, acting_user=acting_user
    )
    return _resolve(
        row,
        resolution=LineFinding.Resolution.MOVED,
        action=AuditAction.UNMATCHED_LINE_MOVED,
        acting_user=acting_user,
        request=request,
        companies=[company, *others],
        moved_from=",".join(str(other.pk) for other in others),
    )


@transaction.atomic
def mark_line_not_a_member(
    *, finding: LineFinding, acting_user: User, request: HttpRequest | None = None
) -> LineFinding | None:
    """The line's person is not a member of the union: the line is dismissed with that
    reason and no longer shows as unmatched."""
    row = _open_unmatched(finding)
    return _resolve(
        row,
        resolution=LineFinding.Resolution.NOT_A_MEMBER,
        action=AuditAction.UNMATCHED_LINE_NOT_A_MEMBER,
        acting_user=acting_user,
        request=request,
        companies=[row.reconciliation.company],
    )


@transaction.atomic
def dismiss_unmatched_line(
    *, finding: LineFinding, acting_user: User, request: HttpRequest | None = None
) -> LineFinding | None:
    """Staff looked at the line and need do nothing: it no longer shows as open."""
    row = _open_unmatched(finding)
    return _resolve(
        row,
        resolution=LineFinding.Resolution.DISMISSED,
        action=AuditAction.UNMATCHED_LINE_DISMISSED,
        acting_user=acting_user,
        request=request,
        companies=[row.reconciliation.company],
    )
