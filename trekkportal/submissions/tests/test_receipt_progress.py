"""Receipts that finish by themselves: the JSON status the receipt's script polls, the
receipt e-mail sent once the files are read, and a second list for a period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from trekkportal.jobs.worker import run_pending
from trekkportal.lib.periods import Period
from trekkportal.mail.models import OutboxMessage
from trekkportal.submissions.models import Submission, SubmittedFile
from trekkportal.submissions.services import submit_list

from .files import CSV, upload

pytestmark = pytest.mark.django_db

THIS_MONTH = Period.of(dt.date.today())


def submit(company, user, *files, **kwargs):
    return submit_list(
        company=company,
        period=kwargs.pop("period", THIS_MONTH),
        files=list(files) or [upload("liste.csv", CSV)],
        comment="",
        contact_email=user.email,
        acting_user=user,
        **kwargs,
    )


def status_of(client, submission):
    response = client.get(reverse("submissions:receipt_status", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.json()


# The status the receipt polls ----------------------------------------------------------


def test_the_status_says_each_file_is_being_read_then_finished(client_a, company_a, employer_a):
    submission = submit(company_a, employer_a)
    status = status_of(client_a, submission)
    assert status["finished"] is False
    assert [f["state"] for f in status["files"]] == ["received"]
    assert status["files"][0]["label"] == "Mottatt"

    run_pending()
    status = status_of(client_a, submission)
    assert status["finished"] is True
    assert status["files"][0] | {"id": None} == {
        "id": None,
        "state": "done",
        "label": "Ferdig",
        "rows": 1,
        "invalid": 1,  # the sample's number is made up
    }


def test_the_status_holds_no_names_or_identity_numbers(client_a, company_a, employer_a):
    submission = submit(company_a, employer_a)
    run_pending()
    body = client_a.get(reverse("submissions:receipt_status", args=[submission.pk])).content
    assert b"15018012345" not in body and b"Ola" not in body and b"liste.csv" not in body


def test_the_status_of_another_companys_submission_is_refused(client_b, company_a, employer_a):
    submission = submit(company_a, employer_a)
    response = client_b.get(reverse("submissions:receipt_status", args=[submission.pk]))
    assert response.status_code == 404


def test_the_receipt_loads_its_script_under_the_nonce_and_keeps_the_refresh_link(
    client_a, company_a, employer_a
):
    submission = submit(company_a, employer_a)
    response = client_a.get(reverse("submissions:receipt", args=[submission.pk]))
    html = response.content.decode()
    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/js/receipt-progress.js" nonce="{nonce}"' in html
    assert reverse("submissions:receipt_status", args=[submission.pk]) in html
    assert ">Oppdater</a>" in html


def test_a_finished_receipt_polls_no_more(client_a, company_a, employer_a):
    submission = submit(company_a, employer_a)
    run_pending()
    html = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert "receipt-progress.js" not in html
    assert "Oppdater" not in html


# The receipt e-mail ----------------------------------------------------------------------


def test_no_receipt_is_sent_before_the_files_are_read(company_a, employer_a):
    submit(company_a, employer_a)
    assert not OutboxMessage.objects.exists()


def test_the_receipt_is_sent_once_every_file_is_read_and_says_so(company_a, employer_a):
    submission = submit(company_a, employer_a, upload("a.csv", CSV), upload("b.csv", CSV))
    run_pending()

    message = OutboxMessage.objects.get()
    assert message.template_name == "submission_receipt"
    assert "Innholdet i filene er lest." in message.body_text
    assert reverse("submissions:receipt", args=[submission.pk]) in message.body_text
    submission.refresh_from_db()
    assert submission.receipt_sent_at is not None


def test_the_receipt_says_how_many_files_could_not_be_read(company_a, employer_a):
    submit(company_a, employer_a, upload("a.csv", CSV), upload("tull.txt", b"hei og hopp\r\n"))
    run_pending()

    message = OutboxMessage.objects.get()
    assert "1 fil kunne ikke leses automatisk" in message.body_text
    assert "tull.txt" not in message.body_text


def test_the_receipt_waits_for_the_last_file(company_a, employer_a):
    from trekkportal.submissions.parsers import ParseFailure
    from trekkportal.submissions.services import record_parse_result

    submission = submit(company_a, employer_a, upload("a.csv", CSV), upload("b.csv", CSV))
    first, second = submission.files.order_by("position")
    record_parse_result(submitted_file=first, parsed=ParseFailure("corrupt"))
    assert not OutboxMessage.objects.exists()
    record_parse_result(submitted_file=second, parsed=ParseFailure("corrupt"))
    assert OutboxMessage.objects.count() == 1
    assert "2 filer kunne ikke leses automatisk" in OutboxMessage.objects.get().body_text


def test_reading_a_file_again_sends_no_second_receipt(company_a, employer_a):
    from trekkportal.submissions.parsers import ParseFailure
    from trekkportal.submissions.services import record_parse_result

    submission = submit(company_a, employer_a)
    run_pending()
    record_parse_result(submitted_file=submission.files.get(), parsed=ParseFailure("corrupt"))
    assert OutboxMessage.objects.count() == 1


def test_the_receipt_page_says_when_the_receipt_will_be_sent(client_a, company_a, employer_a):
    submission = submit(company_a, employer_a)
    url = reverse("submissions:receipt", args=[submission.pk])
    assert "når filene er lest" in client_a.get(url).content.decode()
    run_pending()
    assert "En kvittering er sendt til" in client_a.get(url).content.decode()


# A second list for a period ----------------------------------------------------------------


def test_the_form_shows_when_a_list_for_a_period_was_sent(client_a, company_a, employer_a):
    submit(company_a, employer_a)
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    sent_on = dt.date.today().strftime("%d.%m.%Y")
    assert "Lister du allerede har sendt:" in html
    assert f"sendt {sent_on}" in html
    assert 'id="earlier-submissions"' in html
    assert f'"period": "{THIS_MONTH.iso}"' in html
    assert "Listen er en rettelse av en liste som er sendt før for samme periode" in html


def test_a_company_without_earlier_lists_is_not_asked(client_a):
    html = client_a.get(reverse("submissions:innsending")).content.decode()
    assert "earlier-submissions" not in html
    assert "rettelse" not in html


def test_another_companys_lists_are_not_shown(client_b, company_a, employer_a):
    submit(company_a, employer_a)
    assert (
        "earlier-submissions"
        not in client_b.get(reverse("submissions:innsending")).content.decode()
    )


def test_a_correction_is_stored_and_marked_in_the_history(client_a, company_a, employer_a):
    submit(company_a, employer_a)
    response = client_a.post(
        reverse("submissions:innsending"),
        {
            "contact_email": employer_a.email,
            "period": THIS_MONTH.iso,
            "is_correction": "on",
            "files": [upload("rettet.csv", CSV)],
        },
    )
    assert response.status_code == 302
    corrected = Submission.objects.get(files__original_name="rettet.csv")
    assert corrected.is_correction
    html = client_a.get(reverse("submissions:innsendte")).content.decode()
    assert html.count("Rettelse") == 1


def test_a_tick_for_a_period_with_no_list_yet_makes_no_correction(client_a, company_a, employer_a):
    """Without JavaScript the box is offered for every period: ticked for a month not sent
    before, there is nothing to correct."""
    submit(company_a, employer_a)
    response = client_a.post(
        reverse("submissions:innsending"),
        {
            "contact_email": employer_a.email,
            "period": THIS_MONTH.previous().iso,
            "is_correction": "on",
            "files": [upload("forrige.csv", CSV)],
        },
    )
    assert response.status_code == 302
    assert not Submission.objects.get(files__original_name="forrige.csv").is_correction
    assert "Rettelse" not in client_a.get(reverse("submissions:innsendte")).content.decode()


def test_the_form_for_the_earlier_periods_uses_one_query(
    client_a, company_a, employer_a, django_assert_num_queries
):
    from trekkportal.submissions.selectors import earlier_submissions_by_period

    for _ in range(3):
        submit(company_a, employer_a)
    with django_assert_num_queries(1):
        earlier = earlier_submissions_by_period(company_a)
    assert list(earlier) == [THIS_MONTH.iso]
    assert SubmittedFile.objects.count() == 3
