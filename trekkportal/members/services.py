"""Changes to the member register. Every caller — import, admin, back office, the answers
to utrukne — goes through these functions: keyword-only, in a transaction, audited, and
each start or stop of deduction at a company is written down as a ``MemberChange``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from trekkportal.accounts.models import Company, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.identity import mask_nin, parse_nin
from trekkportal.lib.names import name_key
from trekkportal.lib.nincrypt import decrypt_nin, encrypt_nin, nin_hash
from trekkportal.lib.periods import Period

from .models import Employment, Layoff, Member, MemberChange


def _first(period: Period) -> dt.date:
    return period.first_day


def _change(
    *,
    member: Member,
    company: Company,
    kind: str,
    reason: str,
    period: Period,
    acting_user: User | None,
) -> MemberChange:
    return MemberChange.objects.create(
        member=member,
        company=company,
        kind=kind,
        reason=reason,
        period=_first(period),
        created_by=acting_user,
    )


@transaction.atomic
def register_member(
    *,
    nin: str,
    name: str,
    birth_date: dt.date | None = None,
    member_no: str = "",
    joined: dt.date | None = None,
    payment: str = Member.Payment.DEDUCTION,
    dues_percent: Decimal | None = None,
    dues_amount: Decimal | None = None,
    acting_user: User | None = None,
) -> Member:
    """A new member. ``nin`` must be a valid identity number (InvalidNin otherwise); the
    birth date comes from it where it can tell, else from ``birth_date``."""
    parsed = parse_nin(nin)
    member = Member.objects.create(
        nin_encrypted=encrypt_nin(parsed.value),
        nin_hash=nin_hash(parsed.value),
        nin_masked=mask_nin(parsed.value),
        birth_date=parsed.birth_date or birth_date,
        name=name.strip(),
        name_key=name_key(name),
        member_no=member_no.strip(),
        joined=joined,
        payment=payment,
        dues_percent=dues_percent,
        dues_amount=dues_amount,
    )
    record(AuditAction.MEMBER_REGISTERED, actor=acting_user, obj=member)
    return member


def find_member_by_nin(nin: str) -> Member | None:
    """Look a member up by full identity number, through the keyed hash."""
    return Member.objects.filter(nin_hash=nin_hash(parse_nin(nin).value)).first()


@transaction.atomic
def start_employment(
    *,
    member: Member,
    company: Company,
    from_period: Period,
    acting_user: User | None = None,
    reason: str = MemberChange.Reason.STARTED,
) -> Employment:
    """The member works at ``company`` from ``from_period`` (open-ended). An open
    employment at another company ends the month before (a move)."""
    moved_from = list(
        Employment.objects.select_for_update()
        .filter(member=member, to_period__isnull=True)
        .exclude(company=company)
    )
    for old in moved_from:
        end_employment(
            member=member,
            company=old.company,
            last_period=from_period.previous(),
            acting_user=acting_user,
            reason=MemberChange.Reason.MOVED_OUT,
        )
    if moved_from and reason == MemberChange.Reason.STARTED:
        reason = MemberChange.Reason.MOVED_IN
    employment = Employment.objects.create(
        member=member, company=company, from_period=_first(from_period)
    )
    if member.payment == Member.Payment.DEDUCTION and member.resigned is None:
        _change(
            member=member,
            company=company,
            kind=MemberChange.Kind.START,
            reason=reason,
            period=from_period,
            acting_user=acting_user,
        )
    record(
        AuditAction.MEMBER_EMPLOYMENT_STARTED,
        actor=acting_user,
        company=company,
        obj=member,
        period=from_period.iso,
    )
    return employment


@transaction.atomic
def end_employment(
    *,
    member: Member,
    company: Company,
    last_period: Period,
    acting_user: User | None = None,
    reason: str = MemberChange.Reason.LEFT_COMPANY,
) -> Employment | None:
    """The member's open employment at ``company`` ends after ``last_period``. Returns the
    ended employment, or None when there was no open one."""
    employment = (
        Employment.objects.select_for_update()
        .filter(member=member, company=company, to_period__isnull=True)
        .first()
    )
    if employment is None:
        return None
    employment.to_period = max(_first(last_period), employment.from_period)
    employment.save(update_fields=["to_period"])
    if member.payment == Member.Payment.DEDUCTION:
        _change(
            member=member,
            company=company,
            kind=MemberChange.Kind.STOP,
            reason=reason,
            period=last_period,
            acting_user=acting_user,
        )
    record(
        AuditAction.MEMBER_EMPLOYMENT_ENDED,
        actor=acting_user,
        company=company,
        obj=member,
        period=last_period.iso,
        reason=reason,
    )
    return employment


@transaction.atomic
def open_layoff(
    *,
    member: Member,
    company: Company,
    from_period: Period,
    to_period: Period | None = None,
    acting_user: User | None = None,
) -> Layoff:
    """A laid-off spell at ``company`` from ``from_period`` (open-ended unless ``to_period``):
    the member is not expected on the company's lists during it."""
    layoff = Layoff.objects.filter(
        member=member, company=company, from_period=_first(from_period)
    ).first()
    if layoff is None:
        layoff = Layoff.objects.create(
            member=member,
            company=company,
            from_period=_first(from_period),
            to_period=_first(to_period) if to_period else None,
        )
        if member.payment == Member.Payment.DEDUCTION:
            _change(
                member=member,
                company=company,
                kind=MemberChange.Kind.STOP,
                reason=MemberChange.Reason.LAID_OFF,
                period=from_period.previous(),
                acting_user=acting_user,
            )
        record(
            AuditAction.MEMBER_LAID_OFF,
            actor=acting_user,
            company=company,
            obj=member,
            period=from_period.iso,
        )
    return layoff


