import logging

import pytest

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.logging import OneLineUTCFormatter
from trekkportal.audit.models import AuditEvent
from trekkportal.audit.services import record


def test_it_refuses_sensitive_keys(db):
    with pytest.raises(ValueError):
        record(AuditAction.LOGIN, password="hunter2")
    with pytest.raises(ValueError):
        record(AuditAction.LOGIN, nin="01019012345")


@pytest.mark.parametrize("action", ["login", "submision.created", "", None])
def test_an_action_that_is_not_an_audit_action_member_is_refused(db, action):
    with pytest.raises(TypeError):
        record(action)
    assert not AuditEvent.objects.exists()


def test_the_event_stores_the_members_value(db):
    event = record(AuditAction.SUBMISSION_CREATED, period="03.26")
    event.refresh_from_db()
    assert event.action == "submission.created"
    assert AuditEvent.objects.filter(action=AuditAction.SUBMISSION_CREATED).count() == 1


def test_audit_action_values_are_unique_and_fit_the_column():
    values = [member.value for member in AuditAction]
    assert len(values) == len(set(values))
    assert max(len(v) for v in values) <= AuditEvent._meta.get_field("action").max_length


def test_log_lines_are_utc_and_cannot_be_forged(db):
    formatter = OneLineUTCFormatter("%(asctime)s %(message)s")
    rec = logging.LogRecord("t", logging.INFO, __file__, 1, "user=a\nFAKE line\u202e", None, None)
    line = formatter.format(rec)
    assert "\n" not in line and "\u202e" not in line
    assert "\\n" in line
    assert line.split(" ")[0].endswith("Z")


def test_log_lines_never_carry_an_identity_number_even_in_a_traceback():
    formatter = OneLineUTCFormatter("%(message)s")
    try:
        raise ValueError("bad row 01019012345 and 0101901234 and 010190 12345")
    except ValueError:
        import sys

        rec = logging.LogRecord("t", logging.ERROR, __file__, 1, "nin %s", ("31129912345",), None)
        rec.exc_info = sys.exc_info()
    line = formatter.format(rec)
    for full in ("01019012345", "0101901234", "010190 12345", "31129912345"):
        assert full not in line
    assert "311299*****" in line and "010190*****" in line
