"""Members and read lists for the reconciliation tests, made through the real services."""

from __future__ import annotations

import datetime as dt
import itertools

from trekkportal.jobs.models import Job
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.members.models import Member
from trekkportal.members.services import register_member, start_employment
from trekkportal.submissions.parsers import Line, ParsedList, Totals
from trekkportal.submissions.parsers.model import ParseFailure
from trekkportal.submissions.services import record_parse_result, submit_list
from trekkportal.submissions.tests.files import CSV, upload

_individual = itertools.count(100)


def last_month() -> Period:
    return Period.of(dt.date.today()).previous()


_used: set[str] = set()


def a_nin(birth: dt.date = dt.date(1985, 3, 14)) -> str:
    """A valid identity number not handed out before in this test run."""
    while True:
        n = next(_individual)
        nin = make_valid_nin(birth + dt.timedelta(days=n // 300), 100 + n % 300)
        if nin not in _used:
            _used.add(nin)
            return nin


def a_member(
    company,
    *,
    name: str = "Normann, Ola",
    birth: dt.date = dt.date(1985, 3, 14),
    since: Period | None = None,
    member_no: str = "",
    **fields,
) -> Member:
    """A member paying by deduction, employed at ``company`` since ``since`` (a year ago)."""
    nin = a_nin(birth)
    member = register_member(nin=nin, name=name, member_no=member_no, **fields)
    member.test_nin = nin  # the plain number, for building lists in the test
    if company is not None:
        start_employment(
            member=member, company=company, from_period=since or last_month().shift(-12)
        )
    return member


def line_for(member: Member, *, row: int = 2, amount: str | None = "630.00", **fields) -> Line:
    values = {"nin": member.test_nin, "name": member.name, "member_no": ""}
    values.update(fields)
    ore = None if amount is None else round(float(amount) * 100)
    return Line(row=row, amount_ore=ore, **values)


def a_read_list(company, user, period: Period, lines: list[Line], *, name: str = "liste.csv"):
    """A submission for ``period`` whose one file has been read with these lines."""
    submission = submit_list(
        company=company,
        period=period,
        files=[upload(name, CSV)],
        comment="",
        contact_email=user.email,
        acting_user=user,
    )
    numbered = [line._replace(row=i + 2) for i, line in enumerate(lines)]
    parsed = ParsedList(
        format="csv",
        columns={"nin": "Fødselsnummer", "name": "Navn", "amount": "Trekk"},
        lines=numbered,
        errors=[],
        totals=Totals(
            rows=len(numbered),
            valid=sum(1 for line in numbered if line.ok),
            amount_ore=sum(line.amount_ore or 0 for line in numbered if line.ok),
        ),
    )
    record_parse_result(submitted_file=submission.files.get(), parsed=parsed)
    _read_already()
    return submission


def _read_already() -> None:
    """The parse jobs submit_list queued have done their work (the result above)."""
    Job.objects.filter(name__endswith="parse_submitted_file").delete()


def an_unreadable_list(company, user, period: Period):
    submission = submit_list(
        company=company,
        period=period,
        files=[upload("skadet.csv", CSV)],
        comment="",
        contact_email=user.email,
        acting_user=user,
    )
    record_parse_result(submitted_file=submission.files.get(), parsed=ParseFailure("damaged"))
    _read_already()
    return submission
