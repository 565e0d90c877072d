"""The receipt e-mail for a submission. It names the company, the period and the number
of files, never a member (docs/domain.md § Notifications).

The receipt is queued in the submission's transaction through the e-mail outbox
(``trekkportal.mail.emails.submission_receipt``): it exists exactly when the submission
does, and a double post that returns the existing submission queues nothing.
"""

from __future__ import annotations

from .models import Submission


def receipt_recipient(submission: Submission):
    """The contact address; as the submitting user (their language) when it is theirs."""
    user = submission.submitted_by
    if user is not None and user.email.lower() == submission.contact_email.lower():
        return user
    return submission.contact_email


def schedule_submission_receipt(submission: Submission, *, file_count: int) -> None:
    """Called inside the submission's transaction."""
    from trekkportal.mail import emails

    emails.submission_receipt(
        company=submission.company,
        period=submission.period_value,
        submitted_at=submission.submitted_at,
        file_count=file_count,
        to=[receipt_recipient(submission)],
    )
