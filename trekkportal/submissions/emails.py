"""The receipt e-mail for a submission. It names the company, the period and the number
of files (read and not read), never a member (docs/domain.md § Notifications).

The receipt is queued through the e-mail outbox (``trekkportal.mail.emails.
submission_receipt``) in the transaction that records the last of the submission's files
as read or unreadable (``services.record_parse_result``), so it can say whether the lists
were read, and goes out exactly once (``Submission.receipt_sent_at``).
"""

from __future__ import annotations

from .models import Submission


def receipt_recipient(submission: Submission):
    """The contact address; as the submitting user (their language) when it is theirs."""
    user = submission.submitted_by
    if user is not None and user.email.lower() == submission.contact_email.lower():
        return user
    return submission.contact_email


def schedule_submission_receipt(
    submission: Submission, *, file_count: int, read_count: int
) -> None:
    """Called inside the transaction that records the last file's result."""
    from trekkportal.mail import emails

    emails.submission_receipt(
        company=submission.company,
        period=submission.period_value,
        submitted_at=submission.submitted_at,
        file_count=file_count,
        read_count=read_count,
        submission_id=submission.pk,
        to=[receipt_recipient(submission)],
    )
