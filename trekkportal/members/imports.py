"""``import_members``: the member register loaded or updated from a file, in bulk.

One transaction, a fixed number of queries per thousand rows (look-ups by keyed hash in
chunks, ``bulk_create``/``bulk_update``), one audit event with the counts. Upserts are
keyed by the identity number's keyed hash, so the same file twice changes nothing (and the
summary says so). The rules, per row of the file (docs/members.md):

* a number not in the register: a new member, employed at ``orgnr`` from ``ansatt_fra``
  (else the import's period), until ``ansatt_til`` when given;
* a known number: name, birth date, member number, joined, payment and dues are updated
  where the file has the column and the value differs;
* another company than the open employment's: the old one ends the month before the new
  one starts (from ``ansatt_fra``, else the import's period) — a move;
* ``ansatt_til``: the employment at ``orgnr`` ends after that month;
* ``utmeldt``: the member resigns (the last deducted month is the month of ``utmeldt``).

Each start or stop of deduction at a company is written as a ``MemberChange`` (for the
letters), exactly as the single-member services write them — except with
``initial=True``, the first load of a register whose members the companies already
deduct. Members not in the file are left alone.

Rows with errors (invalid number, unknown orgnr, duplicate in the file, bad dates) are
reported with their row number and a masked number. A file with errors changes nothing
unless ``apply_valid``; ``dry_run`` never changes anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from trekkportal.accounts.models import Company, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.names import name_key
from trekkportal.lib.nincrypt import NinSealer
from trekkportal.lib.periods import Period

from . import bulk
from .importing import MemberRow, ReadResult, RowProblem, read_file, read_rows
from .models import Employment, Member, MemberChange

LOOKUP_CHUNK = 900  # stays below SQLite's 999 variables per statement
LOOKUP_CHUNK_POSTGRESQL = 10_000  # fewer round trips; far below its 65,535 parameters

Reason = MemberChange.Reason
Kind = MemberChange.Kind


@dataclass
class ImportSummary:
    rows: int = 0  # data rows read (valid and invalid)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    ended: int = 0  # rows that ended an employment or a membership
    problems: list[RowProblem] = field(default_factory=list)
    file_problem: RowProblem | None = None
    dry_run: bool = False
    applied: bool = False
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def nothing_to_change(self) -> bool:
        return not (self.new or self.changed or self.ended)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "ended": self.ended,
            "errors": self.errors,
        }


KNOWN_FIELDS = (
    "name",
    "name_key",
    "birth_date",
    "member_no",
    "joined",
    "resigned",
    "payment",
    "dues_percent",
    "dues_amount",
)
NEW_FIELDS = (
    "nin_encrypted",
    "nin_hash",
    "nin_masked",
    "birth_date",
    "name",
    "name_key",
    "member_no",
    "joined",
    "resigned",
    "payment",
    "dues_percent",
    "dues_amount",
    "created_at",
    "updated_at",
)


@dataclass(slots=True)
class _Known:
    """A member already in the register, as read (only what the import compares)."""

    pk: int
    name: str
    name_key: str
    birth_date: dt.date | None
    member_no: str
    joined: dt.date | None
    resigned: dt.date | None
    payment: str
    dues_percent: Decimal | None
    dues_amount: Decimal | None


@dataclass(slots=True)
class _New:
    nin_hash: str
    values: tuple[Any, ...]  # NEW_FIELDS
    payment: str
    resigned: dt.date | None
    pk: int | None = None  # known once inserted


@dataclass(slots=True)
class _Emp:
    pk: int | None
    member: _Known | _New
    company_id: int
    from_period: dt.date
    to_period: dt.date | None


@dataclass
class _Plan:
    new_members: list[_New] = field(default_factory=list)
    updates: dict[tuple[str, ...], list[list[Any]]] = field(default_factory=dict)
    new_employments: list[_Emp] = field(default_factory=list)
    employment_updates: dict[tuple[str, ...], list[_Emp]] = field(default_factory=dict)
    changes: list[tuple[_Known | _New, int, str, str, dt.date]] = field(default_factory=list)


def import_members(
    *,
    rows: Sequence[Sequence[Any]] | None = None,
    file: bytes | str | Path | BinaryIO | None = None,
    filename: str = "",
    dry_run: bool = False,
    apply_valid: bool = False,
    acting_user: User | None = None,
    period: Period | None = None,
    today: dt.date | None = None,
    initial: bool = False,
) -> ImportSummary:
    """Load ``file`` (CSV/XLSX/XLS/ODS bytes, a path or an open file) or ``rows`` (a table
    whose first row is the header) into the register; see the module docstring.
    ``period`` is the import's period (default: the current month)."""
    today = today or timezone.localdate()
    period = period or Period.of(today)
    if (rows is None) == (file is None):
        raise TypeError("give either rows or file")
    if file is not None:
        data, filename = _bytes(file, filename)
        read = read_file(data, filename, today=today)
    else:
        read = read_rows(rows or [], today=today)
    summary = ImportSummary(dry_run=dry_run, columns=read.columns)
    if read.file_problem is not None:
        summary.file_problem = read.file_problem
        _audit(summary, acting_user, filename)
        return summary
    with transaction.atomic():
        _one_import_at_a_time()
        plan = _plan(read, summary, period=period, initial=initial)
        summary.rows = len(read.rows) + len({p.row for p in read.problems})
        summary.problems.sort(key=lambda p: p.row or 0)
        if not dry_run and (not summary.problems or apply_valid) and not summary.nothing_to_change:
            _apply(plan, acting_user)
            summary.applied = True
        _audit(summary, acting_user, filename)
    return summary


