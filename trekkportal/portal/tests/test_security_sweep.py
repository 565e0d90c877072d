"""The security sweep: headers on every kind of response, `next` values, the language
cookie (docs/security.md F1, F2, F4 and what an external scan found)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from trekkportal.lib.periods import Period
from trekkportal.submissions.services import submit_list
from trekkportal.submissions.tests.files import CSV, upload


def _html_page(client_a, staff_client, employer_a, company_a):
    return client_a.get(reverse("submissions:innsending"))


def _login_page(client_a, staff_client, employer_a, company_a):
    return Client().get(reverse("login"))


def _admin_page(client_a, staff_client, employer_a, company_a):
    return staff_client.get(reverse("admin:index"))


def _not_found(client_a, staff_client, employer_a, company_a):
    return client_a.get("/finnes-ikke/")


def _another_companys_object(client_a, staff_client, employer_a, company_a):
    return client_a.get(reverse("submissions:receipt", args=[999_999]))


def _server_error(client_a, staff_client, employer_a, company_a):
    from trekkportal.letters import views  # "Brev fra forbundet" renders through it

    client_a.raise_request_exception = False
    original = views.render
    views.render = lambda *a, **k: 1 / 0
    try:
        return client_a.get(reverse("portal:brev"))
    finally:
        views.render = original


def _csrf_failure(client_a, staff_client, employer_a, company_a):
    client = Client(enforce_csrf_checks=True)
    return client.post(reverse("login"), {"login": "a@b.example", "password": "x"})


def _template_download(client_a, staff_client, employer_a, company_a):
    return client_a.get(reverse("submissions:list_template"))


def _staff_file_download(client_a, staff_client, employer_a, company_a):
    submission = submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("lønn.csv", CSV)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    url = reverse("admin:submissions_submittedfile_download", args=[submission.files.get().pk])
    return staff_client.get(url)


def _health(client_a, staff_client, employer_a, company_a):
    return Client().get("/healthz")


def _submission_over_the_body_limit(client_a, staff_client, employer_a, company_a):
    """The submission view's own check (before CSRF reads the body): 413 with the form."""
    from trekkportal.submissions.views import BODY_MARGIN

    with override_settings(SUBMISSION_MAX_TOTAL_SIZE=10):
        files = [upload("stor.csv", b"x" * (BODY_MARGIN + 1024))]
        return client_a.post(reverse("submissions:innsending"), {"files": files})


def _nginx_page_for_a_request_over_the_limit(client_a, staff_client, employer_a, company_a):
    return Client().get(reverse("request_too_large"))  # nginx's error_page 413


def _too_many_code_requests(client_a, staff_client, employer_a, company_a):
    client = Client()
    for _ in range(3):  # 3 per address per 10 minutes (ACCOUNT_RATE_LIMITS)
        client.post(reverse("activate"), {"email": "ingen@ukjent.example"})
    return client.post(reverse("activate"), {"email": "ingen@ukjent.example"})


def _disallowed_host(client_a, staff_client, employer_a, company_a):
    return Client().get(reverse("login"), HTTP_HOST="evil.example")  # SuspiciousOperation


def _method_not_allowed(client_a, staff_client, employer_a, company_a):
    return client_a.post(reverse("portal:brev"))  # GET only


def _anonymous_to_the_login_page(client_a, staff_client, employer_a, company_a):
    return Client().get(reverse("submissions:innsending"))


def _logged_in_before_the_nda(client_a, staff_client, employer_a, company_a):
    from tests.fixtures import log_in_client, make_user

    newcomer = make_user("ny@alfa.example", companies=[company_a])
    client = log_in_client(Client(), newcomer, accept_nda=False)
    return client.get(reverse("submissions:innsending"))  # NdaRequiredMiddleware answers


def _redirect_after_the_idle_timeout(client_a, staff_client, employer_a, company_a):
    import time_machine
    from django.conf import settings

    from tests.fixtures import log_in_client

    with time_machine.travel("2026-03-02 08:00:00 +0000", tick=False) as clock:
        client = log_in_client(Client(), employer_a)
        clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
        return client.get(reverse("portal:home"))  # SessionTimeoutMiddleware answers


def _letter_download(client_a, staff_client, employer_a, company_a):
    from trekkportal.letters.services import publish_uploaded_letter
    from trekkportal.letters.tests.helpers import SUBJECT, letter_pdf

    batch = publish_uploaded_letter(
        companies=[company_a], data=letter_pdf(), name="brev.pdf", subject=SUBJECT, acting_user=None
    )
    return client_a.get(reverse("letters:download", args=[batch.letters.get().pk]))


