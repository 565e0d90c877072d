"""Who may see each URL: every route of the project, held to the gate it declares.

A new URL fails ``test_every_url_is_in_the_table`` until it is added to ``AUDIENCE`` below;
the other tests then hold it to what the table says, for an anonymous visitor, a user who
has not accepted the NDA, an employer, an employer without a company and union staff.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures import every_url, log_in_client, make_user
from trekkportal.accounts.decorators import COMPANY, GATE_ATTRIBUTE, OPEN_BEFORE_NDA
from trekkportal.accounts.decorators import STAFF as STAFF_GATE

ANYONE = "anyone, logged in or not, before the NDA"
BEFORE_NDA = "a logged-in user, before the NDA"
LOGGED_IN = "a logged-in user who accepted the NDA"
EMPLOYER = "an employer with the NDA accepted and an active company"
STAFF = "union staff with the NDA accepted and a second factor"
BACKOFFICE = "union staff (the back office: 404 for anyone else, anonymous visitors too)"
ADMIN_DOOR = "the admin's login and logout, which send everyone to the portal's"

AUDIENCE = {
    "login": ANYONE,
    "logout": ANYONE,
    "activate": ANYONE,
    "activate_confirm": ANYONE,
    "password_forgotten": ANYONE,
    "password_forgotten_confirm": ANYONE,
    "mfa_authenticate": ANYONE,
    "account_login": ANYONE,
    "account_logout": ANYONE,
    "account_inactive": ANYONE,
    "account_signup": ANYONE,
    "account_reset_password": ANYONE,
    "set_language": ANYONE,
    "healthz": ANYONE,  # load balancers
    "favicon": ANYONE,  # /favicon.ico: a redirect to the static SVG
    "request_too_large": ANYONE,  # nginx's page for a body over its limit
    "nda": BEFORE_NDA,
    "session_status": BEFORE_NDA,  # the session warning: seconds left, "Stay logged in"
    "staff_second_factor": LOGGED_IN,  # staff only: 404 for anyone else
    "account_change_password": LOGGED_IN,
    "account_reauthenticate": LOGGED_IN,
    "mfa_index": LOGGED_IN,
    "mfa_reauthenticate": LOGGED_IN,
    "mfa_activate_totp": LOGGED_IN,
    "mfa_deactivate_totp": LOGGED_IN,
    "mfa_view_recovery_codes": LOGGED_IN,
    "mfa_generate_recovery_codes": LOGGED_IN,
    "mfa_download_recovery_codes": LOGGED_IN,
    "portal:switch_company": LOGGED_IN,
    "portal:home": EMPLOYER,
    "portal:brev": EMPLOYER,
    "portal:utrukne": EMPLOYER,
    "submissions:innsending": EMPLOYER,
    "submissions:receipt": EMPLOYER,
    "submissions:receipt_status": EMPLOYER,
    "submissions:choose_columns": EMPLOYER,
    "submissions:innsendte": EMPLOYER,
    "submissions:list_template": EMPLOYER,
    "reconciliation:answer": EMPLOYER,
    "letters:download": EMPLOYER,
    "admin:login": ADMIN_DOOR,
    "admin:logout": ADMIN_DOOR,
}
# The declaration each audience needs on its view (None: none of ours; allauth's own
# login_required or Django's, and the NDA middleware).
DECLARED = {ANYONE: OPEN_BEFORE_NDA, BEFORE_NDA: OPEN_BEFORE_NDA, EMPLOYER: COMPANY}


def audience(name: str) -> str:
    if name.startswith("admin:") and name not in AUDIENCE:
        return STAFF  # the whole admin, through admin_security.secure_admin
    if name.startswith("backoffice:"):
        return BACKOFFICE  # the whole back office, each view declaring staff_required
    return AUDIENCE[name]


def urls_for(*audiences: str) -> list[tuple[str, str]]:
    return [(name, path) for name, path, _view in every_url() if audience(name) in audiences]


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    logins = (reverse("login"), reverse("account_login"), reverse("admin:login"))
    return response.url.startswith(logins)


def test_every_url_is_in_the_table(db):
    unknown = [
        name for name, _path, _view in every_url() if not name.startswith(("admin:", "backoffice:"))
    ]
    assert sorted(set(unknown) - set(AUDIENCE)) == []
    assert len(urls_for(STAFF)) > 20  # the admin is walked too
    assert len(urls_for(BACKOFFICE)) > 20


def test_every_view_declares_its_gate_where_it_is_defined(db):
    for name, path, view in every_url():
        declared = getattr(view, GATE_ATTRIBUTE, None)
        expected = STAFF_GATE if name.startswith("backoffice:") else DECLARED.get(audience(name))
        assert declared == expected, (name, path, declared)


def test_no_view_turns_off_csrf_protection(db):
    """CSRF is the middleware's, for every view: no ``csrf_exempt`` anywhere (the form's
    body-size check runs in RequestBodyLimitMiddleware, before the CSRF check)."""
    exempt = [name for name, _path, view in every_url() if getattr(view, "csrf_exempt", False)]
    assert exempt == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_login_from_everything_but_the_open_pages(
    client, db, method
):
    for name, path in urls_for(BEFORE_NDA, LOGGED_IN, EMPLOYER, STAFF):
        response = getattr(client, method)(path)
        if response.status_code == 405:
            continue  # that method is not allowed at all
        assert is_login_redirect(response), (name, path, response.status_code)
    for name, path in urls_for(ANYONE, ADMIN_DOOR):
        assert client.get(path).status_code < 500, (name, path)
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_get_404_on_every_back_office_url(client, db, method):
    """The issue: "Staff only ...; anyone else gets 404" — no login redirect that would
    tell a visitor the address exists."""
    for name, path in urls_for(BACKOFFICE):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (name, path, response.status_code)


def test_a_user_before_the_nda_reaches_only_the_open_pages(client, employer_a):
    log_in_client(client, employer_a, accept_nda=False)
    nda = reverse("nda")
    for name, path in urls_for(ANYONE, BEFORE_NDA):
        response = client.get(path)
        assert not (response.status_code == 302 and response.url.startswith(nda)), name
    for name, path in urls_for(LOGGED_IN, EMPLOYER, STAFF, BACKOFFICE):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(nda), (name, path)


def test_employers_see_their_pages_and_never_the_back_office(client_a):
    for name, path in urls_for(EMPLOYER):
        response = client_a.get(path)
        # the receipt of submission 1 does not exist for company A: 404, not someone's
        assert response.status_code in (200, 302, 404, 405), (name, path)
        assert not is_login_redirect(response), name
    staff_second_factor = ("staff_second_factor", reverse("staff_second_factor"))
    for name, path in [*urls_for(STAFF, BACKOFFICE), staff_second_factor]:
        response = client_a.get(path, follow=True)
        assert response.status_code == 404, (name, path, response.status_code)


def test_a_user_without_a_company_is_refused_every_employer_page(db):
    client = log_in_client(Client(), make_user("ingen@bedrift.example"))
    for name, path in urls_for(EMPLOYER):
        response = client.get(path)
        assert response.status_code == 403, (name, path, response.status_code)


def test_staff_reach_the_admin(staff_client):
    for name, path in urls_for(STAFF, BACKOFFICE):
        if "/1/" in path:
            continue  # an object that may not exist
        response = staff_client.get(path)
        # 403 where the admin refuses the action itself (adding to a read-only model), 405
        # for the back office's POST-only actions
        assert response.status_code in (200, 302, 403, 405), (name, path, response.status_code)
        assert not is_login_redirect(response), (name, path)
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_staff_without_the_second_factor_are_sent_to_set_it_up(client, staff):
    log_in_client(client, staff, second_factor=False)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff_second_factor")


def test_the_body_limit_is_checked_before_csrf_reads_the_body(settings):
    order = settings.MIDDLEWARE
    limit = order.index("trekkportal.portal.body_limit.RequestBodyLimitMiddleware")
    assert limit < order.index("django.middleware.csrf.CsrfViewMiddleware")


def test_every_post_without_a_csrf_token_is_refused(employer_a):
    client = log_in_client(Client(enforce_csrf_checks=True), employer_a)
    for name, path in urls_for(ANYONE, BEFORE_NDA, LOGGED_IN, EMPLOYER):
        response = client.post(path, {"comment": "x"})
        assert response.status_code in (403, 405), (name, path, response.status_code)
