"""Company access and the audit trail of account events (docs/security.md D2, D4, F5)."""

from __future__ import annotations

import logging

from django.urls import reverse

from trekkportal.accounts.selectors import ACTIVE_COMPANY_SESSION_KEY
from trekkportal.accounts.services import revoke_access
from trekkportal.audit.models import AuditEvent

from .helpers import NEW_PASSWORD, code_from_outbox, request_code, submit_code


def active_company_name(client) -> str:
    response = client.get(reverse("submissions:innsending"))
    assert response.status_code == 200
    return response.context["active_company"].name


# D2 ------------------------------------------------------------------------------------
def test_switching_to_a_granted_company_works_and_is_audited(client_a, company_c):
    client_a.post(reverse("portal:switch_company"), {"company": company_c.pk})
    assert active_company_name(client_a) == company_c.name
    assert AuditEvent.objects.filter(action="company.switched", company=company_c).exists()


def test_switching_to_a_company_not_granted_is_refused(client_a, company_a, company_b):
    response = client_a.post(
        reverse("portal:switch_company"), {"company": company_b.pk}, follow=True
    )
    assert "Du har ikke tilgang til den bedriften." in response.content.decode()
    assert active_company_name(client_a) == company_a.name
    assert client_a.session.get(ACTIVE_COMPANY_SESSION_KEY) is None
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_a_tampered_session_never_shows_another_company(client_a, company_a, company_b):
    session = client_a.session
    session[ACTIVE_COMPANY_SESSION_KEY] = company_b.pk
    session.save()
    assert active_company_name(client_a) == company_a.name
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert company_b.name not in html


# D4 ------------------------------------------------------------------------------------
def test_revoked_access_takes_effect_at_the_next_request(client_b, employer_b, company_b):
    assert client_b.get(reverse("submissions:innsending")).status_code == 200
    revoke_access(user=employer_b, company=company_b)
    response = client_b.get(reverse("submissions:innsending"))
    assert response.status_code == 403
    assert company_b.name not in response.content.decode()
    assert AuditEvent.objects.filter(action="access.refused", actor=employer_b).exists()


def test_revoking_the_active_company_falls_back_to_a_granted_one(
    client_a, employer_a, company_a, company_c
):
    client_a.post(reverse("portal:switch_company"), {"company": company_c.pk})
    revoke_access(user=employer_a, company=company_c)
    assert active_company_name(client_a) == company_a.name


def test_a_deactivated_company_is_no_longer_reachable(client_b, company_b):
    company_b.is_active = False
    company_b.save()
    assert client_b.get(reverse("submissions:innsending")).status_code == 403


# Audit ---------------------------------------------------------------------------------
def test_account_events_are_audited_without_codes_or_passwords(client, employer_a, caplog):
    caplog.set_level(logging.INFO, logger="trekkportal.audit")
    client.post(reverse("login"), {"login": employer_a.email, "password": "feil passord"})
    request_code(client, employer_a.email, flow="password_forgotten")
    code = code_from_outbox()
    submit_code(client, "BBBB-BBBB", flow="password_forgotten")
    submit_code(client, code, flow="password_forgotten")
    client.post(reverse("login"), {"login": employer_a.email, "password": NEW_PASSWORD})
    client.post(reverse("nda"), {"accept": "on"})

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "login.failed",
        "code.requested",
        "code.failed",
        "password.reset",
        "login",
        "nda.accepted",
    } <= actions
    everything = (
        " ".join(str(event.data) + event.actor_label for event in AuditEvent.objects.all())
        + caplog.text
    )
    for secret in [code, code.replace("-", ""), NEW_PASSWORD, "feil passord"]:
        assert secret not in everything
