"""The accounts admin goes through the services, model by model: what the commands do, the
admin does (orgnr normalisation, the staff flag, sessions, the audit trail)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures import PASSWORD
from trekkportal.accounts import services
from trekkportal.accounts.models import Company, CompanyAccess, NdaVersion, User
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import make_valid_orgnr

ORGNR = make_valid_orgnr(97300000)


@pytest.fixture
def calls(monkeypatch):
    """The services the admin called, by name (each still does its work)."""
    called: list[str] = []

    def spy(name):
        real = getattr(services, name)

        def wrapper(**kwargs):
            called.append(name)
            return real(**kwargs)

        monkeypatch.setattr(services, name, wrapper)

    for name in (
        "add_company",
        "change_company",
        "add_user",
        "change_user",
        "grant_access",
        "revoke_access",
        "deactivate_user",
        "publish_nda",
    ):
        spy(name)
    return called


def no_inlines(prefix: str, **extra) -> dict:
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", **extra}


def events(action: AuditAction):
    return AuditEvent.objects.filter(action=action)


# Company ---------------------------------------------------------------------------------


def test_a_company_added_in_the_admin_goes_through_add_company(staff_client, staff, calls):
    spaced = f"{ORGNR[:3]} {ORGNR[3:6]} {ORGNR[6:]}"
    response = staff_client.post(
        reverse("admin:accounts_company_add"),
        no_inlines("accesses", name="  Delta Drift AS ", orgnr=spaced),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    company = Company.objects.get()
    assert (company.orgnr, company.name) == (ORGNR, "Delta Drift AS")
    assert calls == ["add_company"]
    assert events(AuditAction.COMPANY_ADDED).get().actor == staff


def test_the_admin_refuses_an_organisation_number_the_command_refuses(staff_client, calls):
    response = staff_client.post(
        reverse("admin:accounts_company_add"),
        no_inlines("accesses", name="Feil AS", orgnr="123456789"),
    )
    assert response.status_code == 200
    assert "ikke et gyldig organisasjonsnummer" in response.content.decode()
    assert not Company.objects.exists()


def test_a_company_changed_in_the_admin_goes_through_change_company(staff_client, company_a, calls):
    response = staff_client.post(
        reverse("admin:accounts_company_change", args=[company_a.pk]),
        no_inlines("accesses", name="Alfa Offshore ASA", orgnr=company_a.orgnr, is_active=""),
    )
    assert response.status_code == 302
    company_a.refresh_from_db()
    assert (company_a.name, company_a.is_active) == ("Alfa Offshore ASA", False)
    assert calls == ["change_company"]
    assert events(AuditAction.COMPANY_CHANGED).get().data == {"fields": ["is_active", "name"]}


def test_access_granted_and_revoked_in_the_admin_goes_through_the_services(
    staff_client, staff, company_b, employer_a, calls
):
    url = reverse("admin:accounts_company_change", args=[company_b.pk])
    form = {"name": company_b.name, "orgnr": company_b.orgnr, "is_active": "on"}
    staff_client.post(
        url,
        {
            **form,
            **no_inlines("accesses", **{"accesses-TOTAL_FORMS": "1"}),
            "accesses-0-user": employer_a.pk,
            "accesses-0-company": company_b.pk,
        },
    )
    access = CompanyAccess.objects.get(company=company_b)
    assert access.granted_by == staff
    assert events(AuditAction.ACCESS_GRANTED).filter(company=company_b).count() == 1

    staff_client.post(
        url,
        {
            **form,
            "accesses-TOTAL_FORMS": "1",
            "accesses-INITIAL_FORMS": "1",
            "accesses-0-id": access.pk,
            "accesses-0-company": company_b.pk,
            "accesses-0-DELETE": "on",
        },
    )
    assert not CompanyAccess.objects.filter(company=company_b).exists()
    assert [name for name in calls if name != "change_company"] == ["grant_access", "revoke_access"]
    assert events(AuditAction.ACCESS_REVOKED).filter(company=company_b).count() == 1


# User ------------------------------------------------------------------------------------


def test_a_user_added_in_the_admin_goes_through_add_user(staff_client, staff, calls):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        no_inlines("company_accesses", email="Ny@Bedrift.Example", name="Ny", language="en"),
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny@bedrift.example")
    assert not user.has_usable_password()  # activates by one-time code
    assert (user.language, user.is_staff) == ("en", False)
    assert calls == ["add_user"]
    assert events(AuditAction.USER_ADDED).get(object_id=user.pk).actor == staff


def test_the_staff_flag_set_in_the_admin_carries_every_permission(staff_client, employer_b, calls):
    response = staff_client.post(
        reverse("admin:accounts_user_change", args=[employer_b.pk]),
        no_inlines(
            "company_accesses", name=employer_b.name, language="nb", is_active="on", is_staff="on"
        ),
    )
    assert response.status_code == 302
    employer_b.refresh_from_db()
    assert employer_b.is_staff and employer_b.is_superuser
    assert calls == ["change_user"]
    assert events(AuditAction.USER_CHANGED).get().data == {"fields": ["is_staff", "is_superuser"]}


def test_a_user_deactivated_in_the_admin_goes_through_deactivate_user(
    staff_client, employer_b, calls
):
    staff_client.post(
        reverse("admin:accounts_user_change", args=[employer_b.pk]),
        no_inlines("company_accesses", name=employer_b.name, language="nb"),
    )
    employer_b.refresh_from_db()
    assert not employer_b.is_active
    assert employer_b.session_epoch == 1  # every session ended
    assert calls == ["change_user", "deactivate_user"]
    assert events(AuditAction.USER_DEACTIVATED).count() == 1


def test_the_e_mail_address_is_not_changed_in_the_admin(staff_client, employer_b):
    staff_client.post(
        reverse("admin:accounts_user_change", args=[employer_b.pk]),
        no_inlines(
            "company_accesses",
            email="annen@beta.example",
            name=employer_b.name,
            language="nb",
            is_active="on",
        ),
    )
    employer_b.refresh_from_db()
    assert employer_b.email == "per@beta.example"


def test_staff_cannot_set_a_users_password_in_the_admin(staff_client, employer_b):
    url = reverse("admin:auth_user_password_change", args=[employer_b.pk])
    response = staff_client.post(url, {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 403
    employer_b.refresh_from_db()
    assert employer_b.check_password(PASSWORD)


# NDA -------------------------------------------------------------------------------------


def test_an_nda_published_in_the_admin_goes_through_publish_nda(staff_client, calls):
    staff_client.post(reverse("admin:accounts_ndaversion_add"), {"text": "Versjon to."})
    assert calls == ["publish_nda"]
    assert NdaVersion.objects.get(version=2).text == "Versjon to."


def test_nda_versions_and_acceptances_are_never_deleted_or_edited(staff_client, client_a):
    version = NdaVersion.objects.get()
    acceptance = version.acceptances.first()
    accepted = version.acceptances.count()
    for url in (
        reverse("admin:accounts_ndaversion_delete", args=[version.pk]),
        reverse("admin:accounts_ndaacceptance_delete", args=[acceptance.pk]),
        reverse("admin:accounts_ndaacceptance_add"),
    ):
        assert staff_client.post(url, {"post": "yes"}).status_code == 403, url
    assert NdaVersion.objects.filter(pk=version.pk).exists()
    assert version.acceptances.count() == accepted
