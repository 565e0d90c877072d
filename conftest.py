"""Test configuration shared by the whole suite: personas and the browser layer.

Personas (CONTRIBUTING.md § Tests):
  employer_a  — an employer user of company A (also granted company C)
  employer_b  — an employer user of company B
  staff       — union staff
Each has a matching logged-in client fixture: client_a, client_b, staff_client.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from trekkportal.lib.identity import make_valid_orgnr

PASSWORD = "a-long-test-passphrase-2026"


def pytest_configure(config):
    from django.conf import settings

    settings.TESTING = True
    # Fast hashing in tests; production uses Argon2id (asserted in the accounts tests).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CODE_EMAIL_IN_BACKGROUND = False  # read codes from the outbox at once
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from trekkportal.portal.management.commands.compile_translations import compile_all

    if compile_all():
        # Catalogues loaded during django.setup() were cached without the new .mo files.
        from django.utils.translation.reloader import translation_file_changed

        translation_file_changed(sender=None, file_path=Path("django.mo"))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _orgnr(n: int) -> str:
    return make_valid_orgnr(92000000 + n * 100)


@pytest.fixture
def company_a(db):
    from trekkportal.accounts.models import Company

    return Company.objects.create(name="Alfa Offshore AS", orgnr=_orgnr(1))


@pytest.fixture
def company_b(db):
    from trekkportal.accounts.models import Company

    return Company.objects.create(name="Beta Raffineri AS", orgnr=_orgnr(2))


@pytest.fixture
def company_c(db):
    from trekkportal.accounts.models import Company

    return Company.objects.create(name="Gamma Kjemi AS", orgnr=_orgnr(3))


def _user(email: str, *, companies=(), **fields):
    from trekkportal.accounts.models import CompanyAccess, User

    user = User.objects.create_user(email, PASSWORD, **fields)
    for company in companies:
        CompanyAccess.objects.create(user=user, company=company)
    return user


@pytest.fixture
def employer_a(company_a, company_c):
    return _user("kari@alfa.example", name="Kari Alfa", companies=[company_a, company_c])


@pytest.fixture
def employer_b(company_b):
    return _user("per@beta.example", name="Per Beta", companies=[company_b])


@pytest.fixture
def staff(db):
    return _user("siri@forbundet.example", name="Siri Forbund", is_staff=True, is_superuser=True)


def _logged_in(client, user):
    """A fully usable logged-in client: current NDA accepted and, for union staff, the
    second factor recorded in the session the way allauth records it."""
    log_in_client(client, user)
    return client


def log_in_client(client, user, *, accept_nda: bool = True, second_factor: bool = True):
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    from trekkportal.accounts.models import NdaAcceptance
    from trekkportal.accounts.nda import current_nda_version

    if accept_nda:
        NdaAcceptance.objects.get_or_create(user=user, version=current_nda_version())
    client.force_login(user)
    if user.is_staff and second_factor:
        session = client.session
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
    return client


@pytest.fixture
def client_a(client, employer_a):
    return _logged_in(client, employer_a)


@pytest.fixture
def client_b(employer_b):
    from django.test import Client

    return _logged_in(Client(), employer_b)


@pytest.fixture
def staff_client(staff):
    from django.test import Client

    return _logged_in(Client(), staff)


# Browser tests ---------------------------------------------------------------------------


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, but no Chromium is installed.")
        pytest.skip("No Chromium found (install Debian's chromium or set CHROMIUM_PATH).")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # in a thread with a running loop unless told it is safe (it is: tests are sequential).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def today():
    return dt.date.today()
