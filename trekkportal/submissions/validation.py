"""What a submission must pass before anything is stored: the period and the files.

The checks of one file (empty, too large, what its content is, macros, zip bombs…) live in
``trekkportal.lib.filesafety``, reached through ``uploads.inspect_upload``; this module adds
the rules of a whole submission (how many files, their total size, which months).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trekkportal.lib.periods import Period, selectable_periods
from trekkportal.lib.sizes import format_size

from .uploads import UploadRefused, inspect_upload

TOO_LARGE_TOGETHER = gettext_lazy(
    "The files are larger than %(limit)s together. Send them in several submissions."
)


def too_large_together() -> str:
    """The sentence for a submission over SUBMISSION_MAX_TOTAL_SIZE (form and 413 page)."""
    return str(TOO_LARGE_TOGETHER) % {"limit": format_size(settings.SUBMISSION_MAX_TOTAL_SIZE)}


def check_period(period: Period, *, today: dt.date | None = None) -> None:
    """Only the current month and the previous 12 may be chosen (docs/domain.md § Periods)."""
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
    if len(files) > settings.SUBMISSION_MAX_FILES:
        raise ValidationError(
            _("You can send at most %(count)d files at a time.")
            % {"count": settings.SUBMISSION_MAX_FILES}
        )
    for upload in files:
        total += upload.size or 0
        try:
            kinds.append(inspect_upload(upload.name or "", upload))
        except UploadRefused as refusal:
            errors.append(refusal.message(upload.name or ""))
    if not errors and total > settings.SUBMISSION_MAX_TOTAL_SIZE:
        errors.append(too_large_together())
    if errors:
        raise ValidationError(errors)
    return kinds
