"""Every action the audit trail knows: one enumeration, so a typo fails and the back office
can filter on them.

``record()`` accepts only these members. A new capability adds its members here (grouped by
app, value ``"<area>.<what happened>"``) with an English label that is translated like every
other string. The values are stored in ``AuditEvent.action``; never rename one that has been
written (old events would no longer match): add a new member instead.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # Logging in and out, sessions, second factor
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login.failed", _("Login failed")
    LOGOUT = "logout", _("Logged out")
    SESSION_EXPIRED = "session.expired", _("Session expired")
    MFA_ADDED = "mfa.added", _("Second factor added")
    # One-time codes: activation and forgotten password
    CODE_REQUESTED = "code.requested", _("One-time code requested")
    CODE_FAILED = "code.failed", _("Wrong one-time code")
    CODE_THROTTLED = "code.throttled", _("One-time code requests throttled")
    ACCOUNT_ACTIVATED = "account.activated", _("Account activated")
    PASSWORD_RESET = "password.reset", _("Password reset")
    PASSWORD_CHANGED = "password.changed", _("Password changed")
    # Access: refusals, grants, the active company
    ACCESS_REFUSED = "access.refused", _("Access refused")
    ACCESS_GRANTED = "access.granted", _("Company access granted")
    ACCESS_REVOKED = "access.revoked", _("Company access revoked")
    COMPANY_SWITCHED = "company.switched", _("Active company switched")
    # Companies and users
    COMPANY_ADDED = "company.added", _("Company added")
    COMPANY_CHANGED = "company.changed", _("Company changed")
    USER_ADDED = "user.added", _("User added")
    USER_CHANGED = "user.changed", _("User changed")
    USER_DEACTIVATED = "user.deactivated", _("User deactivated")
    USER_INVITED = "user.invited", _("Activation invitation sent")
    # The non-disclosure agreement
    NDA_ACCEPTED = "nda.accepted", _("Non-disclosure agreement accepted")
    NDA_PUBLISHED = "nda.published", _("Non-disclosure agreement published")
    # Submissions
    SUBMISSION_CREATED = "submission.created", _("List submitted")
    SUBMISSION_FILE_PARSED = "submission.file_parsed", _("Submitted file read")
    SUBMISSION_FILE_DOWNLOADED = "submission.file_downloaded", _("Submitted file downloaded")
    SUBMISSION_LINES_VIEWED = "submission.lines_viewed", _("Deduction lines viewed")
    SUBMISSION_LINES_EXPORTED = "submission.lines_exported", _("Deduction lines exported")
    SUBMISSION_ORPHANS_SWEPT = "submission.orphans_swept", _("Orphaned files removed")
    SUBMISSION_COLUMNS_CHOSEN = "submission.columns_chosen", _("Columns chosen for a file")
    # The member register
    MEMBER_REGISTERED = "member.registered", _("Member registered")
    MEMBER_EMPLOYMENT_STARTED = "member.employment_started", _("Employment started")
    MEMBER_EMPLOYMENT_ENDED = "member.employment_ended", _("Employment ended")
    MEMBER_LAID_OFF = "member.laid_off", _("Member laid off")
    MEMBER_RESIGNED = "member.resigned", _("Member resigned")
    MEMBER_LAYOFF_ENDED = "member.layoff_ended", _("Lay-off ended")
    MEMBER_CHANGED = "member.changed", _("Member changed")
    MEMBER_NIN_REVEALED = "member.nin_revealed", _("Full identity number shown")
    MEMBER_IMPORTED = "member.imported", _("Member register imported")
    MEMBER_IMPORT_CHECKED = "member.import_checked", _("Member register checked, not applied")
    NIN_KEYS_ROTATED = "nin.keys_rotated", _("Identity numbers re-encrypted")
    # Reconciliation and utrukne
    RECONCILIATION_RUN = "reconciliation.run", _("Period reconciled")
    MISSING_DEDUCTION_ANSWERED = "missing_deduction.answered", _("Missing deduction answered")
    MISSING_DEDUCTION_HANDLED = "missing_deduction.handled", _("Answer followed up by staff")
    UNMATCHED_LINE_MOVED = "unmatched_line.moved", _("Unmatched line: employment moved")
    UNMATCHED_LINE_NOT_A_MEMBER = "unmatched_line.not_member", _("Unmatched line: not a member")
    UNMATCHED_LINE_DISMISSED = "unmatched_line.dismissed", _("Unmatched line dismissed")
    # Letters from the union, and retention
    LETTER_PUBLISHED = "letter.published", _("Letters published")
    LETTER_BATCH_CREATED = "letter.batch_created", _("Letter batch written")
    LETTER_BATCH_DISCARDED = "letter.batch_discarded", _("Letter batch discarded")
    LETTER_DOWNLOADED = "letter.downloaded", _("Letter downloaded")
    LETTER_PREVIEWED = "letter.previewed", _("Letter previewed by staff")
    RETENTION_PURGED = "retention.purged", _("Expired data purged")
    # E-mail and background jobs
    MAIL_SENT_AGAIN = "mail.sent_again", _("E-mail sent again")
    MAIL_REMINDER_SENT = "mail.reminder_sent", _("Reminder sent")
    JOBS_RETRIED = "jobs.retried", _("Jobs retried")
    # Operations: backups
    BACKUP_CREATED = "backup.created", _("Backup made")
    BACKUP_RESTORED = "backup.restored", _("Backup restored")
    # The back office
    BACKOFFICE_EXPORTED = "backoffice.exported", _("Back-office list exported")
