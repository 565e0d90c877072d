"""Demo data for ``seed_demo``: a member register for the demo companies.

Company A (Nordsjø Boring) submitted a list for last month with two members on it
(``submissions/demo.py``: Demo, Ola and Demo, Kari). The register expects more at A: two
members employed there who are not on the list (utrukne to answer once the list has been
reconciled), one who moved to A from company C, one laid off (not expected), and an
invoice payer (not expected either). Company B has members of its own; B has no list yet.
Idempotent: members already registered are left as they are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from trekkportal.lib.demo import DemoContext
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period

from .models import Member
from .services import find_member_by_nin, open_layoff, register_member, start_employment

# key, birth date, individual number, name, company key, months employed before last
# month, payment, dues. The first two are the people on the demo list (same numbers).
MEMBERS = [
    ("ola", dt.date(1980, 1, 15), 123, "Demo, Ola", "a", 24, "deduction", "630.00"),
    ("kari", dt.date(1991, 6, 2), 456, "Demo, Kari", "a", 18, "deduction", "735.00"),
    ("ingrid", dt.date(1975, 9, 30), 210, "Berg, Ingrid", "a", 36, "deduction", "690.00"),
    ("lars", dt.date(1988, 11, 11), 345, "Lars Johansen", "a", 12, "deduction", "560.00"),
    ("nils", dt.date(1983, 4, 4), 111, "Nilsen, Nils", "c", 48, "deduction", "610.00"),
    ("aud", dt.date(1979, 2, 20), 222, "Aud Ås", "a", 60, "deduction", "640.00"),
    ("fredrik", dt.date(1969, 7, 7), 333, "Fredriksen, Fredrik", "a", 30, "invoice", None),
    ("siv", dt.date(1993, 3, 3), 444, "Siv Solberg", "b", 20, "deduction", "520.00"),
    ("tor", dt.date(1986, 8, 8), 155, "Torsen, Tor", "b", 10, "invoice", None),
]
MOVED_TO_A_MONTHS_AGO = 3  # Nils moved from C to A three months before last month
LAID_OFF_MONTHS_AGO = 2  # Aud has been laid off at A since two months before last month


def seed(context: DemoContext) -> None:
    if not context.companies:
        return
    last_month = Period.of(timezone.localdate()).previous()
    added = 0
    for number, (key, birth, individual, name, company_key, months, payment, dues) in enumerate(
        MEMBERS, start=1001
    ):
        nin = make_valid_nin(birth, individual)
        if find_member_by_nin(nin) is not None:
            continue
        member = register_member(
            nin=nin,
            name=name,
            member_no=f"D{number}",
            joined=last_month.shift(-months).first_day,
            payment=payment,
            dues_amount=Decimal(dues) if dues else None,
        )
        start_employment(
            member=member,
            company=context.companies[company_key],
            from_period=last_month.shift(-months),
        )
        if key == "nils":
            start_employment(
                member=member,
                company=context.companies["a"],
                from_period=last_month.shift(-MOVED_TO_A_MONTHS_AGO),
            )
        if key == "aud":
            open_layoff(
                member=member,
                company=context.companies["a"],
                from_period=last_month.shift(-LAID_OFF_MONTHS_AGO),
            )
        added += 1
    if added:
        total = Member.objects.count()
        context.note(
            f"Member register: {total} members; at {context.companies['a'].name} "
            f"Berg, Ingrid, Lars Johansen and Nilsen, Nils are not on the {last_month.mmyy} list."
        )
