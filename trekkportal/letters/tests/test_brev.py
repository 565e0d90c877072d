""" "Brev fra forbundet": the company's letters of the last six months, and downloads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from trekkportal.audit.models import AuditEvent
from trekkportal.letters.models import Letter

from .helpers import SUBJECT, letter_pdf, make_letter

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)
URL = "/brev/"


def at(year, month, day, hour=12, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def download_url(letter):
    return f"/brev/{letter.pk}/last-ned/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def rows(response):
    """The table's rows as (Opprettet, Tidligere nedlastet?, Emne) in bokmål."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    result = []
    for row in body.split("<tr>")[1:]:
        cells = [cell.split("</td>", 1)[0] for cell in row.split("<td>")[1:]]
        subject = cells[2].split(">", 1)[1].split("</a>", 1)[0]
        result.append((cells[0], cells[1], subject))
    return result


def test_it_lists_the_companys_letters_newest_first_with_the_seeds_columns(
    frozen, client_a, company_a
):
    make_letter(company_a, created=at(2026, 10, 7), subject="Utmeldte / overflytting av medlemmer")
    make_letter(company_a, created=at(2026, 11, 13))
    make_letter(company_a, created=at(2026, 9, 21))

    response = client_a.get(URL)

    html = response.content.decode()
    assert "Brev er tilgjengelige i seks måneder fra de ble opprettet." in html
    assert '<th scope="col">Opprettet</th>' in html
    assert '<th scope="col">Tidligere nedlastet?</th>' in html
    assert '<th scope="col">Emne</th>' in html
    assert rows(response) == [
        ("13.11.2026", "Nei", SUBJECT),
        ("07.10.2026", "Nei", "Utmeldte / overflytting av medlemmer"),
        ("21.09.2026", "Nei", SUBJECT),
    ]


def test_an_empty_tab_says_so_plainly(frozen, client_a):
    response = client_a.get(URL)

    assert response.status_code == 200
    assert "Det er ingen brev til denne bedriften." in response.content.decode()
    assert "<table" not in response.content.decode()


def test_it_shows_neither_other_companies_letters_nor_drafts(
    frozen, client_a, company_a, company_b
):
    make_letter(company_b, created=at(2026, 11, 1), subject="Til Beta")
    make_letter(company_a, created=at(2026, 11, 1), subject="Utkast", published=False)

    html = client_a.get(URL).content.decode()

    assert "Til Beta" not in html and "Utkast" not in html


def test_the_subject_downloads_the_same_bytes_as_an_audited_safe_attachment(
    frozen, client_a, company_a, employer_a
):
    data = letter_pdf("Akkurat disse bytene")
    letter = make_letter(company_a, created=at(2026, 11, 1), data=data)

    response = client_a.get(download_url(letter))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="brev-2026-11-01-{letter.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="letter.downloaded")
    assert event.actor == employer_a and event.company == company_a
    assert event.object_id == str(letter.pk)


def test_it_refuses_another_companys_letter_with_404_and_logs_it(frozen, client_a, company_b):
    letter = make_letter(company_b, created=at(2026, 11, 1))

    response = client_a.get(download_url(letter))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.refused", data__letter=letter.pk).exists()
    letter.refresh_from_db()
    assert letter.first_downloaded_at is None


def test_a_draft_cannot_be_downloaded_by_the_company(frozen, client_a, company_a):
    letter = make_letter(company_a, created=at(2026, 11, 1), published=False)

    assert client_a.get(download_url(letter)).status_code == 404


def test_downloaded_turns_ja_for_every_user_of_the_company_not_per_user(
    frozen, client_a, company_a, company_b, client_b, employer_b
):
    from django.test import Client

    from tests.fixtures import log_in_client
    from trekkportal.accounts.models import CompanyAccess, User

    colleague = User.objects.create_user("ola@alfa.example", "a-long-test-passphrase-2026")
    CompanyAccess.objects.create(user=colleague, company=company_a)
    colleague_client = log_in_client(Client(), colleague)
    ours = make_letter(company_a, created=at(2026, 11, 2))
    theirs = make_letter(company_b, created=at(2026, 11, 2))

    assert rows(colleague_client.get(URL))[0][1] == "Nei"
    client_a.get(download_url(ours))

    assert rows(colleague_client.get(URL))[0][1] == "Ja"
    assert rows(client_a.get(URL))[0][1] == "Ja"
    assert rows(client_b.get(URL))[0][1] == "Nei"
    theirs.refresh_from_db()
    assert theirs.first_downloaded_at is None


def test_a_second_download_keeps_the_first_download_time(frozen, client_a, company_a):
    letter = make_letter(company_a, created=at(2026, 11, 2))
    client_a.get(download_url(letter))
    first = Letter.objects.get(pk=letter.pk).first_downloaded_at

    frozen.shift(dt.timedelta(days=2))
    client_a.get(download_url(letter))

    assert Letter.objects.get(pk=letter.pk).first_downloaded_at == first


def oslo(year, month, day, hour=12, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo("Europe/Oslo"))


# Six calendar months on Norwegian clocks: 1 May 12:00 (summer time) to 1 November 12:00.
@pytest.mark.parametrize(
    ("now", "visible"),
    [
        (oslo(2026, 11, 1, 11, 59, 59), True),  # one second before six months
        (oslo(2026, 11, 1, 12, 0, 0), True),  # exactly six months: not older yet
        (oslo(2026, 11, 1, 12, 0, 1), False),  # one second after
    ],
)
def test_a_letter_is_gone_after_six_months_in_the_list_and_the_download(
    client_a, company_a, now, visible
):
    letter = make_letter(company_a, created=oslo(2026, 5, 1, 12))

    with time_machine.travel(now, tick=False):
        listed = SUBJECT in client_a.get(URL).content.decode()
        status = client_a.get(download_url(letter)).status_code

    assert listed is visible
    assert status == (200 if visible else 404)


def test_after_the_purge_the_expired_letter_stays_gone(client_a, company_a):
    from trekkportal.letters.retention import purge_expired

    letter = make_letter(company_a, created=at(2026, 5, 1, 12))
    with time_machine.travel(at(2026, 11, 2), tick=False):
        purge_expired()
        assert client_a.get(download_url(letter)).status_code == 404
        assert SUBJECT not in client_a.get(URL).content.decode()
    assert not default_storage.exists(letter.storage_name)


def test_the_list_pages_with_a_fixed_number_of_queries(
    frozen, client_a, company_a, django_assert_num_queries
):
    for day in range(1, 4):
        make_letter(company_a, created=at(2026, 11, day))
    client_a.get(URL)  # warm the session and the translations

    with django_assert_num_queries(QUERIES) as few:
        client_a.get(URL)
    for day in range(4, 30):
        make_letter(company_a, created=at(2026, 10, day))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client_a.get(URL)
    assert len(rows(response)) == 25
    assert "Side 1 av 2" in response.content.decode()
    page_two = client_a.get(URL + "?side=2")
    assert len(rows(page_two)) == 4


QUERIES = 7  # session, user, NDA, company access (2), count, page
