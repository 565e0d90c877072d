"""Key rotation end to end: old key first -> rotate -> old key removed -> all readable."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.nincrypt import decrypt_nin, generate_key
from trekkportal.lib.periods import Period
from trekkportal.members.models import Member
from trekkportal.members.services import find_member_by_nin, register_member
from trekkportal.submissions.models import DeductionLine
from trekkportal.submissions.services import submit_list
from trekkportal.submissions.tests.files import upload

pytestmark = pytest.mark.django_db

OLD, NEW, INDEX, NEW_INDEX = (generate_key() for _ in range(4))
NUMBERS = [make_valid_nin(dt.date(1975, 5, 1) + dt.timedelta(days=i)) for i in range(3)]


@pytest.fixture
def stored_under_the_old_key(settings, company_a, employer_a):
    settings.NIN_ENCRYPTION_KEYS = f"old:{OLD}"
    settings.NIN_INDEX_KEY = INDEX
    for i, nin in enumerate(NUMBERS):
        register_member(nin=nin, name=f"Person {i}")
    body = "Fødselsnummer;Navn;Trekk\n" + "".join(f"{n};Person;500,00\n" for n in NUMBERS)
    submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("liste.csv", body.encode())],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    run_pending()
    assert DeductionLine.objects.exclude(nin_encrypted="").count() == 3
    return settings


def tokens():
    return [m.nin_encrypted for m in Member.objects.all()] + [
        line.nin_encrypted for line in DeductionLine.objects.exclude(nin_encrypted="")
    ]


def test_rotation_re_encrypts_everything_and_the_old_key_can_go(stored_under_the_old_key):
    settings = stored_under_the_old_key
    assert all(t.startswith("old$") for t in tokens())
    settings.NIN_ENCRYPTION_KEYS = f"new:{NEW},old:{OLD}"
    out = StringIO()
    call_command("rotate_nin_keys", stdout=out)
    assert "3 members, 3 deduction lines" in out.getvalue()
    assert all(t.startswith("new$") for t in tokens())

    settings.NIN_ENCRYPTION_KEYS = f"new:{NEW}"  # the old key removed
    assert sorted(decrypt_nin(t) for t in tokens()) == sorted(NUMBERS * 2)
    assert find_member_by_nin(NUMBERS[0]).name == "Person 0"

    out = StringIO()
    call_command("rotate_nin_keys", stdout=out)  # a second run has nothing to do
    assert "0 members, 0 deduction lines" in out.getvalue()
    events = AuditEvent.objects.filter(action="nin.keys_rotated").order_by("pk")
    assert [(e.data["members"], e.data["deduction_lines"]) for e in events] == [(3, 3), (0, 0)]


def test_removing_the_old_key_too_early_is_a_clear_error(stored_under_the_old_key):
    stored_under_the_old_key.NIN_ENCRYPTION_KEYS = f"new:{NEW}"
    with pytest.raises(Exception, match="Keep the old keys"):
        call_command("rotate_nin_keys", stdout=StringIO())


def test_a_new_index_key_is_applied_by_rehashing(stored_under_the_old_key):
    settings = stored_under_the_old_key
    settings.NIN_INDEX_KEY = NEW_INDEX
    assert find_member_by_nin(NUMBERS[1]) is None  # hashes under the old index key
    call_command("rotate_nin_keys", "--rehash", stdout=StringIO())
    assert find_member_by_nin(NUMBERS[1]).name == "Person 1"
    line_hashes = set(DeductionLine.objects.values_list("nin_hash", flat=True))
    assert {m.nin_hash for m in Member.objects.all()} <= line_hashes
