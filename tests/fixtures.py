"""The test suite's fixtures and helpers, in one module (loaded by conftest.py as a pytest
plugin; tests import the helpers from here, never from conftest).

Personas:
  employer_a  — an employer user of company A (also granted company C)
  employer_b  — an employer user of company B
  staff       — union staff
Each has a matching logged-in client fixture: client_a, client_b, staff_client. They are
made through the same services as the ``add_company``/``add_user``/``grant_access``
commands, so a persona is what an operator would have registered.

Helpers: ``log_in_client`` (a client logged in, NDA accepted, staff's second factor done),
``submit_one_csv`` (a stored submission of one small CSV, returning its file), ``NOW`` and
the ``frozen_now`` fixture (the clock stopped at NOW).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine

from trekkportal.lib.identity import make_valid_orgnr

PASSWORD = "a-long-test-passphrase-2026"

# A Friday in November 2026: October's list is due, September's was due on the 15th.
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen_now():
    """The clock stopped at ``NOW`` for the whole test (yields time_machine's traveller)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _orgnr(n: int) -> str:
    return make_valid_orgnr(92000000 + n * 100)


def _company(name: str, n: int):
    from trekkportal.accounts.services import add_company

    return add_company(orgnr=_orgnr(n), name=name)


@pytest.fixture
def company_a(db):
    return _company("Alfa Offshore AS", 1)


@pytest.fixture
def company_b(db):
    return _company("Beta Raffineri AS", 2)


@pytest.fixture
def company_c(db):
    return _company("Gamma Kjemi AS", 3)


def make_user(email: str, *, name: str = "", companies=(), is_staff: bool = False):
    """A registered user (``add_user``) who has set the test password."""
    from trekkportal.accounts.services import add_user

    user = add_user(email=email, name=name, companies=list(companies), is_staff=is_staff)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def employer_a(company_a, company_c):
    return make_user("kari@alfa.example", name="Kari Alfa", companies=[company_a, company_c])


@pytest.fixture
def employer_b(company_b):
    return make_user("per@beta.example", name="Per Beta", companies=[company_b])


@pytest.fixture
def staff(db):
    return make_user("siri@forbundet.example", name="Siri Forbund", is_staff=True)


def log_in_client(client, user, *, accept_nda: bool = True, second_factor: bool = True):
    """A fully usable logged-in client: current NDA accepted and, for union staff, the
    second factor recorded in the session the way allauth records it."""
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
    return log_in_client(client, employer_a)


@pytest.fixture
def client_b(employer_b):
    from django.test import Client

    return log_in_client(Client(), employer_b)


@pytest.fixture
def staff_client(staff):
    from django.test import Client

    return log_in_client(Client(), staff)


@pytest.fixture
def today():
    return dt.date.today()


def submit_files(company, user, *files, period=None):
    """A submission made through ``submit_list``, as the form makes it (this month unless
    ``period`` is given)."""
    from trekkportal.lib.periods import Period
    from trekkportal.submissions.services import submit_list

    return submit_list(
        company=company,
        period=period or Period.of(dt.date.today()),
        files=list(files),
        comment="",
        contact_email=user.email,
        acting_user=user,
    )


def submit_one_csv(company, user, *, period=None):
    """Submit one small CSV list and return its stored file (not yet parsed)."""
    from trekkportal.submissions.tests.files import CSV, upload

    return submit_files(company, user, upload("liste.csv", CSV), period=period).files.get()


def every_url() -> list[tuple[str, str, object]]:
    """(view name, path, view) of every named route in the project, with 1 for any
    argument (regex routes of third parties are left out)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = ":".join(filter(None, [namespace, pattern.name]))
                found.append((name, prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    urls = []
    seen = set()
    for name, route, view in found:
        if route.startswith("^") or "(?P" in route or route in seen:
            continue  # the first route of a path is the one that answers
        seen.add(route)
        path = "/" + route
        while "<" in path:
            start, end = path.index("<"), path.index(">")
            converter = path[start + 1 : end].split(":")[0] if ":" in path[start:end] else "str"
            value = "1" if converter in ("int", "str", "path") else "x"
            path = path[:start] + value + path[end + 1 :]
        urls.append((name, path, view))
    return urls
