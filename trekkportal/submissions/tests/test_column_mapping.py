"""When the portal cannot tell which column is which, the employer can: on the receipt,
for their own company's files only, audited, remembered for the next list of that shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from trekkportal.audit.models import AuditEvent
from trekkportal.jobs.worker import run_pending
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.periods import Period
from trekkportal.submissions.models import ColumnMapping, SubmittedFile
from trekkportal.submissions.services import submit_list

from .files import upload

pytestmark = pytest.mark.django_db

ASE = make_valid_nin(dt.date(1980, 5, 17))
KARI = make_valid_nin(dt.date(1990, 2, 8))
# "Avgift LO" is no name the portal knows for the amount deducted.
UNKNOWN_AMOUNT = (
    f"Fødselsnummer;Navn;Avgift LO\n{ASE};Åse Ørn;612,50\n{KARI};Kari Nordmann;540,00\n"
).encode()
CHOICE = {"nin": "0", "name": "1", "amount": "2"}


def submit(company, user, data=UNKNOWN_AMOUNT):
    submission = submit_list(
        company=company,
        period=Period.of(dt.date.today()),
        files=[upload("lonn.csv", data)],
        comment="",
        contact_email=user.email,
        acting_user=user,
    )
    run_pending()
    return submission, submission.files.get()


def choose_url(submitted_file):
    return reverse(
        "submissions:choose_columns",
        kwargs={"pk": submitted_file.submission_id, "file_pk": submitted_file.pk},
    )


def test_the_receipt_says_which_column_is_missing_and_shows_the_first_rows_masked(
    client_a, company_a, employer_a
):
    submission, submitted_file = submit(company_a, employer_a)
    assert submitted_file.state == SubmittedFile.State.FAILED

    page = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert "Listen har ingen kolonne for trukket beløp" in page
    assert "Hvilken kolonne er hva i lonn.csv?" in page
    assert "C: Avgift LO" in page
    assert ASE[:6] + "*****" in page
    assert ASE not in page
    assert f'action="{choose_url(submitted_file)}"' in page
    assert f'<label for="id_f{submitted_file.pk}_amount">' in page


def test_choosing_the_columns_reads_the_file_again_and_the_receipt_shows_the_figures(
    client_a, company_a, employer_a
):
    submission, submitted_file = submit(company_a, employer_a)

    response = client_a.post(choose_url(submitted_file), CHOICE)
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:receipt", args=[submission.pk])
    run_pending()

    submitted_file.refresh_from_db()
    assert submitted_file.state == SubmittedFile.State.DONE
    assert (submitted_file.valid_rows, str(submitted_file.total_amount)) == (2, "1152.50")
    page = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert "2 rader lest" in page
    assert "1\xa0152,50" in page or "1 152,50" in page
    assert "Kolonnene du valgte for lonn.csv" in page


def test_the_choice_is_audited(client_a, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)
    client_a.post(choose_url(submitted_file), CHOICE)

    event = AuditEvent.objects.get(action="submission.columns_chosen")
    assert (event.actor, event.company) == (employer_a, company_a)
    assert event.object_id == str(submitted_file.pk)
    assert event.data["columns"] == {"nin": 0, "name": 1, "amount": 2}


def test_the_choice_is_remembered_for_the_companys_next_list_of_the_same_shape(
    client_a, company_a, employer_a
):
    _submission, first = submit(company_a, employer_a)
    client_a.post(choose_url(first), CHOICE)
    run_pending()

    _submission, next_month = submit(company_a, employer_a)
    assert next_month.state == SubmittedFile.State.DONE
    assert next_month.valid_rows == 2
    assert next_month.column_mapping == ColumnMapping.objects.get(company=company_a)


def test_another_company_does_not_get_the_choice(
    client_a, company_a, employer_a, company_b, employer_b
):
    _submission, first = submit(company_a, employer_a)
    client_a.post(choose_url(first), CHOICE)

    _submission, theirs = submit(company_b, employer_b)
    assert theirs.state == SubmittedFile.State.FAILED


def test_it_refuses_another_companys_file(client_b, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)

    response = client_b.post(choose_url(submitted_file), CHOICE)
    assert response.status_code == 404
    assert not ColumnMapping.objects.exists()
    submitted_file.refresh_from_db()
    assert submitted_file.state == SubmittedFile.State.FAILED
    assert AuditEvent.objects.filter(action="access.refused").exists()


def test_a_file_of_another_submission_is_refused_under_this_ones_address(
    client_a, company_a, employer_a
):
    first, _file = submit(company_a, employer_a)
    _second, other_file = submit(company_a, employer_a)
    url = reverse("submissions:choose_columns", kwargs={"pk": first.pk, "file_pk": other_file.pk})
    assert client_a.post(url, CHOICE).status_code == 404


def test_a_choice_without_an_amount_is_refused_with_a_reason(client_a, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)

    response = client_a.post(choose_url(submitted_file), {"nin": "0", "name": "1"})
    assert response.status_code == 400
    assert "Velg kolonnen med trukket beløp." in response.content.decode()
    assert not ColumnMapping.objects.exists()


def test_a_column_chosen_twice_is_refused(client_a, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)

    response = client_a.post(choose_url(submitted_file), {"nin": "0", "name": "0", "amount": "2"})
    assert response.status_code == 400
    assert not ColumnMapping.objects.exists()


def test_a_column_the_file_does_not_have_is_refused(client_a, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)

    response = client_a.post(choose_url(submitted_file), {**CHOICE, "amount": "7"})
    assert response.status_code == 400
    assert not ColumnMapping.objects.exists()


def test_a_file_read_by_its_headers_offers_no_choice(client_a, company_a, employer_a):
    data = f"Fødselsnummer;Navn;Trekk\n{ASE};Åse Ørn;612,50\n".encode()
    submission, submitted_file = submit(company_a, employer_a, data)
    assert submitted_file.preview == {}

    page = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert "choose_columns" not in page and "/kolonner/" not in page
    assert client_a.post(choose_url(submitted_file), CHOICE).status_code == 400


def test_staff_see_what_the_employer_chose(client_a, staff_client, company_a, employer_a):
    _submission, submitted_file = submit(company_a, employer_a)
    client_a.post(choose_url(submitted_file), CHOICE)
    run_pending()

    page = staff_client.get(
        reverse("admin:submissions_submittedfile_change", args=[submitted_file.pk])
    ).content.decode()
    assert "Avgift LO" in page
    assert employer_a.email in page
    listing = staff_client.get(reverse("admin:submissions_columnmapping_changelist"))
    assert listing.status_code == 200
    assert company_a.name in listing.content.decode()