@transaction.atomic
def resign_member(*, member: Member, resigned: dt.date, acting_user: User | None = None) -> Member:
    """The member leaves the union: the last period deducted is the month of ``resigned``."""
    member.resigned = resigned
    member.updated_at = timezone.now()
    member.save(update_fields=["resigned", "updated_at"])
    last = Period.of(resigned)
    open_at = Employment.objects.filter(member=member, to_period__isnull=True).select_related(
        "company"
    )
    if member.payment == Member.Payment.DEDUCTION:
        for employment in open_at:
            _change(
                member=member,
                company=employment.company,
                kind=MemberChange.Kind.STOP,
                reason=MemberChange.Reason.RESIGNED,
                period=last,
                acting_user=acting_user,
            )
    record(AuditAction.MEMBER_RESIGNED, actor=acting_user, obj=member, period=last.iso)
    return member


@transaction.atomic
def end_layoff(*, layoff: Layoff, last_period: Period, acting_user: User | None = None) -> Layoff:
    """The laid-off spell ends after ``last_period``: deduction starts again the month after
    (where the member still works there and pays by deduction)."""
    layoff = (
        Layoff.objects.select_for_update().select_related("member", "company").get(pk=layoff.pk)
    )
    if layoff.to_period is not None:
        return layoff
    layoff.to_period = max(_first(last_period), layoff.from_period)
    layoff.save(update_fields=["to_period"])
    member = layoff.member
    still_employed = Employment.objects.filter(
        member=member, company=layoff.company, to_period__isnull=True
    ).exists()
    if still_employed and member.payment == Member.Payment.DEDUCTION and member.resigned is None:
        _change(
            member=member,
            company=layoff.company,
            kind=MemberChange.Kind.START,
            reason=MemberChange.Reason.RETURNED,
            period=Period.of(layoff.to_period).next(),
            acting_user=acting_user,
        )
    record(
        AuditAction.MEMBER_LAYOFF_ENDED,
        actor=acting_user,
        company=layoff.company,
        obj=member,
        period=Period.of(layoff.to_period).iso,
    )
    return layoff


UPDATABLE_FIELDS = (
    "name",
    "birth_date",
    "member_no",
    "joined",
    "payment",
    "dues_percent",
    "dues_amount",
)


@transaction.atomic
def update_member(
    *,
    member: Member,
    acting_user: User | None = None,
    period: Period | None = None,
    resigned: dt.date | None = None,
    **values: object,
) -> Member:
    """Change a member's details (``UPDATABLE_FIELDS``). A change of payment stops
    (to invoice: after the month before ``period``) or starts (to deduction: from
    ``period``, default this month) deduction where the member works; a ``resigned`` date
    resigns the member (``resign_member``)."""
    unknown = set(values) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"not updatable here: {sorted(unknown)}")
    member = Member.objects.select_for_update().get(pk=member.pk)
    period = period or Period.of(timezone.localdate())
    was_deducting = member.payment == Member.Payment.DEDUCTION and member.resigned is None
    changed = []
    for name, value in values.items():
        if name == "name":
            value = str(value).strip()
        if name == "member_no":
            value = str(value or "").strip()
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    if "name" in changed:
        member.name_key = name_key(member.name)
        changed.append("name_key")
    if changed:
        member.updated_at = timezone.now()
        member.save(update_fields=[*changed, "updated_at"])
        record(AuditAction.MEMBER_CHANGED, actor=acting_user, obj=member, fields=sorted(changed))
    if "payment" in changed and member.resigned is None:
        working_at = [
            e.company
            for e in Employment.objects.filter(member=member, to_period__isnull=True)
            .select_related("company")
            .order_by("pk")
        ]
        for company in working_at:
            if was_deducting:
                _change(
                    member=member,
                    company=company,
                    kind=MemberChange.Kind.STOP,
                    reason=MemberChange.Reason.INVOICE,
                    period=period.previous(),
                    acting_user=acting_user,
                )
            else:
                _change(
                    member=member,
                    company=company,
                    kind=MemberChange.Kind.START,
                    reason=MemberChange.Reason.DEDUCTION,
                    period=period,
                    acting_user=acting_user,
                )
    if resigned is not None and member.resigned != resigned:
        member = resign_member(member=member, resigned=resigned, acting_user=acting_user)
    return member


def reveal_member_nin(*, member: Member, acting_user: User, request=None) -> str:
    """The member's full identity number, for staff who must see or export it. Audited:
    every call writes who saw whose number (never the number itself)."""
    nin = decrypt_nin(member.nin_encrypted)
    record(AuditAction.MEMBER_NIN_REVEALED, actor=acting_user, obj=member, request=request)
    return nin