IMPORT_LOCK = 0x7472656B6B  # "trekk": the advisory lock key of the register import


def _one_import_at_a_time() -> None:
    """Imports run one at a time (a second waits for the first to commit). Members are
    not locked row by row while they are compared — on PostgreSQL that would write a lock
    into every one of 100,000 rows —, so an edit made in the admin during an import may be
    overwritten by the file's value for the same field."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _bytes(file: bytes | str | Path | BinaryIO, filename: str) -> tuple[bytes, str]:
    if isinstance(file, bytes):
        return file, filename
    if isinstance(file, str | Path):
        path = Path(file)
        return path.read_bytes(), filename or path.name
    return file.read(), filename or getattr(file, "name", "") or ""


def _audit(summary: ImportSummary, acting_user: User | None, filename: str) -> None:
    record(
        AuditAction.MEMBER_IMPORTED if summary.applied else AuditAction.MEMBER_IMPORT_CHECKED,
        actor=acting_user,
        file=Path(filename).name[:100],
        dry_run=summary.dry_run,
        applied=summary.applied,
        file_error=summary.file_problem.code if summary.file_problem else "",
        **summary.counts(),
    )


def _chunks(items: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    if size is None:
        size = LOOKUP_CHUNK_POSTGRESQL if connection.vendor == "postgresql" else LOOKUP_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plan(
    read: ReadResult,
    summary: ImportSummary,
    *,
    period: Period,
    initial: bool,
) -> _Plan:
    summary.problems.extend(read.problems)
    present = read.present
    companies: dict[str, int] = {}
    orgnrs = sorted({r.orgnr for r in read.rows})
    for chunk in _chunks(orgnrs):
        companies.update(Company.objects.filter(orgnr__in=chunk).values_list("orgnr", "pk"))
    sealer = NinSealer()
    valid: list[tuple[MemberRow, str]] = []
    for row in read.rows:
        if row.orgnr not in companies:
            summary.problems.append(
                RowProblem(row.row, "orgnr_unknown", row.masked, {"value": row.orgnr})
            )
        else:
            valid.append((row, sealer.hash(row.nin)))

    hashes = [h for _, h in valid]
    existing: dict[str, _Known] = {}
    for chunk in _chunks(hashes):
        rows = Member.objects.filter(nin_hash__in=chunk).values_list(
            "nin_hash", "pk", *KNOWN_FIELDS
        )
        existing.update((r[0], _Known(*r[1:])) for r in rows)
    by_pk = {m.pk: m for m in existing.values()}
    employments: dict[int, list[_Emp]] = {}
    for chunk in _chunks(list(by_pk)):
        rows = (
            Employment.objects.filter(member_id__in=chunk)
            .order_by("from_period", "pk")
            .values_list("pk", "member_id", "company_id", "from_period", "to_period")
        )
        for pk, member_id, company_id, start, end in rows:
            employments.setdefault(member_id, []).append(
                _Emp(pk, by_pk[member_id], company_id, start, end)
            )

    plan = _Plan()
    ctx = _Context(plan=plan, period=period, initial=initial)
    now = timezone.now()
    for row, digest in valid:
        company_id = companies[row.orgnr]
        member = existing.get(digest)
        if member is None:
            _plan_new(ctx, row, digest, company_id, sealer, now)
            summary.new += 1
            continue
        outcome = _plan_existing(
            ctx, row, member, company_id, employments.get(member.pk, []), present, now
        )
        if outcome == "ended":
            summary.ended += 1
        elif outcome == "changed":
            summary.changed += 1
        else:
            summary.unchanged += 1
    return plan


@dataclass
class _Context:
    plan: _Plan
    period: Period
    initial: bool

    def change(self, member: _Known | _New, company_id: int, kind: str, reason: str, at: Period):
        if not self.initial:
            self.plan.changes.append((member, company_id, kind, reason, at.first_day))

    def update_employment(self, employment: _Emp, fields: tuple[str, ...]) -> None:
        self.plan.employment_updates.setdefault(fields, []).append(employment)


def _deducting(member: _Known | _New) -> bool:
    return member.payment == Member.Payment.DEDUCTION and member.resigned is None


def _plan_new(
    ctx: _Context,
    row: MemberRow,
    digest: str,
    company_id: int,
    sealer: NinSealer,
    now: dt.datetime,
) -> None:
    dues = row.dues
    payment = dues.payment if dues else Member.Payment.DEDUCTION
    member = _New(
        nin_hash=digest,
        values=(
            sealer.encrypt(row.nin),
            digest,
            row.masked,
            row.birth_date,
            row.name,
            name_key(row.name),
            row.member_no or "",
            row.joined,
            row.resigned,
            payment,
            dues.percent if dues else None,
            dues.amount if dues else None,
            now,
            now,
        ),
        payment=payment,
        resigned=row.resigned,
    )
    ctx.plan.new_members.append(member)
    start = row.employed_from or ctx.period
    if row.employed_to is not None and row.employed_from is None:
        start = min(start, row.employed_to)
    ctx.plan.new_employments.append(
        _Emp(
            None,
            member,
            company_id,
            start.first_day,
            row.employed_to.first_day if row.employed_to else None,
        )
    )
    if row.employed_to is None and _deducting(member):
        ctx.change(member, company_id, Kind.START, Reason.JOINED, start)


def _plan_existing(
    ctx: _Context,
    row: MemberRow,
    member: _Known,
    company_id: int,
    history: list[_Emp],
    present: set[str],
    now: dt.datetime,
) -> str:
    """Plan one known member's changes: 'unchanged', 'changed' or 'ended'."""
    was_deducting = _deducting(member)
    changed: list[str] = []

    def setfield(name: str, value: Any) -> None:
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)

    if row.name != member.name:
        setfield("name", row.name)
        setfield("name_key", name_key(row.name))
    if row.birth_date is not None:
        setfield("birth_date", row.birth_date)
    if row.member_no is not None:
        setfield("member_no", row.member_no)
    if "joined" in present:
        setfield("joined", row.joined)
    if "resigned" in present:
        setfield("resigned", row.resigned)
    if row.dues is not None:
        setfield("payment", row.dues.payment)
        setfield("dues_percent", row.dues.percent)
        setfield("dues_amount", row.dues.amount)

    ended = False
    employment_changed = False
    open_before = [e for e in history if e.to_period is None]
    open_here = next((e for e in open_before if e.company_id == company_id), None)
    open_elsewhere = [e for e in open_before if e.company_id != company_id]
    start = row.employed_from
    if row.employed_to is None:
        if open_here is not None:
            if start is not None and open_here.from_period != start.first_day:
                open_here.from_period = start.first_day
                ctx.update_employment(open_here, ("from_period",))
                employment_changed = True
        else:
            start = start or ctx.period
            for old in open_elsewhere:
                last = start.previous()
                old.to_period = max(last.first_day, old.from_period)
                ctx.update_employment(old, ("to_period",))
                if was_deducting:
                    ctx.change(member, old.company_id, Kind.STOP, Reason.MOVED_OUT, last)
            reopened = next(
                (
                    e
                    for e in history
                    if e.company_id == company_id and e.from_period == start.first_day
                ),
                None,
            )
            if reopened is not None:
                reopened.to_period = None
                ctx.update_employment(reopened, ("to_period",))
            else:
                ctx.plan.new_employments.append(
                    _Emp(None, member, company_id, start.first_day, None)
                )
            if _deducting(member):
                reason = Reason.MOVED_IN if open_elsewhere else Reason.STARTED
                ctx.change(member, company_id, Kind.START, reason, start)
            employment_changed = True
    else:
        end = row.employed_to
        if open_here is not None:
            open_here.to_period = max(end.first_day, open_here.from_period)
            fields: tuple[str, ...] = ("to_period",)
            if start is not None and open_here.from_period != start.first_day:
                open_here.from_period = start.first_day
                fields = ("from_period", "to_period")
            ctx.update_employment(open_here, fields)
            if was_deducting:
                ctx.change(member, company_id, Kind.STOP, Reason.LEFT_COMPANY, end)
            ended = True
        else:
            closed = [e for e in history if e.company_id == company_id and e.to_period]
            match = next((e for e in closed if e.to_period == end.first_day), None)
            last_closed = closed[-1] if closed else None
            if (
                match is None
                and last_closed is not None
                and (start is None or last_closed.from_period == start.first_day)
            ):
                last_closed.to_period = end.first_day
                ctx.update_employment(last_closed, ("to_period",))
                employment_changed = True
            elif match is None:
                begin = start or end
                ctx.plan.new_employments.append(
                    _Emp(None, member, company_id, min(begin, end).first_day, end.first_day)
                )
                employment_changed = True

    # Payment and membership changes stop or start deduction where the member still works
    # (a move or an end above has written its own stop, a new employment its own start).
    still_open = [e for e in open_before if e.to_period is None]
    is_deducting = _deducting(member)
    if "resigned" in changed and member.resigned is not None:
        ended = True
        if was_deducting:
            for e in still_open:
                ctx.change(
                    member, e.company_id, Kind.STOP, Reason.RESIGNED, Period.of(member.resigned)
                )
    elif was_deducting and not is_deducting:
        for e in still_open:
            ctx.change(member, e.company_id, Kind.STOP, Reason.INVOICE, ctx.period.previous())
    elif not was_deducting and is_deducting:
        reason = Reason.JOINED if "resigned" in changed else Reason.DEDUCTION
        for e in still_open:
            ctx.change(member, e.company_id, Kind.START, reason, ctx.period)

    if changed:
        names = (*sorted(changed), "updated_at")
        values = [getattr(member, n) for n in names[:-1]]
        ctx.plan.updates.setdefault(names, []).append([*values, now, member.pk])
    if ended:
        return "ended"
    if changed or employment_changed:
        return "changed"
    return "unchanged"


def _apply(plan: _Plan, acting_user: User | None) -> None:
    bulk.insert(Member, NEW_FIELDS, [m.values for m in plan.new_members])
    new_by_hash = {m.nin_hash: m for m in plan.new_members}
    for chunk in _chunks(list(new_by_hash)):
        for digest, pk in Member.objects.filter(nin_hash__in=chunk).values_list("nin_hash", "pk"):
            new_by_hash[digest].pk = pk
    for names, rows in plan.updates.items():
        bulk.update(Member, names, rows)
    for names, items in plan.employment_updates.items():
        bulk.update(Employment, names, [[*(getattr(e, n) for n in names), e.pk] for e in items])
    bulk.insert(
        Employment,
        ("member", "company", "from_period", "to_period"),
        [(e.member.pk, e.company_id, e.from_period, e.to_period) for e in plan.new_employments],
    )
    now = timezone.now()
    by = acting_user.pk if acting_user is not None else None
    bulk.insert(
        MemberChange,
        ("member", "company", "kind", "reason", "period", "created_at", "created_by"),
        [
            (m.pk, company, kind, reason, at, now, by)
            for m, company, kind, reason, at in plan.changes
        ],
    )
