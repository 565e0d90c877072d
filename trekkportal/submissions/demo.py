"""Demo data for ``seed_demo``: a submitted period for the first demo company."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from trekkportal.lib.demo import DemoContext
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period

from .models import Submission
from .services import submit_list

DEMO_KEY = uuid.uuid5(uuid.NAMESPACE_URL, "trekkportal-demo-submission")


def demo_list() -> bytes:
    """A small semicolon-separated list with synthetic (valid) identity numbers."""
    lines = ["Fødselsnummer;Navn;Grunnlag;Trekk"]
    for birth, individual, name, base, dues in (
        (dt.date(1980, 1, 15), 123, "Demo, Ola", "45 000,00", "630,00"),
        (dt.date(1991, 6, 2), 456, "Demo, Kari", "52 500,00", "735,00"),
    ):
        lines.append(f"{make_valid_nin(birth, individual)};{name};{base};{dues}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def seed(context: DemoContext) -> None:
    company = context.companies.get("a")
    user = context.users.get("employer_a")
    if company is None or user is None:
        return
    if Submission.objects.filter(company=company, idempotency_key=DEMO_KEY).exists():
        return
    period = Period.of(timezone.localdate()).previous()
    upload = ContentFile(demo_list(), name=f"trekkliste-{period.mmyy}.csv")
    submit_list(
        company=company,
        period=period,
        files=[upload],
        comment="",
        contact_email=user.email,
        acting_user=user,
        idempotency_key=DEMO_KEY,
    )
    context.note(f"Submission: {company.name} has a list for {period.mmyy}.")
