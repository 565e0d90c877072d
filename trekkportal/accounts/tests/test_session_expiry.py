"""No work lost when a session runs out (docs/employer.md "No work lost", docs/security.md
C8): the warning's seconds and endpoint, and a form posted after expiry kept for the same
user only."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.fixtures import PASSWORD, log_in_client
from trekkportal.accounts.expiry import KEPT_FORM_KEY
from trekkportal.accounts.selectors import ACTIVE_COMPANY_SESSION_KEY
from trekkportal.lib.identity import make_valid_nin
from trekkportal.submissions.models import Submission
from trekkportal.submissions.tests.files import CSV, upload, xlsx

FORM = reverse("submissions:innsending")
STATUS = reverse("session_status")
START = "2026-03-02 08:00:00 +0000"
IDLE = settings.SESSION_IDLE_TIMEOUT


def log_in(client, email: str, **data):
    response = client.post(reverse("login"), {"login": email, "password": PASSWORD, **data})
    client.post(reverse("nda"), {"accept": "on"})  # the first time; later a no-op
    return response


def seconds_left(client) -> int:
    response = client.get(STATUS)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.json()["seconds_left"]


def post_form(client, *, files=(), **fields):
    data = {
        "period": "2026-02",
        "contact_email": "lonn@alfa.example",
        "comment": "",
        **fields,
    }
    return client.post(FORM, {**data, "files": list(files)})


# The warning ------------------------------------------------------------------------
def test_the_page_knows_the_seconds_left_and_carries_the_warning(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        clock.shift(30)  # under a minute: this request does not move the last-seen time
        html = client.get(FORM).content.decode()
    assert f'data-session-seconds-left="{IDLE - 30}"' in html
    assert 'data-session-warning-seconds="300"' in html
    assert 'role="alertdialog"' in html and 'aria-labelledby="session-warning-title"' in html
    assert "Forbli innlogget" in html and "Du blir snart logget ut" in html
    script = re.search(r'<script src="[^"]*session-warning\.js" nonce="([^"]+)"', html)
    assert script and script.group(1)


def test_the_login_page_has_no_warning(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "session-warning" not in html and "data-session-seconds-left" not in html


def test_asking_for_the_seconds_left_does_not_keep_the_session_alive(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        clock.shift(IDLE - 10 * 60)
        assert seconds_left(client) == 10 * 60
        clock.shift(9 * 60)
        assert seconds_left(client) == 60
        clock.shift(2 * 60)
        response = client.get(FORM)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_staying_logged_in_starts_the_idle_clock_again(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        clock.shift(IDLE - 4 * 60)
        response = client.post(STATUS)
        assert response.status_code == 200
        assert response.json() == {"seconds_left": IDLE}
        clock.shift(IDLE - 60)
        assert client.get(FORM).status_code == 200


def test_the_seconds_left_never_exceed_the_absolute_timeout(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        for _ in range(int(settings.SESSION_COOKIE_AGE // (20 * 60)) - 1):
            clock.shift(20 * 60)
            client.post(STATUS)
        assert client.post(STATUS).json()["seconds_left"] == 20 * 60


def test_staying_logged_in_needs_the_csrf_token(employer_a):
    client = log_in_client(Client(enforce_csrf_checks=True), employer_a)
    assert client.post(STATUS).status_code == 403


def test_the_receipt_polling_does_not_keep_the_session_alive(client, employer_a, company_a):
    from tests.fixtures import submit_one_csv

    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        submission = submit_one_csv(company_a, employer_a).submission
        status = reverse("submissions:receipt_status", args=[submission.pk])
        for _ in range(IDLE // 120):
            clock.shift(120)
            assert client.get(status).status_code == 200
        clock.shift(120)
        assert client.get(status).status_code == 302  # idle: the polling counted for nothing


# A form posted after expiry ----------------------------------------------------------------
def expire_while_the_form_is_open(client, user, *, company=None):
    """Log in with the password, open the form, then stay away past the idle timeout."""
    assert log_in(client, user.email).status_code == 302
    if company is not None:
        client.post(reverse("portal:switch_company"), {"company": company.pk, "next": "/"})
    assert client.get(FORM).status_code == 200
    return IDLE + 1


def test_a_form_posted_after_expiry_is_kept_and_the_login_explains_it(client, employer_a):
    nin = make_valid_nin(dt.date(1980, 1, 15), 123)
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        response = post_form(
            client,
            files=[upload("oktober.csv", CSV), upload("tillegg.xlsx", xlsx())],
            comment=f"Ola har fått nytt nummer {nin}",
            is_correction="on",
        )
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={FORM}"
        assert not Submission.objects.exists()
        kept = client.session[KEPT_FORM_KEY]
        assert nin not in str(kept) and "oktober.csv" in kept["files"]

        login_page = client.get(response.url).content.decode()
        assert "Du ble logget ut fordi du var inaktiv i 30 minutter." in login_page
        assert "det du fylte ut, er tatt vare på" in login_page

        after = log_in(client, employer_a.email, next=FORM)
        assert after.status_code == 302 and after.url == FORM
        html = client.get(FORM).content.decode()
    assert '<option value="2026-02" selected>' in html
    assert 'value="lonn@alfa.example"' in html
    assert f"Ola har fått nytt nummer {nin[:6]}*****" in html and nin not in html
    assert "filene må legges til på nytt: oktober.csv, tillegg.xlsx" in html
    assert KEPT_FORM_KEY not in client.session  # once
    again = client.get(FORM).content.decode()
    assert "legges til på nytt" not in again and "nytt nummer" not in again


def test_a_lost_next_still_leads_back_to_the_kept_form(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        post_form(client, comment="Se vedlegg")
        response = log_in(client, employer_a.email)  # no next, as after "Glemt passord"
        assert response.url == FORM
        html = client.get(FORM).content.decode()
    assert "Se vedlegg" in html
    assert "Det du fylte ut, er tatt vare på: se over og send på nytt." in html


def test_the_kept_form_returns_to_the_company_it_was_for(client, employer_a, company_c):
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a, company=company_c))
        post_form(client, comment="For bedrift C")
        log_in(client, employer_a.email)
        assert client.session[ACTIVE_COMPANY_SESSION_KEY] == company_c.pk
        assert "For bedrift C" in client.get(FORM).content.decode()


def test_another_user_logging_in_on_the_same_browser_gets_nothing_kept(
    client, employer_a, employer_b
):
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        post_form(client, comment="Hemmelig for bedrift A")
        response = log_in(client, employer_b.email)
        assert response.url != FORM
        html = client.get(FORM).content.decode()
    assert "Hemmelig for bedrift A" not in html, html[html.index("Hemmelig") - 300 :][:600]
    assert "legges til på nytt" not in html and "se over og send på nytt" not in html


def test_a_form_posted_after_the_session_ended_elsewhere_is_kept_too(client, employer_a):
    """The warning's own check (or another tab) ended the session; the form comes after."""
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        assert client.get(STATUS).status_code == 302  # this request ends the session
        response = post_form(client, comment="Kommer etterpå")
        assert response.url == f"{reverse('login')}?next={FORM}"
        assert client.session[KEPT_FORM_KEY]["data"]["comment"] == "Kommer etterpå"


