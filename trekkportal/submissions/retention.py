"""Retention of received lists: a submission's files, their lines and problems are
deleted ``RETENTION_YEARS`` after it was submitted (registered with ``purge_expired``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from trekkportal.letters.retention import delete_stored_file, register_purge
from trekkportal.lib.periods import months_before

from .models import DeductionLine, Submission, SubmittedFile


def retention_cutoff(now: dt.datetime) -> dt.datetime:
    return months_before(now, 12 * settings.RETENTION_YEARS)


CHUNK = 500


@register_purge("submissions")
def purge_old_submissions(*, now: dt.datetime) -> dict[str, int]:
    """Each expired file goes first from storage, then its row with its lines; a
    submission goes when none of its files is left. A file storage refuses to delete keeps
    its row (and its submission) for the next run."""
    expired = Submission.objects.filter(submitted_at__lt=retention_cutoff(now))
    files = list(
        SubmittedFile.objects.filter(submission__in=expired).values_list("pk", "storage_name")
    )
    lines = deleted_files = 0
    for start in range(0, len(files), CHUNK):
        gone = [pk for pk, name in files[start : start + CHUNK] if delete_stored_file(name)]
        with transaction.atomic():
            lines += DeductionLine.objects.filter(submitted_file_id__in=gone).count()
            SubmittedFile.objects.filter(pk__in=gone).delete()
        deleted_files += len(gone)
    _, by_model = expired.filter(files__isnull=True).delete()
    return {
        "submissions": by_model.get(Submission._meta.label, 0),
        "files": deleted_files,
        "lines": lines,
        "retry": len(files) - deleted_files,
    }
