"""Letters for tests: a real small PDF, letters stored as the services store them."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from trekkportal.letters.models import Letter, LetterBatch
from trekkportal.submissions.parsers.tests.pdfs import make_pdf

SUBJECT = "Vedrørende kontingenttrekk for våre medlemmer"


def letter_pdf(text: str = "Brev fra forbundet") -> bytes:
    return make_pdf([[text, "Ærlig talt, også øl og ål."]])


def make_letter(
    company,
    *,
    created: dt.datetime,
    subject: str = SUBJECT,
    data: bytes | None = None,
    published: bool = True,
) -> Letter:
    """A letter stored like a published upload, created at ``created``."""
    batch = LetterBatch.objects.create(
        kind=LetterBatch.Kind.UPLOADED,
        state=LetterBatch.State.PUBLISHED if published else LetterBatch.State.DRAFT,
        created_at=created,
    )
    data = data if data is not None else letter_pdf()
    name = default_storage.save("letters/test.pdf", ContentFile(data))
    return Letter.objects.create(
        company=company,
        batch=batch,
        subject=subject,
        storage_name=name,
        size=len(data),
        sha256="0" * 64,
        created_at=created,
        is_published=published,
    )
