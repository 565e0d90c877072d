"""The operator's commands: add_company, add_user, grant_access, revoke_access, seed_demo."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from trekkportal.accounts.models import Company, CompanyAccess, User
from trekkportal.audit.models import AuditEvent

ORGNR = "974760673"


def test_add_company_registers_a_company(db, capsys):
    call_command("add_company", ORGNR, "Brønnøy AS")
    assert Company.objects.get(orgnr=ORGNR).name == "Brønnøy AS"
    assert AuditEvent.objects.filter(action="company.added").count() == 1


@pytest.mark.parametrize("orgnr", ["974760674", "12345", "abcdefghi", ""])
def test_add_company_refuses_a_bad_orgnr(db, orgnr):
    with pytest.raises(CommandError, match="organisasjonsnummer"):
        call_command("add_company", orgnr, "X AS")
    assert not Company.objects.exists()


def test_add_company_refuses_a_duplicate(db):
    call_command("add_company", ORGNR, "Brønnøy AS")
    with pytest.raises(CommandError, match="finnes allerede"):
        call_command("add_company", "974 760 673", "Igjen AS")


def test_add_user_preregisters_a_user_without_a_password(db):
    call_command("add_company", ORGNR, "Brønnøy AS")
    call_command("add_user", "Ola@Example.NO", "--name", "Ola Nordmann", "--company", ORGNR)
    user = User.objects.get()
    assert user.email == "ola@example.no"
    assert not user.has_usable_password()
    assert CompanyAccess.objects.filter(user=user, company__orgnr=ORGNR).exists()


def test_add_user_makes_union_staff(db):
    call_command("add_user", "staff@forbundet.example", "--staff")
    assert User.objects.get().is_staff


def test_union_staff_added_by_command_can_open_the_submissions_in_the_admin(db):
    from django.test import Client

    from tests.fixtures import log_in_client

    call_command("add_user", "staff@forbundet.example", "--staff")
    client = Client()
    log_in_client(client, User.objects.get())

    response = client.get("/admin/submissions/submission/")

    assert response.status_code == 200


def test_add_user_refuses_duplicates_in_any_case(db):
    call_command("add_user", "ola@example.no")
    with pytest.raises(CommandError, match="finnes allerede"):
        call_command("add_user", "OLA@example.no")


def test_add_user_refuses_an_unknown_company_and_creates_nothing(db):
    with pytest.raises(CommandError, match="Ingen bedrift"):
        call_command("add_user", "ola@example.no", "--company", ORGNR)
    assert not User.objects.exists()


def test_add_user_refuses_an_invalid_address(db):
    with pytest.raises(CommandError):
        call_command("add_user", "not-an-address")
    assert not User.objects.exists()


def test_grant_and_revoke_access(db):
    call_command("add_company", ORGNR, "Brønnøy AS")
    call_command("add_user", "ola@example.no")
    call_command("grant_access", "ola@example.no", ORGNR)
    call_command("grant_access", "ola@example.no", ORGNR)  # twice is harmless
    assert CompanyAccess.objects.count() == 1
    call_command("revoke_access", "OLA@example.no", ORGNR)
    assert not CompanyAccess.objects.exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("access.granted") == 1
    assert actions.count("access.revoked") == 1


def test_grant_access_refuses_an_unknown_email(db):
    call_command("add_company", ORGNR, "Brønnøy AS")
    with pytest.raises(CommandError, match="Ingen bruker"):
        call_command("grant_access", "nobody@example.no", ORGNR)


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    counts = (Company.objects.count(), User.objects.count(), CompanyAccess.objects.count())
    call_command("seed_demo")
    assert (Company.objects.count(), User.objects.count(), CompanyAccess.objects.count()) == counts
    out = capsys.readouterr().out
    assert "trekk-demo-2026" in out
    for user in User.objects.all():
        assert user.email in out
