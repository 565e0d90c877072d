"""The non-disclosure agreement gate (docs/security.md C6)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.fixtures import every_url, log_in_client
from trekkportal.accounts.decorators import is_open_before_nda
from trekkportal.accounts.models import NdaAcceptance, NdaVersion
from trekkportal.accounts.nda import SEED_TEXT, current_nda_version
from trekkportal.accounts.selectors import ACTIVE_COMPANY_SESSION_KEY
from trekkportal.accounts.services import publish_nda
from trekkportal.audit.models import AuditEvent

CHECKBOX = "Jeg har gjort meg kjent med, og aksepterer taushetserklæringen."


@pytest.fixture
def fresh_client(client, employer_a):
    """Logged in, NDA not yet accepted."""
    return log_in_client(client, employer_a, accept_nda=False)


def test_every_page_download_and_api_call_leads_to_the_nda_first(fresh_client):
    urls = [(name, path) for name, path, view in every_url() if not is_open_before_nda(view)]
    assert len(urls) > 10
    for name, path in urls:
        for method in ("get", "post"):
            response = getattr(fresh_client, method)(path)
            assert response.status_code == 302, (name, path, method, response.status_code)
            assert response.url.startswith(reverse("nda")), (name, path, response.url)


def test_the_admin_too_leads_to_the_nda_first(staff, client):
    log_in_client(client, staff, accept_nda=False)
    response = client.get(reverse("admin:index"))
    assert response.url.startswith(reverse("nda"))


def test_a_company_switch_before_the_nda_changes_nothing(fresh_client, company_c):
    fresh_client.post(reverse("portal:switch_company"), {"company": company_c.pk})
    assert ACTIVE_COMPANY_SESSION_KEY not in fresh_client.session
    assert not AuditEvent.objects.filter(action="company.switched").exists()


def test_the_nda_page_shows_the_whole_text_with_its_references(fresh_client):
    html = fresh_client.get(reverse("nda")).content.decode()
    assert "<h1>Taushetserklæring</h1>" in html
    assert "straffelovens kapittel 21 samt markedsføringslovens § 28 og § 29" in html
    assert 'href="https://lovdata.no/dokument/NL/lov/2005-05-20-28/KAPITTEL_2-6"' in html
    assert "lovdata.no/dokument/NL/lov/2009-01-09-2/KAPITTEL_6#§29" in html
    assert CHECKBOX in html and '<label for="id_accept"' in html
    assert ">Ok</button>" in html


def test_the_seed_text_is_the_first_version(db):
    assert current_nda_version().version == 1
    assert current_nda_version().text == SEED_TEXT


def test_ok_without_the_tick_is_refused(fresh_client, employer_a):
    response = fresh_client.post(reverse("nda"), {})
    assert response.status_code == 200
    assert "Kryss av i boksen" in response.content.decode()
    assert not NdaAcceptance.objects.filter(user=employer_a).exists()


def test_acceptance_is_stored_with_version_and_time_and_opens_the_portal(fresh_client, employer_a):
    at = timezone.now().replace(microsecond=0)
    with time_machine.travel(at, tick=False):
        response = fresh_client.post(
            reverse("nda") + "?next=/brev/", {"accept": "on", "next": "/brev/"}
        )
    assert response.status_code == 302
    assert response.url == "/brev/"
    acceptance = NdaAcceptance.objects.get(user=employer_a)
    assert acceptance.version == current_nda_version()
    assert acceptance.accepted_at == at
    assert AuditEvent.objects.filter(action="nda.accepted", actor=employer_a).exists()
    assert fresh_client.get(reverse("submissions:innsending")).status_code == 200


def test_a_new_version_asks_again(client_a, employer_a, staff):
    assert client_a.get(reverse("submissions:innsending")).status_code == 200
    publish_nda(text=SEED_TEXT + "\nNy setning i versjon 2.", acting_user=staff)
    response = client_a.get(reverse("submissions:innsending"))
    assert response.url.startswith(reverse("nda"))
    assert "Ny setning i versjon 2." in client_a.get(response.url).content.decode()
    client_a.post(reverse("nda"), {"accept": "on"})
    assert client_a.get(reverse("submissions:innsending")).status_code == 200
    assert employer_a.nda_acceptances.count() == 2


def test_staff_publish_a_new_version_in_the_admin(staff_client, client_a):
    response = staff_client.post(
        reverse("admin:accounts_ndaversion_add"), {"text": "Versjon to av erklæringen."}
    )
    assert response.status_code == 302
    assert current_nda_version().version == 2
    assert client_a.get(reverse("submissions:innsending")).url.startswith(reverse("nda"))
    assert AuditEvent.objects.filter(action="nda.published").exists()


def test_the_nda_page_never_redirects_off_site(fresh_client):
    response = fresh_client.post(reverse("nda"), {"accept": "on", "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")


def test_logout_works_before_the_nda(fresh_client):
    response = fresh_client.post(reverse("logout"))
    assert response.status_code == 302
    assert fresh_client.get(reverse("submissions:innsending")).url.startswith(reverse("login"))


def test_the_gate_costs_at_most_one_query_once_accepted(client_a, django_assert_max_num_queries):
    client_a.get(reverse("submissions:innsending"))
    from trekkportal.accounts.nda import nda_accepted

    class Request:
        pass

    request = Request()
    request.session = client_a.session
    request.session.get("prime the session cache")
    request.user = None
    with django_assert_max_num_queries(1):
        assert nda_accepted(request)


def test_the_nda_page_shows_no_company_switcher_or_tabs(fresh_client, company_a):
    html = fresh_client.get(reverse("nda")).content.decode()
    assert 'id="company-switch"' not in html
    assert company_a.name not in html
    assert "Logg ut" in html


def test_the_admins_list_of_versions_counts_acceptances_in_a_fixed_number_of_queries(
    staff_client, staff, employer_a, django_assert_max_num_queries
):
    url = reverse("admin:accounts_ndaversion_changelist")
    staff_client.get(url)
    with django_assert_max_num_queries(20) as one_version:
        staff_client.get(url)
    accepted = current_nda_version()
    for number in range(2, 7):  # older versions, each accepted by a user
        version = NdaVersion.objects.create(
            version=number, text=f"Versjon {number}.", published_at=accepted.published_at
        )
        NdaAcceptance.objects.create(user=employer_a, version=version)
    NdaVersion.objects.filter(pk=accepted.pk).update(published_at=timezone.now())

    with django_assert_max_num_queries(len(one_version.captured_queries)):
        response = staff_client.get(url)

    assert response.status_code == 200
