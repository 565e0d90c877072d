"""Services that change submissions: submit a list, record a parse result.

The other parts live beside it: ``validation`` (what a submission must pass), ``storage``
(files in storage, the orphan sweeper, staff downloads) and ``display`` (sizes and parse
problems as the reader sees them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, cast

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
from trekkportal.lib.identity import mask_nin
from trekkportal.lib.nincrypt import NinSealer
from trekkportal.lib.periods import Period

from .display import issue_message
from .emails import schedule_submission_receipt
from .models import DeductionLine, ParseIssue, Submission, SubmittedFile
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
) -> Submission:
    """Store a submission: its files byte for byte, then its rows in one transaction.

    The same ``idempotency_key`` (the form's hidden key) for the same company returns the
    submission already made, so a double post gives one submission and one receipt.
    Raises ValidationError for what the user must fix, SubmissionFailed when storing
    failed (nothing is kept; the user should try again).
    """
    comment = (comment or "").strip()
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
            submission = Submission.objects.create(
                company=company,
                period=period.first_day,
                contact_email=contact_email,
                comment=comment,
                submitted_by=acting_user,
                idempotency_key=idempotency_key,
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
            )
            schedule_submission_receipt(submission, file_count=len(written))
            _schedule_parsing(created)
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
    *, submitted_file: SubmittedFile, parsed: ParsedList | ParseFailure
) -> SubmittedFile:
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
        lines: Sequence[Line] = ()
        errors: Sequence[RowError] = ()
        if totals is None:
            failure = cast("ParseFailure", parsed)
            row.state = SubmittedFile.State.FAILED
            row.rows = row.valid_rows = row.invalid_rows = row.total_amount = None
            row.parse_error = failure.message(row.original_name, _)[:500]
            row.format, row.columns = "", {}
        else:
            parsed = cast("ParsedList", parsed)
            lines, errors = parsed.lines, parsed.errors
            row.format, row.columns = parsed.format or "", dict(parsed.columns or {})
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
            ]
        )
        _store_in_batches(DeductionLine, _line_rows(row, lines))
        _store_in_batches(ParseIssue, (_issue_row(row, error) for error in errors))
        record(
            AuditAction.SUBMISSION_FILE_PARSED,
            company=row.submission.company,
            obj=row,
            state=row.state,
            rows=row.rows,
            invalid=row.invalid_rows,
        )
        # Once every file of the submission is finished, its periods are reconciled.
        from trekkportal.reconciliation.services import file_read

        file_read(submitted_file=row)
    return row


STORE_BATCH_SIZE = 2000


def _store_in_batches(model: type[models.Model], objects: Iterable[models.Model]) -> None:
    """``bulk_create`` in batches, building each batch only when it is written."""
    iterator = iter(objects)
    while batch := list(itertools.islice(iterator, STORE_BATCH_SIZE)):
        model._default_manager.bulk_create(batch, batch_size=STORE_BATCH_SIZE)


def _line_rows(submitted_file: SubmittedFile, lines: Iterable[Line]) -> Iterator[DeductionLine]:
    file_id = submitted_file.pk
    periods: dict[str | None, dt.date | None] = {}
    sealer = NinSealer()
    for line in lines:
        period = line.period
        if period not in periods:
            periods[period] = _period_date(period)
        nin = line.nin or ""
        yield DeductionLine(  # type: ignore[misc]  # positional, in LINE_FIELDS' order
            None,
            file_id,
            line.row,
            sealer.encrypt(nin) if nin else "",
            sealer.hash(nin) if nin else "",
            mask_nin(nin) if nin else "",
            line.nin_restored,
            line.nin_uncertain,
            line.birth_date,
            (line.name or "")[:200],
            (line.employee_no or "")[:50],
            (line.member_no or "")[:50],
            line.base_amount,
            line.amount,
            line.union_amount,
            line.club_amount,
            periods[period],
            line.ok,
        )


def _period_date(value: str | None) -> dt.date | None:
    """The parser's "YYYY-MM" as the first day of the month."""
    if not value:
        return None
    try:
        year, month = value.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def _issue_row(submitted_file: SubmittedFile, error: RowError) -> ParseIssue:
    return ParseIssue(
        submitted_file=submitted_file,
        row=error.row,
        column=(error.column or "")[:255],
        code=error.code[:40],
        message=issue_message(error)[:500],
    )
