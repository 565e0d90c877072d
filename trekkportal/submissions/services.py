"""Services that change submissions: submit a list, record a parse result.

The other parts live beside it: ``validation`` (what a submission must pass), ``storage``
(files in storage, the orphan sweeper, staff downloads) and ``display`` (sizes and parse
problems as the reader sees them).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trekkportal.accounts.models import Company, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.errors import safe_error
from trekkportal.lib.identity import mask_nins_in_text
from trekkportal.lib.periods import Period

from .bulk import PreparedLines, insert_lines, valid_line_periods
from .display import issue_message
from .emails import schedule_submission_receipt
from .models import ColumnMapping, DeductionLine, ParseIssue, Submission, SubmittedFile
from .storage import StoredFile, delete_files, write_file
from .validation import check_files, check_period

if TYPE_CHECKING:
    from .parsers.model import Line, ParsedList, ParseFailure, RowError

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "submissions/"


class SubmissionFailed(Exception):
    """Storing a submission failed (storage or database); nothing was kept."""


def submit_list(
    *,
    company: Company,
    period: Period,
    files: Sequence[File],
    comment: str,
    contact_email: str,
    acting_user: User,
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

    written: list[StoredFile] = []
    try:
        for upload, kind in zip(files, kinds, strict=True):
            written.append(write_file(upload, kind))
        with transaction.atomic():
            # A correction corrects a list already sent for the period (the box is offered
            # for every period without JavaScript): for a first list the tick means nothing.
            is_correction = (
                is_correction
                and Submission.objects.filter(company=company, period=period.first_day).exists()
            )
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
                AuditAction.SUBMISSION_CREATED,
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
    except IntegrityError as error:
        delete_files(written)
        existing = Submission.objects.filter(
            company=company, idempotency_key=idempotency_key
        ).first()
        if idempotency_key is not None and existing is not None:
            return existing  # the other click of a double click won the race
        logger.error("submission failed: %s", safe_error(error))
        raise SubmissionFailed from None
    except Exception as error:
        delete_files(written)
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


def record_parse_result(
    *,
    submitted_file: SubmittedFile,
    parsed: ParsedList | ParseFailure,
    prepared: PreparedLines | None = None,
) -> SubmittedFile:
    """Store what the parser found for one file: state, summary, lines and problems, whole
    or not at all.

    ``parsed`` is a ``ParsedList`` (the file was read: its lines, problems, detected format
    and columns, and the summary) or a ``ParseFailure`` (it could not be read; the file
    itself stays stored and visible to union staff as unparseable). Idempotent: recording
    again replaces the earlier lines and problems. If anything fails, the transaction rolls
    back and the file keeps its previous state, lines and problems.

    ``prepared``: the lines' rows as far as they were prepared while the file was read
    (``jobs.parse_submitted_file``); whatever does not fit the result is prepared again.
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
        lines: Sequence[Line] = ()
        errors: Sequence[RowError] = ()
        if totals is None:
            failure = cast("ParseFailure", parsed)
            row.state = SubmittedFile.State.FAILED
            row.rows = row.valid_rows = row.invalid_rows = row.total_amount = None
            row.parse_error = failure.message(row.original_name, _)[:500]
            row.format, row.columns = "", {}
            row.preview, row.column_mapping = {}, None
        else:
            parsed = cast("ParsedList", parsed)
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
        insert_lines(row.pk, lines, prepared=prepared)
        _store_in_batches(ParseIssue, (_issue_row(row, error) for error in errors))
        record(
            AuditAction.SUBMISSION_FILE_PARSED,
            company=row.submission.company,
            obj=row,
            state=row.state,
            rows=row.rows,
            invalid=row.invalid_rows,
        )
        # Once every file of the submission is finished, its periods are reconciled and
        # the receipt e-mail goes out.
        from trekkportal.reconciliation.services import file_read

        file_read(submitted_file=row, line_periods=valid_line_periods(lines))
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
            AuditAction.SUBMISSION_COLUMNS_CHOSEN,
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
        model._default_manager.bulk_create(batch, batch_size=STORE_BATCH_SIZE)


def _issue_row(submitted_file: SubmittedFile, error: RowError) -> ParseIssue:
    return ParseIssue(
        submitted_file=submitted_file,
        row=error.row,
        column=mask_nins_in_text(error.column or "")[:255],
        code=error.code[:40],
        message=issue_message(error)[:500],
    )
