"""The way in: after login and TOTP union staff land on the back office, and an address
they were sent to (``next``) survives the second factor and the NDA."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from tests.fixtures import PASSWORD
from trekkportal.accounts.tests.test_login import TOTP_SECRET, totp_now


def log_in_with_totp(client, staff, next_url: str = ""):
    TOTP.activate(staff, TOTP_SECRET)
    data = {"login": staff.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.url == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    response = client.get(response.url)  # the NDA gate, first
    assert response.url.startswith(reverse("nda"))
    nda = client.get(response.url)
    return client.post(response.url, {"accept": "on", "next": nda.context["next"]})


def test_staff_land_on_the_back_office_after_login_and_totp(client, staff):
    response = log_in_with_totp(client, staff)
    assert response.url == reverse("backoffice:overview")
    assert client.get(response.url).status_code == 200


def test_the_next_address_survives_the_second_factor(client, staff, company_a):
    wanted = reverse("backoffice:company", args=[company_a.pk])
    response = log_in_with_totp(client, staff, next_url=wanted)
    assert response.url == wanted
    assert client.get(wanted).status_code == 200


def test_the_second_factor_page_is_the_portals_own_form_in_norwegian(client, staff):
    TOTP.activate(staff, TOTP_SECRET)
    client.post(reverse("login"), {"login": staff.email, "password": PASSWORD})
    page = client.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
    assert '<label for="id_code">Kode fra autentiseringsappen</label>' in page
    assert 'aria-invalid="true"' in page
    assert 'class="card card--narrow"' in page
