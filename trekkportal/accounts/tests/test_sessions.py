"""Sessions and flow (docs/security.md C1-C5, C7)."""

from __future__ import annotations

import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.fixtures import PASSWORD, log_in_client
from trekkportal.accounts.services import deactivate_user
from trekkportal.audit.models import AuditEvent

from .helpers import NEW_PASSWORD, code_from_outbox, request_code, submit_code

HOME = "submissions:innsending"


def log_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"login": email, "password": password})


def is_logged_in(client) -> bool:
    response = client.get(reverse(HOME))
    return response.status_code == 200


# C1 ------------------------------------------------------------------------------------
def test_the_session_key_changes_at_login(client, employer_a):
    session = client.session
    session["before"] = "login"
    session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    log_in(client, employer_a.email)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before


# C2 ------------------------------------------------------------------------------------
def test_an_old_cookie_replayed_after_logout_is_anonymous(client_a):
    old_cookie = client_a.cookies[settings.SESSION_COOKIE_NAME].value
    assert is_logged_in(client_a)
    response = client_a.post(reverse("logout"))
    assert response.status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(reverse(HOME))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# C3 ------------------------------------------------------------------------------------
def test_a_password_reset_in_one_browser_logs_out_the_other(client_a, employer_a):
    assert is_logged_in(client_a)
    other = Client()
    request_code(other, employer_a.email, flow="password_forgotten")
    submit_code(other, code_from_outbox(), flow="password_forgotten")
    assert not is_logged_in(client_a)


def test_a_password_change_logs_out_the_other_browser_but_not_this_one(employer_a):
    first, second = Client(), Client()
    log_in_client(first, employer_a)
    log_in_client(second, employer_a)
    log_in(first, employer_a.email)  # a real login, so allauth may change the password
    response = first.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert is_logged_in(first)
    assert not is_logged_in(second)


def test_a_password_change_is_a_portal_page_audited_and_reached_from_the_footer(employer_a):
    browser = Client()
    log_in_client(browser, employer_a)  # the NDA accepted
    log_in(browser, employer_a.email)  # a real login, so allauth may change the password
    home = browser.get(reverse("submissions:innsending")).content.decode()
    assert f'<a href="{reverse("account_change_password")}">Endre passord</a>' in home

    page = browser.get(reverse("account_change_password")).content.decode()
    assert '<html lang="nb">' in page and "<h1>Endre passord</h1>" in page
    for label in ("Nåværende passord", "Nytt passord", "Nytt passord (igjen)"):
        assert f">{label}</label>" in page
    refused = browser.post(
        reverse("account_change_password"),
        {"oldpassword": "feil passord", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    assert 'aria-invalid="true"' in refused.content.decode()
    assert not AuditEvent.objects.filter(action="password.changed").exists()

    browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    event = AuditEvent.objects.get(action="password.changed")
    assert event.actor_id == employer_a.pk
    assert NEW_PASSWORD not in str(event.data)
    employer_a.refresh_from_db()
    assert employer_a.check_password(NEW_PASSWORD)


# C4 ------------------------------------------------------------------------------------
def test_an_idle_session_ends_after_the_idle_timeout(client, employer_a):
    with time_machine.travel("2026-03-02 08:00:00 +0000", tick=False) as clock:
        log_in_client(client, employer_a)
        assert is_logged_in(client)
        clock.shift(settings.SESSION_IDLE_TIMEOUT - 60)
        assert is_logged_in(client)  # activity resets the idle clock
        clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
        response = client.get(reverse(HOME))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        assert not is_logged_in(client)
    assert AuditEvent.objects.filter(action="session.expired", data__reason="idle").exists()


def test_an_active_session_ends_after_the_absolute_timeout(client, employer_a):
    with time_machine.travel("2026-03-02 08:00:00 +0000", tick=False) as clock:
        log_in_client(client, employer_a)
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            assert is_logged_in(client)
            clock.shift(20 * 60)
        clock.shift(60)
        assert not is_logged_in(client)
    assert AuditEvent.objects.filter(action="session.expired", data__reason="absolute").exists()


# C5 ------------------------------------------------------------------------------------
def test_a_user_deactivated_while_logged_in_is_refused_at_the_next_request(client_a, employer_a):
    assert is_logged_in(client_a)
    deactivate_user(user=employer_a)
    response = client_a.get(reverse(HOME))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_deactivated_in_the_admin_is_logged_out(client_a, employer_a, staff_client):
    url = reverse("admin:accounts_user_change", args=[employer_a.pk])
    form = {
        "email": employer_a.email,
        "name": employer_a.name,
        "language": "nb",
        "is_staff": "",
        "company_accesses-TOTAL_FORMS": "0",
        "company_accesses-INITIAL_FORMS": "0",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    employer_a.refresh_from_db()
    assert not employer_a.is_active
    assert not is_logged_in(client_a)
    # Even if someone reactivates the user, the old session stays dead.
    employer_a.is_active = True
    employer_a.save()
    assert not is_logged_in(client_a)


# C7 ------------------------------------------------------------------------------------
def test_logout_by_get_does_not_log_out(client_a):
    response = client_a.get(reverse("logout"))
    assert response.status_code == 200
    assert is_logged_in(client_a)


def test_logout_without_csrf_token_is_refused(employer_a):
    client = Client(enforce_csrf_checks=True)
    log_in_client(client, employer_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert is_logged_in(client)


def test_logout_by_post_ends_the_session_on_the_server(client_a, employer_a):
    from django.contrib.sessions.models import Session

    key = client_a.cookies[settings.SESSION_COOKIE_NAME].value
    client_a.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="logout", actor=employer_a).exists()


def test_session_cookies_are_httponly_and_samesite(client, employer_a):
    log_in(client, employer_a.email)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