def test_a_post_without_an_expired_session_keeps_nothing(client, db):
    response = post_form(client, comment="Fra ingen")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert KEPT_FORM_KEY not in client.session


def test_a_kept_form_is_forgotten_after_an_hour(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        post_form(client, comment="Gammelt")
        clock.shift(61 * 60)
        assert "inaktiv" not in client.get(reverse("login")).content.decode()
        log_in(client, employer_a.email)
        assert "Gammelt" not in client.get(FORM).content.decode()


def test_the_login_explains_the_absolute_timeout_too(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in(client, employer_a.email)
        for _ in range(12 * 3):
            clock.shift(20 * 60)
            client.get(reverse("portal:brev"))
        clock.shift(60)
        response = client.get(FORM)
        page = client.get(response.url).content.decode()
    assert "Du ble logget ut fordi det er mer enn 12 timer siden du logget inn." in page


@pytest.mark.django_db
def test_an_utrukne_answer_posted_after_expiry_is_kept(client, employer_a, company_a):
    from trekkportal.reconciliation.models import MissingDeduction
    from trekkportal.reconciliation.services import reconcile
    from trekkportal.reconciliation.tests.helpers import a_member, a_read_list, last_month

    period = last_month()
    a_member(company_a, name="Normann, Ola")
    a_read_list(company_a, employer_a, period, [])
    reconcile(period=period, company=company_a)
    missing = MissingDeduction.objects.get()
    prefix = f"u{missing.pk}"
    utrukne = reverse("portal:utrukne")
    with time_machine.travel(time.time(), tick=False) as clock:
        assert log_in(client, employer_a.email).status_code == 302
        client.get(utrukne)
        clock.shift(IDLE + 1)
        response = client.post(
            reverse("reconciliation:answer", args=[missing.pk]),
            {f"{prefix}-status": "other", f"{prefix}-comment": "Sluttet i januar"},
        )
        assert response.url == f"{reverse('login')}?next={utrukne}"
        assert log_in(client, employer_a.email).url == utrukne
        html = client.get(utrukne).content.decode()
    assert 'value="Sluttet i januar"' in html
    assert re.search(r'<option value="other" selected>', html)
    missing.refresh_from_db()
    assert missing.status != "other"  # nothing was sent: the employer sends it again


def test_a_forgotten_password_on_the_way_back_still_leads_to_the_kept_form(client, employer_a):
    from .helpers import NEW_PASSWORD, code_from_outbox, request_code, submit_code

    with time_machine.travel(START, tick=False) as clock:
        clock.shift(expire_while_the_form_is_open(client, employer_a))
        post_form(client, comment="Etter nytt passord")
        request_code(client, employer_a.email, flow="password_forgotten")
        submit_code(client, code_from_outbox(), flow="password_forgotten")
        response = client.post(
            reverse("login"), {"login": employer_a.email, "password": NEW_PASSWORD}
        )
        assert response.url == FORM
        assert "Etter nytt passord" in client.get(FORM).content.decode()


def test_the_seconds_left_are_rounded_up_so_the_page_never_says_ended_too_early(client, employer_a):
    with time_machine.travel(START, tick=False) as clock:
        log_in_client(client, employer_a)
        clock.shift(IDLE - 0.4)  # the portal still takes a request for 0.4 s
        assert seconds_left(client) == 1
        assert client.get(FORM).status_code == 200
