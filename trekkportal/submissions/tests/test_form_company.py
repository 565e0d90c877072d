"""A list is filed under the company the form was opened for, never silently under
another one after a company switch in a second tab (tenant isolation, D2/D3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from trekkportal.lib.periods import Period
from trekkportal.submissions.models import Submission

from .files import CSV, upload

URL = "/innsending/"

pytestmark = pytest.mark.django_db


def open_form(client) -> str:
    return str(client.get(URL).context["form"].initial["idempotency_key"])


def send(client, key: str):
    return client.post(
        URL,
        {
            "contact_email": "lonn@alfa.example",
            "period": Period.of(dt.date.today()).iso,
            "comment": "",
            "idempotency_key": key,
            "files": [upload("liste.csv", CSV)],
        },
    )


def switch(client, company):
    client.post(reverse("portal:switch_company"), {"company": company.pk})


def test_a_form_opened_for_one_company_is_not_filed_under_another(client_a, company_a, company_c):
    key = open_form(client_a)  # opened while working for company A
    switch(client_a, company_c)  # in another tab

    response = send(client_a, key)

    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:innsending")
    assert not Submission.objects.exists()
    html = client_a.get(response["Location"]).content.decode()
    assert "ingenting ble sendt" in html
    assert company_c.name in html


def test_a_form_opened_after_the_switch_is_filed_under_the_new_company(
    client_a, company_a, company_c
):
    open_form(client_a)
    switch(client_a, company_c)
    key = open_form(client_a)

    response = send(client_a, key)

    assert response.status_code == 302
    assert Submission.objects.get().company == company_c


def test_a_form_opened_for_a_company_whose_access_was_revoked_is_refused(
    client_a, employer_a, company_a, company_c
):
    from trekkportal.accounts.services import revoke_access

    switch(client_a, company_c)
    key = open_form(client_a)
    revoke_access(user=employer_a, company=company_c)

    send(client_a, key)

    assert not Submission.objects.exists()
