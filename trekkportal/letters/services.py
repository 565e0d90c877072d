"""Publishing, generating, downloading and discarding letters. The admin, the commands and
(later) the back office all go through these functions: keyword-only, audited, the
e-mails queued in the same transaction as the letters they announce.

Files are written to storage first (under generated names) and the rows after, in one
transaction; when that fails the files just written are deleted again, so no letter row
ever points at a missing file and no file is left behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.decorators import CompanyRequest
from trekkportal.accounts.models import Company, CompanyAccess, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib import filesafety
from trekkportal.members.models import MemberChange

from .content import build_content
from .models import Letter, LetterBatch, LetterChange
from .pdf import render_letter
from .selectors import pending_changes

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "letters/"
MAX_LETTER_BYTES = 20 * 1024 * 1024
SUBJECT_MAX_LENGTH = 200


# --- checking an uploaded PDF ------------------------------------------------------------


def check_letter_pdf(*, name: str, data: bytes | IO[bytes]) -> bytes:
    """The uploaded file's bytes if it is a plain PDF document; ValidationError otherwise.

    The same checks as a deduction list (``lib.filesafety.inspect_file``: the content, not
    the name, decides), then ``inspect_pdf_content`` (no scripts, launch or submit actions,
    forms, embedded files, encryption), and it must open as a PDF with at least one page.
    """
    limits = filesafety.Limits(max_bytes=MAX_LETTER_BYTES)
    raw = filesafety.read_upload(cast("bytes | BinaryIO", data), max_bytes=MAX_LETTER_BYTES)
    try:
        if filesafety.inspect_file(name, raw, limits=limits) is not filesafety.FileKind.PDF:
            raise filesafety.UnsafeFile(
                "content_mismatch", expected="pdf", actual=filesafety.CONTENT_NAMES["txt"]
            )
        filesafety.inspect_pdf_content(raw, limits)
    except filesafety.UnsafeFile as refusal:
        params = refusal.message_params(name)
        if "actual" in params:
            params["actual"] = gettext(params["actual"])
        raise ValidationError(
            gettext(filesafety.REFUSAL_MESSAGES[refusal.code]) % params, code=refusal.code
        ) from None
    if not _opens_as_pdf(raw):
        raise ValidationError(
            gettext(filesafety.REFUSAL_MESSAGES["corrupt"])
            % {"name": filesafety.sanitize_filename(name)},
            code="corrupt",
        )
    return raw


def _opens_as_pdf(raw: bytes) -> bool:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(raw)
    except pypdfium2.PdfiumError:
        return False
    try:
        return len(document) > 0
    finally:
        document.close()


def clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError(_("Write the letter's subject."), code="subject")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError(
            _("The subject can be at most %(max)s characters.") % {"max": SUBJECT_MAX_LENGTH},
            code="subject",
        )
    return subject


# --- storage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    storage_name: str
    size: int
    sha256: str


def _store_pdf(data: bytes) -> _Stored:
    name = default_storage.save(f"{STORAGE_PREFIX}{uuid.uuid4().hex}.pdf", ContentFile(data))
    return _Stored(storage_name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def _delete_stored(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete %s", name)


# --- publishing an uploaded PDF ----------------------------------------------------------


def publish_uploaded_letter(
    *,
    companies: Sequence[Company],
    data: bytes | IO[bytes],
    name: str,
    subject: str,
    acting_user: User | None,
    request: HttpRequest | None = None,
) -> LetterBatch:
    """Publish one PDF to each of ``companies`` (one letter each, so "Tidligere
    nedlastet?" is per company) and e-mail their users: one e-mail per user.

    ``data``: the bytes or a file (an upload is read no further than the size limit)."""
    subject = clean_subject(subject)
    companies = list({company.pk: company for company in companies}.values())
    if not companies:
        raise ValidationError(_("Choose at least one company."), code="companies")
    raw = check_letter_pdf(name=name, data=data)
    written: list[_Stored] = []
    try:
        for _company in companies:
            written.append(_store_pdf(raw))
        with transaction.atomic():
            now = timezone.now()
            batch = LetterBatch.objects.create(
                kind=LetterBatch.Kind.UPLOADED,
                state=LetterBatch.State.PUBLISHED,
                created_by=acting_user,
                published_at=now,
                published_by=acting_user,
            )
            letters = Letter.objects.bulk_create(
                Letter(
                    company=company,
                    batch=batch,
                    subject=subject,
                    storage_name=stored.storage_name,
                    size=stored.size,
                    sha256=stored.sha256,
                    created_at=now,
                    is_published=True,
                )
                for company, stored in zip(companies, written, strict=True)
            )
            record(
                AuditAction.LETTER_PUBLISHED,
                actor=acting_user,
                company=companies[0] if len(companies) == 1 else None,
                obj=batch,
                request=request,
                kind=batch.kind,
                letters=len(letters),
                companies=[company.orgnr for company in companies][:50],
            )
            _notify(letters)
    except Exception:
        _delete_stored(stored.storage_name for stored in written)
        raise
    return batch


# --- e-mail ------------------------------------------------------------------------------


def _notify(letters: Sequence[Letter]) -> None:
    """One e-mail per active user with access to any of the letters' companies."""
    from trekkportal.mail import emails

    by_company: dict[int, list[Letter]] = defaultdict(list)
    for letter in letters:
        by_company[letter.company_id].append(letter)
    companies = {letter.company_id: letter.company for letter in letters}
    per_user: dict[int, tuple[User, list[Company]]] = {}
    accesses = (
        CompanyAccess.objects.filter(
            company_id__in=list(by_company), user__is_active=True, company__is_active=True
        )
        .select_related("user")
        .order_by("user__email", "company_id")
    )
    for access in accesses:
        user, user_companies = per_user.setdefault(access.user_id, (access.user, []))
        user_companies.append(companies[access.company_id])
    for user, user_companies in per_user.values():
        subjects = {letter.subject for c in user_companies for letter in by_company[c.pk]}
        emails.new_letter(
            company=user_companies[0],
            company_names=[company.name for company in user_companies],
            letter_subject=subjects.pop() if len(subjects) == 1 else "",
            to=[user],
        )


# --- generated letters -------------------------------------------------------------------


def run_letter_batch(
    *, acting_user: User | None, now: dt.datetime | None = None
) -> LetterBatch | None:
    """A draft batch with one letter per company for the changes no batch has taken yet
    (None when there are none). Staff preview it, then publish or discard it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_company: dict[int, list[MemberChange]] = defaultdict(list)
    for change in pending_changes():
        by_company[change.company_id].append(change)
    if not by_company:
        return None
    written: list[_Stored] = []
    drafts = []
    try:
        for changes in by_company.values():
            company = changes[0].company
            content = build_content(company=company, changes=changes, today=today)
            stored = _store_pdf(render_letter(content, timestamp=now))
            written.append(stored)
            drafts.append((company, changes, content, stored))
        with transaction.atomic():
            batch = LetterBatch.objects.create(
                kind=LetterBatch.Kind.GENERATED, created_by=acting_user, created_at=now
            )
            letters = Letter.objects.bulk_create(
                Letter(
                    company=company,
                    batch=batch,
                    subject=content.title,
                    storage_name=stored.storage_name,
                    size=stored.size,
                    sha256=stored.sha256,
                    created_at=now,
                    starts=len(content.starts),
                    stops=len(content.stops),
                )
                for company, _changes, content, stored in drafts
            )
            # One-to-one on the change: a change taken by a concurrent run fails this one.
            LetterChange.objects.bulk_create(
                (
                    LetterChange(batch=batch, letter=letter, change=change)
                    for letter, (_company, changes, _content, _stored) in zip(
                        letters, drafts, strict=True
                    )
                    for change in changes
                ),
                batch_size=2000,
            )
            record(
                AuditAction.LETTER_BATCH_CREATED,
                actor=acting_user,
                obj=batch,
                letters=len(letters),
                changes=sum(len(changes) for _c, changes, _t, _s in drafts),
            )
    except Exception:
        _delete_stored(stored.storage_name for stored in written)
        raise
    return batch


def queue_letter_batch(*, acting_user: User | None) -> bool:
    """Queue ``run_letter_batch`` for the worker (2,000 letters take about half a minute,
    too long for a request); the draft appears among the batches when it is ready. False,
    and nothing queued, when no member change waits for a letter."""
    from .jobs import write_letter_batch

    if not pending_changes().exists():
        return False
    write_letter_batch.enqueue(acting_user_id=acting_user.pk if acting_user else None)
    return True


def _lock_draft(batch: LetterBatch) -> LetterBatch:
    locked = LetterBatch.objects.select_for_update().get(pk=batch.pk)
    if not locked.is_draft:
        raise ValidationError(
            _("This batch is already %(state)s.") % {"state": locked.get_state_display()},
            code="not_draft",
        )
    return locked


@transaction.atomic
def publish_batch(
    *, batch: LetterBatch, acting_user: User | None, request: HttpRequest | None = None
) -> LetterBatch:
    """The draft's letters reach their companies now ("Opprettet" is today) and their
    users get one e-mail each."""
    batch = _lock_draft(batch)
    now = timezone.now()
    batch.letters.update(is_published=True, created_at=now)
    batch.state = LetterBatch.State.PUBLISHED
    batch.published_at = now
    batch.published_by = acting_user
    batch.save(update_fields=["state", "published_at", "published_by"])
    letters = list(batch.letters.select_related("company"))
    record(
        AuditAction.LETTER_PUBLISHED,
        actor=acting_user,
        obj=batch,
        request=request,
        kind=batch.kind,
        letters=len(letters),
    )
    _notify(letters)
    return batch


def discard_batch(
    *, batch: LetterBatch, acting_user: User | None, request: HttpRequest | None = None
) -> LetterBatch:
    """Throw a draft away: its letters and files go, and its changes are free for the next
    run."""
    with transaction.atomic():
        batch = _lock_draft(batch)
        names = list(batch.letters.values_list("storage_name", flat=True))
        changes, _ = LetterChange.objects.filter(batch=batch).delete()
        batch.letters.all().delete()
        batch.state = LetterBatch.State.DISCARDED
        batch.save(update_fields=["state"])
        record(
            AuditAction.LETTER_BATCH_DISCARDED,
            actor=acting_user,
            obj=batch,
            request=request,
            letters=len(names),
            changes=changes,
        )
    # After the commit: a rolled-back discard must still find its files.
    _delete_stored(names)
    return batch


# --- downloads ---------------------------------------------------------------------------


def download_letter(*, letter: Letter, acting_user: User, request: CompanyRequest) -> Any:
    """Open a letter for a user of its company: the first download turns "Tidligere
    nedlastet?" to "Ja" for the whole company. Audited."""
    handle = default_storage.open(letter.storage_name, "rb")
    with transaction.atomic():
        if letter.first_downloaded_at is None:
            Letter.objects.filter(pk=letter.pk, first_downloaded_at__isnull=True).update(
                first_downloaded_at=timezone.now()
            )
        record(
            AuditAction.LETTER_DOWNLOADED,
            actor=acting_user,
            company=letter.company,
            obj=letter,
            request=request,
        )
    return handle


def open_letter_for_staff(*, letter: Letter, acting_user: User, request: HttpRequest) -> Any:
    """Staff preview a letter (drafts too); it does not count as the company's download."""
    handle = default_storage.open(letter.storage_name, "rb")
    record(
        AuditAction.LETTER_PREVIEWED,
        actor=acting_user,
        company=letter.company,
        obj=letter,
        request=request,
    )
    return handle


def letter_filename(letter: Letter) -> str:
    """A safe attachment name: no subject text, just the date and the number."""
    return f"brev-{timezone.localtime(letter.created_at):%Y-%m-%d}-{letter.pk}.pdf"
