"""Demo data for ``seed_demo``: a published letter for the first two demo companies, and a
published "trekkmelding" batch for whatever member changes the register's demo data made."""

from __future__ import annotations

from django.utils import timezone

from trekkportal.lib.demo import DemoContext

from .content import letterhead, signature
from .models import Letter
from .pdf import LetterContent, render_letter
from .services import publish_batch, publish_uploaded_letter, run_letter_batch

DEMO_SUBJECT = "Kontingentsatser for neste år"


def demo_pdf() -> bytes:
    """A general letter (no member lines), typeset like the generated ones."""
    return render_letter(
        LetterContent(
            title=DEMO_SUBJECT,
            union=letterhead(),
            company_name="",
            company_orgnr="",
            date=timezone.localdate().strftime("%d.%m.%Y"),
            labels={"page": "Side", "phone": "Telefon", "email": "E-post", "orgnr": ""},
            intro=[
                "Landsmøtet har vedtatt kontingentsatsene for neste år. Satsen for trekk i "
                "lønn er uendret: 1,40 % av brutto lønn.",
                "Dette er et demobrev fra Trekkportal.",
            ],
            closing=[],
            signature=signature(),
        )
    )


def seed(context: DemoContext) -> None:
    companies = [context.companies[key] for key in ("a", "b") if key in context.companies]
    staff = context.users.get("staff")
    if companies and not Letter.objects.filter(subject=DEMO_SUBJECT).exists():
        publish_uploaded_letter(
            companies=companies,
            data=demo_pdf(),
            name="kontingentsatser.pdf",
            subject=DEMO_SUBJECT,
            acting_user=staff,
        )
        context.note(f"Letters: “{DEMO_SUBJECT}” published to {len(companies)} companies.")
    batch = run_letter_batch(acting_user=staff)
    if batch is not None:
        publish_batch(batch=batch, acting_user=staff)
        context.note(f"Letters: {batch.letters.count()} trekkmelding(er) from member changes.")
