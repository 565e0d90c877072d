"""Records are never deleted, added or edited in the admin: the audit trail, jobs, e-mails,
submissions, NDA acceptances, member changes and reconciliations (one ReadOnlyAdminMixin)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from trekkportal.accounts.models import NdaAcceptance
from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.models import Job, ScheduledRun
from trekkportal.mail.models import OutboxMessage, Reminder
from trekkportal.members.models import MemberChange
from trekkportal.portal.admin import ReadOnlyAdminMixin
from trekkportal.reconciliation.models import LineFinding, MissingDeduction, Reconciliation
from trekkportal.submissions.models import Submission, SubmittedFile

RECORDS = [
    AuditEvent,
    Job,
    ScheduledRun,
    OutboxMessage,
    Reminder,
    Submission,
    SubmittedFile,
    NdaAcceptance,
    MemberChange,
    Reconciliation,
    MissingDeduction,
    LineFinding,
]


@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model._meta.label)
def test_staff_may_look_at_a_record_but_never_add_change_or_delete_it(model, staff):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = staff  # a superuser: only the admin itself can say no
    assert isinstance(model_admin, ReadOnlyAdminMixin)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_deleting_an_audit_event_in_the_admin_is_refused(staff_client, staff):
    event = AuditEvent.objects.filter(actor=staff).first()
    url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