def _back_office_file_download(client_a, staff_client, employer_a, company_a):
    from tests.fixtures import submit_one_csv

    submitted_file = submit_one_csv(company_a, employer_a)
    return staff_client.get(reverse("backoffice:file_download", args=[submitted_file.pk]))


def _back_office_csv_export(client_a, staff_client, employer_a, company_a):
    return staff_client.get(reverse("backoffice:overview_csv"))


def _static_file(client_a, staff_client, employer_a, company_a):
    # WhiteNoise answers without the middleware below it, so the header middleware sit
    # above it (settings.MIDDLEWARE). The SVG icon is the static file a browser would run
    # a script in if it were opened as a document; CSP and frame-ancestors cover it too.
    with override_settings(WHITENOISE_USE_FINDERS=True):
        return Client().get(static("favicon.svg"))


PAGE_TYPES = {
    "portal page": (_html_page, 200),
    "login page": (_login_page, 200),
    "admin page": (_admin_page, 200),
    "unknown URL": (_not_found, 404),
    "refused object": (_another_companys_object, 404),
    "server error": (_server_error, 500),
    "CSRF failure": (_csrf_failure, 403),
    "list template download": (_template_download, 200),
    "staff file download": (_staff_file_download, 200),
    "health check": (_health, 200),
    "submission over the body limit": (_submission_over_the_body_limit, 413),
    "nginx's page for a request over the limit": (_nginx_page_for_a_request_over_the_limit, 413),
    "rate-limited code request": (_too_many_code_requests, 429),
    "disallowed Host header": (_disallowed_host, 400),
    "method not allowed": (_method_not_allowed, 405),
    "redirect to the login page": (_anonymous_to_the_login_page, 302),
    "redirect to the NDA": (_logged_in_before_the_nda, 302),
    "redirect after the idle timeout": (_redirect_after_the_idle_timeout, 302),
    "letter download": (_letter_download, 200),
    "back-office file download": (_back_office_file_download, 200),
    "back-office CSV export": (_back_office_csv_export, 200),
    "static file": (_static_file, 200),
}


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_every_kind_of_response_carries_the_security_headers(
    production, page_type, client_a, staff_client, employer_a, company_a
):
    fetch, status = PAGE_TYPES[page_type]
    response = fetch(client_a, staff_client, employer_a, company_a)
    assert response.status_code == status
    csp = response["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    "page_type",
    [
        "portal page",
        "admin page",
        "refused object",
        "submission over the body limit",
        "method not allowed",
        "staff file download",
        "letter download",
        "back-office file download",
        "back-office CSV export",
    ],
)
def test_responses_to_logged_in_users_are_never_cached(
    production, page_type, client_a, staff_client, employer_a, company_a
):
    fetch, _status = PAGE_TYPES[page_type]
    assert "no-store" in fetch(client_a, staff_client, employer_a, company_a)["Cache-Control"]


@pytest.mark.parametrize(
    "page_type",
    [
        "list template download",
        "staff file download",
        "letter download",
        "back-office file download",
        "back-office CSV export",
    ],
)
def test_downloads_are_attachments_with_a_file_name(
    production, page_type, client_a, staff_client, employer_a, company_a
):
    fetch, _status = PAGE_TYPES[page_type]
    response = fetch(client_a, staff_client, employer_a, company_a)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("page_type", "heading"),
    [
        ("unknown URL", "Fant ikke siden"),
        ("refused object", "Fant ikke siden"),
        ("server error", "Noe gikk galt"),
        ("disallowed Host header", "Noe gikk galt"),
        ("nginx's page for a request over the limit", "Filene er for store"),
        ("rate-limited code request", "For mange forsøk"),
    ],
)
def test_error_pages_are_the_portals_own_without_details(
    production, page_type, heading, client_a, staff_client, employer_a, company_a
):
    fetch, _status = PAGE_TYPES[page_type]
    body = fetch(client_a, staff_client, employer_a, company_a).content.decode()
    assert '<html lang="nb">' in body
    assert f"<h1>{heading}</h1>" in body
    assert "Traceback" not in body and "urlpatterns" not in body.lower()
    assert "ZeroDivisionError" not in body


