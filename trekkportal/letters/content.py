"""What a generated letter says, from a company's member changes: the words (bokmål, from
the translation catalogue), the letterhead (settings) and one line per change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from trekkportal.accounts.models import Company
from trekkportal.lib.periods import Period
from trekkportal.members.models import Member, MemberChange

from .pdf import LetterContent, Letterhead, StartLine, StopLine

LETTER_LANGUAGE = "nb"  # letters go to Norwegian companies: bokmål whatever the staff's UI
_LINES = re.compile(r"\s*(?:\||\n|\\n)\s*")


def split_lines(value: str) -> list[str]:
    """A setting's lines: separated by "|" or new lines (also a literal ``\\n``)."""
    return [line for line in _LINES.split(value or "") if line]


def letter_subject(*, has_starts: bool) -> str:
    with translation.override(LETTER_LANGUAGE):
        if has_starts:
            return _("Concerning union-dues deduction for our members")
        return _("Resigned / transferred members")


def _number(value: Decimal) -> str:
    whole, _sep, decimals = f"{value:,.2f}".partition(".")
    return whole.replace(",", "\N{NO-BREAK SPACE}") + "," + decimals


def dues_rate(member: Member) -> str:
    parts = []
    if member.dues_percent is not None:
        parts.append(f"{_number(member.dues_percent)} %")
    if member.dues_amount is not None:
        parts.append(_("NOK %(amount)s per month") % {"amount": _number(member.dues_amount)})
    return " / ".join(parts)


def _date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def letterhead() -> Letterhead:
    return Letterhead(
        name=settings.UNION_NAME,
        address=split_lines(settings.UNION_ADDRESS),
        phone=settings.UNION_PHONE,
        email=settings.UNION_EMAIL,
    )


def signature() -> list[str]:
    configured = split_lines(settings.LETTER_SIGNATURE)
    return configured or [_("Kind regards"), settings.UNION_NAME]


def build_content(
    *, company: Company, changes: Sequence[MemberChange], today: dt.date
) -> LetterContent:
    """The letter to ``company`` about ``changes`` (each with its member loaded)."""
    with translation.override(LETTER_LANGUAGE):
        starts = sorted(
            (
                StartLine(
                    name=change.member.name,
                    birth_date=_date(change.member.birth_date),
                    member_no=change.member.member_no,
                    period=Period.of(change.period).long_name(LETTER_LANGUAGE),
                    dues=dues_rate(change.member),
                )
                for change in changes
                if change.kind == MemberChange.Kind.START
            ),
            key=lambda line: (line.name.casefold(), line.birth_date),
        )
        stops = sorted(
            (
                StopLine(
                    name=change.member.name,
                    birth_date=_date(change.member.birth_date),
                    reason=str(MemberChange.Reason(change.reason).label),
                    period=Period.of(change.period).long_name(LETTER_LANGUAGE),
                )
                for change in changes
                if change.kind == MemberChange.Kind.STOP
            ),
            key=lambda line: (line.name.casefold(), line.birth_date),
        )
        closing = [
            _(
                "The letter is also in the deduction list portal under “Letters from the "
                "union” for six months."
            )
        ]
        if settings.UNION_EMAIL:
            closing.insert(
                0,
                _("Questions about this letter can be sent to %(email)s.")
                % {"email": settings.UNION_EMAIL},
            )
        return LetterContent(
            title=letter_subject(has_starts=bool(starts)),
            union=letterhead(),
            company_name=company.name,
            company_orgnr=company.orgnr,
            date=today.strftime("%d.%m.%Y"),
            labels={
                "page": _("Page"),
                "phone": _("Phone"),
                "email": _("E-mail"),
                "orgnr": _("Org. no."),
                "starts_heading": _("Start deduction"),
                "starts_intro": _(
                    "Please start deducting union dues for these members from the period "
                    "given, at the dues rate given."
                ),
                "stops_heading": _("Stop deduction"),
                "stops_intro": _(
                    "Please stop deducting union dues for these members after the last "
                    "period given."
                ),
                "name": _("Name"),
                "birth_date": _("Birth date"),
                "member_no": _("Member no."),
                "from_period": _("From period"),
                "dues": _("Dues rate"),
                "reason": _("Why"),
                "last_period": _("Last period"),
            },
            intro=[
                _(
                    "These are the changes in our member register that concern the "
                    "deduction of union dues at %(company)s."
                )
                % {"company": company.name}
            ],
            closing=closing,
            signature=signature(),
            starts=starts,
            stops=stops,
        )
