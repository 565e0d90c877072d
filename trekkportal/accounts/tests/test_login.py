"""Login, passwords and union staff's second factor (docs/security.md B1-B7, D6)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

import trekkportal.settings as production_settings
from tests.fixtures import PASSWORD
from trekkportal.accounts.hashers import Argon2idPasswordHasher
from trekkportal.accounts.services import add_user
from trekkportal.audit.models import AuditEvent

from .helpers import code_from_outbox, request_code, submit_code

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
WRONG_LOGIN = "E-postadressen og/eller passordet du oppgav er feil."
THROTTLED = "For mange innloggingsforsøk"


def log_in(client, email: str, password: str = PASSWORD, **headers):
    return client.post(reverse("login"), {"login": email, "password": password}, **headers)


def totp_now(secret: str = TOTP_SECRET) -> str:
    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def test_the_login_page_has_the_seeds_words(client, db):
    html = client.get(reverse("login")).content.decode()
    for words in ["Innlogging", "E-post", "Passord", "Klikk her for å aktivere din brukerkonto"]:
        assert words in html
    assert "Glemt passord" in html
    assert "Registrer" not in html and "signup" not in html


def test_an_employer_logs_in_by_email_and_is_audited(client, employer_a):
    response = log_in(client, "KARI@alfa.example")
    assert response.status_code == 302
    # Logged in: the portal asks for the NDA next (an anonymous visitor would go to login).
    assert client.get(reverse("submissions:innsending")).url.startswith(reverse("nda"))
    assert AuditEvent.objects.filter(action="login", actor=employer_a).exists()


def test_nobody_can_sign_up(client, db):
    response = client.get("/konto/ny/")
    assert response.status_code == 302
    assert response.url == reverse("login")


# B1 ------------------------------------------------------------------------------------
@pytest.fixture
def code_page(client, db):
    user = add_user(email="nina.ny@alfa.example")
    request_code(client, user.email)
    code = code_from_outbox()
    return user, code


def test_a_too_short_password_is_refused_with_the_rule_stated(client, code_page):
    _user, code = code_page
    response = submit_code(client, code, password="kort passor")  # 12 characters is the minimum
    assert response.status_code == 200
    assert "Passordet er for kort. Det må ha minst 12 tegn." in response.content.decode()


@pytest.mark.parametrize(
    "password",
    [
        "korrekt hest batteri stift",
        "🌲🌲🌲🌲 fjell og fjord 🌊🌊",
        "   mellomrom er lov   ",
        "x" * 64 + " lang passfrase",
    ],
    ids=["passphrase", "emoji", "spaces", "long"],
)
def test_passphrases_spaces_and_emoji_are_accepted(client, code_page, password):
    user, code = code_page
    response = submit_code(client, code, password=password)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(password)


# B2 ------------------------------------------------------------------------------------
def test_a_common_password_is_refused_with_a_reason(client, code_page):
    _user, code = code_page
    response = submit_code(client, code, password="qwerty123456")
    assert "Dette passordet er for vanlig." in response.content.decode()


def test_a_password_containing_the_email_local_part_is_refused(client, code_page):
    _user, code = code_page
    response = submit_code(client, code, password="passordet til Nina 2026")
    assert "Passordet kan ikke inneholde e-postadressen din." in response.content.decode()


# B3 ------------------------------------------------------------------------------------
def test_a_4096_character_password_is_handled_quickly(client, employer_a, settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    started = time.perf_counter()
    response = log_in(client, employer_a.email, "p" * 4096)
    assert time.perf_counter() - started < 2
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


def test_a_4096_character_new_password_is_a_form_error(client, code_page):
    _user, code = code_page
    started = time.perf_counter()
    response = submit_code(client, code, password="p" * 4096)
    assert time.perf_counter() - started < 2
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


# B4 ------------------------------------------------------------------------------------
def test_repeated_wrong_passwords_are_throttled_per_account_even_with_rotating_ips(
    client, employer_a
):
    for i in range(5):
        response = log_in(
            client, employer_a.email, "feil passord", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
        assert WRONG_LOGIN in response.content.decode()
    response = log_in(client, employer_a.email, "feil passord", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert THROTTLED in response.content.decode()
    # While throttled, even the right password is refused...
    response = log_in(Client(), employer_a.email, PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert AuditEvent.objects.filter(action="login.failed").count() == 5


def test_throttling_is_not_a_permanent_lockout(client, employer_a):
    import time_machine

    with time_machine.travel("2026-03-02 10:00:00 +0000", tick=False) as clock:
        for _ in range(6):
            log_in(client, employer_a.email, "feil passord")
        assert THROTTLED in log_in(client, employer_a.email).content.decode()
        clock.shift(5 * 60 + 1)
        assert log_in(client, employer_a.email).status_code == 302


def test_the_lockout_says_how_long_to_wait_from_the_rate_limits(client, employer_a, settings):
    for _ in range(6):
        response = log_in(client, employer_a.email, "feil passord")
    assert (
        "For mange innloggingsforsøk. Vent 5 minutter og prøv igjen." in response.content.decode()
    )
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "5/15m/key"}
    from trekkportal.accounts.adapter import lockout_minutes

    assert lockout_minutes() == 15


# B5 ------------------------------------------------------------------------------------
def test_the_admin_login_form_cannot_be_used_to_guess_passwords(client, staff):
    for _ in range(10):
        response = client.post(
            reverse("admin:login"), {"username": staff.email, "password": "feil passord"}
        )
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("admin:index")).status_code == 302  # still anonymous


def test_staff_with_totp_must_enter_the_code_before_they_are_logged_in(client, staff):
    TOTP.activate(staff, TOTP_SECRET)
    response = log_in(client, staff.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    client.post(reverse("nda"), {"accept": "on"})
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_a_second_factor_cannot_use_the_admin(client, staff):
    assert log_in(client, staff.email).status_code == 302
    client.post(reverse("nda"), {"accept": "on"})
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff_second_factor")
    assert "Ta i bruk en autentiseringsapp" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # allauth announces the new factor on commit
def test_staff_setting_up_totp_completes_the_second_factor(client, staff):
    from allauth.mfa.totp.internal.auth import get_totp_secret

    log_in(client, staff.email)
    client.post(reverse("nda"), {"accept": "on"})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 302  # adding a factor asks for the password again first
    assert page.url.startswith(reverse("account_reauthenticate"))
    client.post(page.url, {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert callable(get_totp_secret)
    assert AuditEvent.objects.filter(action="mfa.added", actor=staff).exists()


def test_staff_client_persona_is_ready_for_the_admin(staff_client):
    assert staff_client.get(reverse("admin:index")).status_code == 200


# D6 ------------------------------------------------------------------------------------
def test_an_employer_opening_the_admin_gets_404(client_a):
    response = client_a.get(reverse("admin:index"), follow=True)
    assert response.status_code == 404
    page = response.content.decode()  # the portal's own page, in its frame, not a dead end
    assert "Fant ikke siden" in page and 'class="site-header"' in page
    assert 'aria-label="Hovedmeny"' in page and "Django" not in page
    response = client_a.get(reverse("admin:accounts_user_changelist"), follow=True)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.refused").exists()


# B6 ------------------------------------------------------------------------------------
def test_unknown_user_and_wrong_password_look_the_same(employer_a):
    unknown = log_in(Client(), "ingen@ukjent.example", "feil passord")
    wrong = log_in(Client(), employer_a.email, "feil passord")
    not_activated = add_user(email="ny@alfa.example")
    inactive = log_in(Client(), not_activated.email, "feil passord")
    assert unknown.status_code == wrong.status_code == inactive.status_code == 200
    for response in (unknown, wrong, inactive):
        assert WRONG_LOGIN in response.content.decode()


# B7 ------------------------------------------------------------------------------------
def test_passwords_are_stored_with_argon2id_or_strong_pbkdf2():
    hashers = production_settings.PASSWORD_HASHERS
    assert hashers[0] == "trekkportal.accounts.hashers.Argon2idPasswordHasher"
    encoded = Argon2idPasswordHasher().encode("a-long-test-passphrase", "saltsaltsalt")
    # OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert Argon2idPasswordHasher.memory_cost >= 19 * 1024
    assert Argon2idPasswordHasher.time_cost >= 2
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers
    assert PBKDF2PasswordHasher.iterations >= 600_000


def test_a_hash_with_djangos_own_argon2_parameters_still_logs_in_and_is_upgraded(
    client, employer_a, settings
):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    employer_a.password = Argon2PasswordHasher().encode(PASSWORD, "saltsaltsaltsalt")
    employer_a.save(update_fields=["password"])
    assert "m=102400" in employer_a.password
    response = log_in(client, employer_a.email, PASSWORD)
    assert response.status_code == 302
    employer_a.refresh_from_db()
    assert employer_a.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_staff_required_lets_only_staff_with_a_second_factor_through(rf, client, employer_a, staff):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import Http404, HttpResponse

    from tests.fixtures import log_in_client
    from trekkportal.accounts.decorators import staff_required

    @staff_required
    def back_office(request):
        return HttpResponse("ok")

    def request_for(user, *, second_factor: bool):
        log_in_client(client, user, second_factor=second_factor)
        request = rf.get("/backoffice/")
        request.user = user
        request.session = SessionStore(client.session.session_key)
        return request

    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        back_office(request_for(employer_a, second_factor=True))
    anonymous = rf.get("/backoffice/")
    anonymous.user, anonymous.session = AnonymousUser(), SessionStore()
    with pytest.raises(Http404):  # not the login page: the address reveals nothing
        back_office(anonymous)
    response = back_office(request_for(staff, second_factor=False))
    assert response.status_code == 302
    assert response.url == reverse("staff_second_factor")
    assert back_office(request_for(staff, second_factor=True)).content == b"ok"


def test_a_malformed_email_or_empty_password_is_shown_next_to_its_field(client, db):
    response = client.post(reverse("login"), {"login": "not-an-email", "password": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_login-errors"' in html and "Oppgi en gyldig e-postadresse" in html
    assert 'id="id_password-errors"' in html and "Feltet er påkrevet." in html
    assert 'aria-describedby="id_login-errors"' in html
    assert 'aria-describedby="id_password-errors"' in html