def test_with_debug_on_a_refused_object_still_gets_the_portals_404(client_a, settings):
    settings.DEBUG = True
    response = client_a.get(reverse("submissions:receipt", args=[999_999]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "Fant ikke siden" in body
    assert "URLconf" not in body and "innsending/&lt;int:pk&gt;" not in body


def test_without_a_static_manifest_the_error_page_is_still_the_portals(
    client_a, settings, monkeypatch
):
    """A server started before `collectstatic`: `check` says what to run, and a page that
    fails meanwhile is still a page, not a bare 500."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.DEBUG = False
    settings.STATIC_ROOT = settings.MEDIA_ROOT.parent / "no-static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    monkeypatch.setattr("sys.argv", ["manage.py", "check"])
    with pytest.raises(SystemCheckError, match="collectstatic --no-input"):
        call_command("check")
    client_a.raise_request_exception = False
    response = client_a.get(reverse("portal:brev"))
    assert response.status_code == 500
    assert "Noe gikk galt" in response.content.decode()


def test_under_https_pages_send_hsts(settings, client_a):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client_a.get(reverse("submissions:innsending"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# What an external scan found: a `next` that is not a path gave a 500 -----------------------


@pytest.mark.parametrize("value", ["id", "x", "portal:home", "//evil.example/", "/\\evil.example"])
def test_a_company_switch_with_a_next_that_is_not_a_local_path_goes_home(
    client_a, company_c, value
):
    response = client_a.post(
        reverse("portal:switch_company"), {"company": company_c.pk, "next": value}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_a_company_switch_returns_to_a_local_page(client_a, company_c):
    response = client_a.post(
        reverse("portal:switch_company"), {"company": company_c.pk, "next": "/brev/"}
    )
    assert response["Location"] == "/brev/"


@pytest.mark.parametrize("value", ["x", "id", "https://evil.example/", "//evil.example"])
def test_the_nda_page_with_a_next_that_is_not_a_local_path_still_works(client, employer_a, value):
    client.force_login(employer_a)
    page = client.get(reverse("nda"), {"next": value})
    assert page.status_code == 200
    response = client.post(reverse("nda"), {"accept": "on", "next": value})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


@pytest.mark.parametrize("value", ["x", "//evil.example/", "https://evil.example/"])
def test_logging_in_with_a_next_that_is_not_a_local_path_goes_to_the_portal(
    client, employer_a, value
):
    from tests.fixtures import PASSWORD

    response = client.post(
        reverse("login"), {"login": employer_a.email, "password": PASSWORD, "next": value}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]
    assert response["Location"].startswith("/")


def test_logging_in_follows_a_local_next(client, employer_a):
    from tests.fixtures import PASSWORD

    response = client.post(
        reverse("login"), {"login": employer_a.email, "password": PASSWORD, "next": "/brev/"}
    )
    assert response["Location"] == "/brev/"


@pytest.mark.parametrize("value", ["x", "//evil.example/"])
def test_the_language_choice_with_a_next_that_is_not_a_local_path_goes_home(client, db, value):
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": value},
        HTTP_REFERER="https://evil.example/",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_the_staff_login_with_a_next_that_is_not_a_local_path_goes_to_the_admin(staff_client):
    response = staff_client.get(reverse("admin:login"), {"next": "x"})
    assert response["Location"] == reverse("admin:index")


# The language cookie ------------------------------------------------------------------------


def test_the_language_cookie_is_httponly_and_samesite(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]


def test_under_an_https_site_url_the_language_cookie_is_secure(tmp_path):
    """Settings are read once: a fresh process with an https:// SITE_URL chooses a language
    through the real view and middleware, and prints the cookie it was given."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); "
        "from django.test import Client; from django.urls import reverse; "
        "response = Client().post(reverse('set_language'), {'language': 'en', 'next': '/'}, "
        "secure=True, HTTP_HOST='trekk.example.org'); "
        "print(response.status_code); "
        "print(response.cookies['django_language'].output(header='Set-Cookie:'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trekkportal.settings",
        "SITE_URL": "https://trekk.example.org",
        "DEBUG": "false",
        "TREKKPORTAL_VAR_DIR": str(tmp_path),  # a database nobody else uses, never created
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    status, set_cookie = out.stdout.strip().splitlines()
    assert status == "302"
    assert set_cookie.startswith("Set-Cookie: django_language=en;")
    attributes = {part.strip().lower() for part in set_cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= attributes


# X-Forwarded-For: believed only from the proxy -------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: a client's own header is ignored
        (1, "203.0.113.9", "203.0.113.9"),  # nginx set it
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry before nginx's
        (1, "", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_the_proxy_only(settings, rf, proxies, forwarded, expected):
    from trekkportal.audit.services import client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected
