"""What every admin of the project shares."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """A record, not a register: union staff may look, never add, change or delete here
    (audit events, jobs, e-mails, submissions, NDA acceptances). Admin actions that change
    such a record (retry a job, send an e-mail again) call a service."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
