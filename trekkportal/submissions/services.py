"""Services that change submissions: submit a list, record a parse result, sweep orphans.

Storage that loses nothing: every file is written to storage under a generated name
(size and SHA-256 recorded) before one transaction writes all the rows; if anything fails,
the files already written are deleted again and no row remains. A crash between the two
leaves files without rows, which ``sweep_orphan_files`` removes after a while.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import logging
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from trekkportal.audit.services import record
from trekkportal.jobs.worker import safe_error
from trekkportal.lib.identity import mask_nins_in_text
from trekkportal.lib.periods import Period, selectable_periods

from .bulk import insert_lines
from .emails import schedule_submission_receipt
from .models import ColumnMapping, DeductionLine, ParseIssue, Submission, SubmittedFile
from .uploads import EMPTY, TOO_LARGE, UploadRefused, inspect_upload, sanitize_filename

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "submissions/"


class SubmissionFailed(Exception):
    """Storing a submission failed (storage or database); nothing was kept."""


@dataclass(frozen=True)
class _StoredFile:
    storage_name: str
    original_name: str
    kind: str
    size: int
    sha256: str


def check_period(period: Period, *, today: dt.date | None = None) -> None:
    """Only the current month and the previous 12 may be chosen (design.md § Periods)."""
    choices = selectable_periods(today or timezone.localdate())
    if period > choices[0]:
        raise ValidationError(_("You cannot submit a list for a month that has not started."))
    if period < choices[-1]:
        raise ValidationError(
            _("You can submit lists for the current month and the previous 12 months.")
        )


def check_files(files: Sequence[File]) -> list[str]:
    """The kinds of the files, or ValidationError naming each refused file and why."""
    errors: list[str] = []
    kinds: list[str] = []
    total = 0
    max_size = settings.SUBMISSION_MAX_FILE_SIZE
    if len(files) > settings.SUBMISSION_MAX_FILES:
        raise ValidationError(
            _("You can send at most %(count)d files at a time.")
            % {"count": settings.SUBMISSION_MAX_FILES}
        )
    for upload in files:
        total += upload.size or 0
        try:
            if not upload.size:
                raise UploadRefused(EMPTY)
            if upload.size > max_size:
                raise UploadRefused(TOO_LARGE, max_mb=max_size // (1024 * 1024))
            kinds.append(inspect_upload(upload.name, upload))
        except UploadRefused as refusal:
            errors.append(refusal.message(upload.name))
    if not errors and total > settings.SUBMISSION_MAX_TOTAL_SIZE:
        errors.append(
            _("The files are larger than %(limit)s together. Send them in several submissions.")
            % {"limit": format_size(settings.SUBMISSION_MAX_TOTAL_SIZE)}
        )
    if errors:
        raise ValidationError(errors)
    return kinds


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size} B"


def submit_list(
    *,
    company: Any,
    period: Period,
    files: Sequence[File],
    comment: str,
    contact_email: str,
    acting_user: Any,
    idempotency_key: uuid.UUID | None = None,
    request: HttpRequest | None = None,
    is_correction: bool = False,
) -> Submission:
    """Store a submission: its files byte for byte, then its rows in one transaction.

    The same ``idempotency_key`` (the form's hidden key) for the same company returns the
    submission already made, so a double post gives one submission and one receipt.
    Raises ValidationError for what the user must fix, SubmissionFailed when storing
    failed (nothing is kept; the user should try again).
    """
    # A comment is free text: an identity number typed into it is masked before it is
    # stored, shown on the receipt or read by staff.
    comment = mask_nins_in_text((comment or "").strip())
    if not files:
        if comment:
            raise ValidationError(
                _("A comment belongs to the files of a period: add at least one file.")
            )
        raise ValidationError(_("Add at least one file."))
    if idempotency_key is not None:
        existing = Submission.objects.filter(
            company=company, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    check_period(period)
    kinds = check_files(files)

    written: list[_StoredFile] = []
    try:
        for upload, kind in zip(files, kinds, strict=True):
            written.append(_write_file(upload, kind))
        with transaction.atomic():
            submission = Submission.objects.create(
                company=company,
                period=period.first_day,
                contact_email=contact_email,
                comment=comment,
                submitted_by=acting_user,
                idempotency_key=idempotency_key,
                is_correction=is_correction,
            )
            created = SubmittedFile.objects.bulk_create(
                SubmittedFile(
                    submission=submission,
                    position=position,
                    original_name=stored.original_name,
                    storage_name=stored.storage_name,
                    kind=stored.kind,
                    size=stored.size,
                    sha256=stored.sha256,
                )
                for position, stored in enumerate(written)
            )
            record(
                "submission.created",
                actor=acting_user,
                company=company,
                obj=submission,
                request=request,
                period=period.mmyy,
                files=len(written),
                bytes=sum(f.size for f in written),
                **({"correction": True} if is_correction else {}),
            )
            _schedule_parsing(created)  # the receipt e-mail follows once they are read
    except IntegrityError:
        _delete_files(written)
        existing = Submission.objects.filter(
            company=company, idempotency_key=idempotency_key
        ).first()
        if idempotency_key is not None and existing is not None:
            return existing  # the other click of a double click won the race
        logger.error("submission failed: %s", safe_error(sys.exc_info()[1]))
        raise SubmissionFailed from None
    except Exception as error:
        _delete_files(written)
        # The error's first line only: a database error's detail quotes the row (comment).
        logger.error(
            "submission failed, %d stored file(s) removed: %s", len(written), safe_error(error)
        )
        raise SubmissionFailed from error
    return submission


def _schedule_parsing(files: Sequence[SubmittedFile]) -> None:
    """Each file is read by the parser in a background job, queued in this transaction."""
    from .jobs import parse_submitted_file

    for submitted_file in files:
        parse_submitted_file.enqueue(submitted_file_id=submitted_file.pk)


def _write_file(upload: File, kind: str) -> _StoredFile:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    name = f"{STORAGE_PREFIX}{uuid.uuid4().hex}.{kind}"
    stored_name = default_storage.save(name, upload)
    return _StoredFile(
        storage_name=stored_name,
        original_name=sanitize_filename(upload.name),
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
    )


def _delete_files(written: Sequence[_StoredFile]) -> None:
    for stored in written:
        try:
            default_storage.delete(stored.storage_name)
        except Exception:  # the sweeper gets whatever is left
            logger.exception("could not delete %s", stored.storage_name)


def record_parse_result(*, submitted_file: SubmittedFile, parsed: Any) -> SubmittedFile:
    """Store what the parser found for one file: state, summary, lines and problems, whole
    or not at all.

    ``parsed`` is a ``ParsedList`` (the file was read: its lines, problems, detected format
    and columns, and the summary) or a ``ParseFailure`` (it could not be read; the file
    itself stays stored and visible to union staff as unparseable). Idempotent: recording
    again replaces the earlier lines and problems. If anything fails, the transaction rolls
    back and the file keeps its previous state, lines and problems.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        row = (
            SubmittedFile.objects.select_for_update()
            .select_related("submission__company")
            .get(pk=submitted_file.pk)
        )
        DeductionLine.objects.filter(submitted_file=row).delete()
        ParseIssue.objects.filter(submitted_file=row).delete()
        totals = getattr(parsed, "totals", None)
        lines: Sequence[Any] = ()
        errors: Sequence[Any] = ()
        if totals is None:  # a ParseFailure
            row.state = SubmittedFile.State.FAILED
            row.rows = row.valid_rows = row.invalid_rows = row.total_amount = None
            row.parse_error = parsed.message(row.original_name, _)[:500]
            row.format, row.columns = "", {}
            row.preview, row.column_mapping = {}, None
        else:
            lines, errors = parsed.lines, parsed.errors
            row.format, row.columns = parsed.format or "", dict(parsed.columns or {})
            row.preview, row.column_mapping = _preview_and_mapping(row, parsed)
            if totals.rows == 0 and parsed.file_errors:  # read, but no table in it
                row.state = SubmittedFile.State.FAILED
                row.rows, row.valid_rows, row.invalid_rows = 0, 0, 0
                row.total_amount = None
                row.parse_error = issue_message(parsed.file_errors[0])[:500]
            else:
                row.state = SubmittedFile.State.DONE
                row.rows, row.valid_rows = totals.rows, totals.valid
                row.invalid_rows = totals.invalid
                row.total_amount = totals.amount
                row.parse_error = ""
        row.parsed_at = timezone.now()
        row.save(
            update_fields=[
                "state",
                "rows",
                "valid_rows",
                "invalid_rows",
                "total_amount",
                "parse_error",
                "parsed_at",
                "format",
                "columns",
                "preview",
                "column_mapping",
            ]
        )
        insert_lines(row.pk, lines)
        _store_in_batches(ParseIssue, (_issue_row(row, error) for error in errors))
        record(
            "submission.file_parsed",
            company=row.submission.company,
            obj=row,
            state=row.state,
            rows=row.rows,
            invalid=row.invalid_rows,
        )
        _send_receipt_when_read(row.submission_id)
    return row


def _send_receipt_when_read(submission_id: int) -> None:
    """Queue the receipt e-mail when every file of the submission is read or found
    unreadable, once (the submission row is locked: two workers finishing its last two
    files at the same moment queue one receipt)."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("company", "submitted_by")
        .get(pk=submission_id)
    )
    if submission.receipt_sent_at is not None:
        return
    states = list(submission.files.values_list("state", flat=True))
    finished = (SubmittedFile.State.DONE, SubmittedFile.State.FAILED)
    if not states or any(state not in finished for state in states):
        return
    schedule_submission_receipt(
        submission,
        file_count=len(states),
        read_count=sum(1 for state in states if state == SubmittedFile.State.DONE),
    )
    submission.receipt_sent_at = timezone.now()
    submission.save(update_fields=["receipt_sent_at"])


# Problems with the whole file that the employer can solve by saying which column is which.
MAPPABLE_CODES = ("missing_columns", "no_header")


def _preview_and_mapping(row: SubmittedFile, parsed: Any) -> tuple[dict, ColumnMapping | None]:
    """The first rows to choose columns from (when the parser could not tell them, or read
    the file with columns chosen before), and the chosen columns it was read with."""
    meta = parsed.meta or {}
    mapping = None
    if meta.get("mapping_shape"):
        mapping = ColumnMapping.objects.filter(
            company=row.submission.company, shape=meta["mapping_shape"]
        ).first()
    mappable = mapping is not None or any(e.code in MAPPABLE_CODES for e in parsed.file_errors)
    preview = meta.get("preview") or {}
    if not mappable or not preview.get("rows") or not meta.get("shape"):
        return {}, mapping  # nothing under the headers: not a list to choose columns in
    return {"shape": meta["shape"], **preview}, mapping


# The fields an employer can point at a column, in the order the form asks for them.
MAPPABLE_FIELDS = (
    "nin",
    "birth_date",
    "name",
    "amount",
    "surname",
    "first_name",
    "union_amount",
    "club_amount",
    "base_amount",
    "period",
    "employee_no",
    "member_no",
)


def mapping_problems(columns: dict[str, int], *, width: int) -> list[str]:
    """Why the columns chosen cannot be used to read a list (empty when they can)."""
    problems = []
    if any(f not in MAPPABLE_FIELDS or not 0 <= i < width for f, i in columns.items()):
        problems.append(_("Choose only columns the file has."))
    used = [i for i in columns.values()]
    if len(used) != len(set(used)):
        problems.append(_("Each column can hold only one thing: choose a column only once."))
    has_name = bool({"name", "surname", "first_name"} & columns.keys())
    if "nin" not in columns and not ("birth_date" in columns and has_name):
        problems.append(
            _(
                "Choose the column with the national identity number, or the columns with "
                "the birth date and the name."
            )
        )
    if not {"amount", "union_amount", "club_amount"} & columns.keys():
        problems.append(_("Choose the column with the amount deducted."))
    return problems


def choose_columns(
    *,
    submitted_file: SubmittedFile,
    columns: dict[str, int],
    acting_user: Any,
    request: HttpRequest | None = None,
) -> ColumnMapping:
    """The employer says which column is which for a file the portal could not read by its
    headers: remembered for the company's lists of the same header shape, and the file is
    read again with it. Audited. Raises ValidationError when the columns cannot be used."""
    from .jobs import parse_submitted_file

    with transaction.atomic():
        row = (
            SubmittedFile.objects.select_for_update()
            .select_related("submission__company")
            .get(pk=submitted_file.pk)
        )
        preview = row.preview or {}
        if not preview.get("shape") or row.state not in (
            SubmittedFile.State.DONE,
            SubmittedFile.State.FAILED,
        ):
            raise ValidationError(_("The columns of this file cannot be chosen now."))
        headers = [str(h) for h in preview.get("header", [])]
        problems = mapping_problems(columns, width=len(headers))
        if problems:
            raise ValidationError(problems)
        company = row.submission.company
        mapping, _created = ColumnMapping.objects.update_or_create(
            company=company,
            shape=preview["shape"],
            defaults={
                "headers": headers,
                "columns": dict(columns),
                "chosen_by": acting_user,
                "chosen_at": timezone.now(),
            },
        )
        row.column_mapping = mapping
        row.state = SubmittedFile.State.RECEIVED
        row.save(update_fields=["column_mapping", "state"])
        record(
            "submission.columns_chosen",
            actor=acting_user,
            company=company,
            obj=row,
            request=request,
            columns=dict(columns),
        )
        parse_submitted_file.enqueue(submitted_file_id=row.pk)
    return mapping


def company_mappings(company: Any) -> dict[str, dict[str, int]]:
    """The columns a company chose, by header shape (what the parser takes)."""
    return {
        shape: columns
        for shape, columns in ColumnMapping.objects.filter(company=company).values_list(
            "shape", "columns"
        )
    }


STORE_BATCH_SIZE = 2000


def _store_in_batches(model: type[models.Model], objects: Iterable[models.Model]) -> None:
    """``bulk_create`` in batches, building each batch only when it is written."""
    iterator = iter(objects)
    while batch := list(itertools.islice(iterator, STORE_BATCH_SIZE)):
        model.objects.bulk_create(batch, batch_size=STORE_BATCH_SIZE)


def _issue_row(submitted_file: SubmittedFile, error: Any) -> ParseIssue:
    return ParseIssue(
        submitted_file=submitted_file,
        row=error.row,
        column=mask_nins_in_text(error.column or "")[:255],
        code=error.code[:40],
        message=issue_message(error)[:500],
    )


# Parser params that hold an amount ("12345.50"), shown in the reader's number format.
AMOUNT_PARAMS = {
    "amount_negative": ("value",),
    "split_mismatch": ("value",),
    "total_mismatch": ("declared", "computed"),
}


def issue_message(error: Any) -> str:
    """A parse error in the active language, amounts in its number format (``1 234,50``).

    The parser's params never hold a full identity number (it masks them)."""
    from .parsers import render

    params = dict(error.params)
    for name in AMOUNT_PARAMS.get(error.code, ()):
        with contextlib.suppress(KeyError, ArithmeticError, TypeError, ValueError):
            params[name] = number_format(Decimal(params[name]), 2, force_grouping=True)
    return render(error.code, params, _)


SWEEP_CHUNK = 500


def sweep_orphan_files(*, older_than: dt.timedelta | None = None) -> list[str]:
    """Delete stored submission files that no row refers to and that are older than
    ``older_than`` (default: SUBMISSION_ORPHAN_MINUTES). Returns the names deleted."""
    if older_than is None:
        older_than = dt.timedelta(minutes=settings.SUBMISSION_ORPHAN_MINUTES)
    cutoff = timezone.now() - older_than
    try:
        _dirs, names = default_storage.listdir(STORAGE_PREFIX.rstrip("/"))
    except FileNotFoundError:
        return []
    candidates = [f"{STORAGE_PREFIX}{name}" for name in names]
    known: set[str] = set()
    # In chunks: years of files would exceed SQLite's limit of variables in one query.
    for start in range(0, len(candidates), SWEEP_CHUNK):
        chunk = candidates[start : start + SWEEP_CHUNK]
        known.update(
            SubmittedFile.objects.filter(storage_name__in=chunk).values_list(
                "storage_name", flat=True
            )
        )
    deleted = []
    for name in candidates:
        if name in known:
            continue
        if default_storage.get_modified_time(name) > cutoff:
            continue  # perhaps a submission being written right now
        default_storage.delete(name)
        deleted.append(name)
    if deleted:
        record("submission.orphans_swept", count=len(deleted))
    return deleted


def download_file(*, submitted_file: SubmittedFile, acting_user: Any, request: HttpRequest):
    """Open a stored file for union staff; audited."""
    handle = default_storage.open(submitted_file.storage_name, "rb")
    record(
        "submission.file_downloaded",
        actor=acting_user,
        company=submitted_file.submission.company,
        obj=submitted_file,
        request=request,
        submission=submitted_file.submission_id,
    )
    return handle
