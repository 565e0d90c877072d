"""A form posted without a valid CSRF token (C7): refused with our page, in Norwegian."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures import log_in_client

pytestmark = pytest.mark.django_db


def test_a_login_without_a_csrf_token_gets_the_portals_page(employer_a):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"login": employer_a.email, "password": "x"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "Siden er utløpt" in html and "last inn siden på nytt" in html
    assert 'class="site-header"' in html  # the portal's frame, not Django's technical page
    assert "<style" not in html  # which our CSP would block
    assert "CSRF" not in html  # no technical reason shown


def test_a_logged_in_post_without_a_token_changes_nothing(employer_a, company_c):
    client = Client(enforce_csrf_checks=True)
    log_in_client(client, employer_a)

    response = client.post(reverse("portal:switch_company"), {"company": company_c.pk})

    assert response.status_code == 403
    assert "Siden er utløpt" in response.content.decode()
    assert "active_company_id" not in client.session
