"""Submitted files in storage: written under a generated name before any row exists,
deleted again if the rows are not written, and swept when a crash left them orphaned.

Storage that loses nothing: every file is written (size and SHA-256 recorded) before one
transaction writes all the rows (``services.submit_list``); a crash between the two leaves
files without rows, which ``sweep_orphan_files`` removes after a while.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.utils import timezone

from trekkportal.accounts.models import User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .models import SubmittedFile
from .uploads import sanitize_filename

logger = logging.getLogger("trekkportal.submissions.services")

STORAGE_PREFIX = "submissions/"


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    original_name: str
    kind: str
    size: int
    sha256: str


def write_file(upload: File, kind: str) -> StoredFile:
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    name = f"{STORAGE_PREFIX}{uuid.uuid4().hex}.{kind}"
    stored_name = default_storage.save(name, upload)
    return StoredFile(
        storage_name=stored_name,
        original_name=sanitize_filename(upload.name or ""),
        kind=kind,
        size=size,
        sha256=digest.hexdigest(),
    )


def delete_files(written: Sequence[StoredFile]) -> None:
    for stored in written:
        try:
            default_storage.delete(stored.storage_name)
        except Exception:  # the sweeper gets whatever is left
            logger.exception("could not delete %s", stored.storage_name)


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
        record(AuditAction.SUBMISSION_ORPHANS_SWEPT, count=len(deleted))
    return deleted


def download_file(
    *, submitted_file: SubmittedFile, acting_user: User, request: HttpRequest
) -> IO[bytes]:
    """Open a stored file for union staff; audited."""
    handle = default_storage.open(submitted_file.storage_name, "rb")
    record(
        AuditAction.SUBMISSION_FILE_DOWNLOADED,
        actor=acting_user,
        company=submitted_file.submission.company,
        obj=submitted_file,
        request=request,
        submission=submitted_file.submission_id,
    )
    return handle


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "pdf": "application/pdf",
}


def download_response(
    *, submitted_file: SubmittedFile, acting_user: User, request: HttpRequest
) -> FileResponse:
    """The stored file byte for byte as an attachment under its (sanitised) original name,
    never sniffed or cached; audited through ``download_file`` (docs/security.md F1)."""
    handle = download_file(submitted_file=submitted_file, acting_user=acting_user, request=request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=submitted_file.original_name,
        content_type=CONTENT_TYPES.get(submitted_file.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
