""" "Innsendte lister det siste året": the company's history, and the receipt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from trekkportal.submissions.models import Submission, SubmittedFile

URL = "/innsendte/"


pytestmark = pytest.mark.usefixtures("frozen_now")


def make_submission(company, *, submitted, period, names=("liste.xlsx",), comment=""):
    submission = Submission.objects.create(
        company=company,
        period=period,
        contact_email="lonn@example.no",
        comment=comment,
        submitted_at=submitted,
    )
    for position, name in enumerate(names):
        SubmittedFile.objects.create(
            submission=submission,
            position=position,
            original_name=name,
            storage_name=f"submissions/{submission.pk}-{position}.xlsx",
            kind="xlsx",
            size=100,
            sha256="0" * 64,
        )
    return submission


def at(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def test_it_lists_the_last_years_submissions_newest_first(client_a, company_a):
    make_submission(company_a, submitted=at(2026, 9, 8), period=dt.date(2026, 5, 1))
    make_submission(
        company_a,
        submitted=at(2026, 10, 14),
        period=dt.date(2026, 10, 1),
        names=("okt-del1.xlsx", "okt-del2.csv"),
        comment="To filer",
    )
    make_submission(company_a, submitted=at(2025, 11, 19), period=dt.date(2025, 10, 1))

    response = client_a.get(URL)
    html = response.content.decode()
    rows = list(response.context["page"].object_list)
    assert [(s.submitted_at.date(), s.period_value.mmyy) for s in rows] == [
        (dt.date(2026, 10, 14), "1026"),
        (dt.date(2026, 9, 8), "0526"),
    ]
    assert '<th scope="col">Innsendt</th>' in html
    assert '<th scope="col">Periode</th>' in html
    assert html.index("14.10.2026") < html.index("08.09.2026")
    assert (
        '<td data-label="Periode">1026</td>' in html
        and '<td data-label="Periode">0526</td>' in html
    )
    assert "okt-del1.xlsx" in html and "okt-del2.csv" in html and "To filer" in html
    assert "19.11.2025" not in html  # more than a year ago


def test_it_shows_each_submission_of_a_period(client_a, company_a):
    make_submission(company_a, submitted=at(2026, 10, 14), period=dt.date(2026, 10, 1))
    make_submission(company_a, submitted=at(2026, 10, 16), period=dt.date(2026, 10, 1))
    html = client_a.get(URL).content.decode()
    assert html.count('<td data-label="Periode">1026</td>') == 2


def test_it_never_offers_a_download_to_employers(client_a, company_a):
    submission = make_submission(company_a, submitted=at(2026, 10, 14), period=dt.date(2026, 10, 1))
    html = client_a.get(URL).content.decode()
    assert "download" not in html.lower() and "last ned" not in html.lower()
    assert submission.files.get().storage_name not in html
    admin_url = reverse(
        "admin:submissions_submittedfile_download", args=[submission.files.get().pk]
    )
    assert admin_url not in html
    assert client_a.get(admin_url, follow=True).status_code == 404  # the admin is not theirs


def test_it_shows_only_the_active_companys_submissions(client_a, company_a, company_b, company_c):
    make_submission(company_a, submitted=at(2026, 10, 14), period=dt.date(2026, 10, 1))
    make_submission(
        company_b, submitted=at(2026, 10, 15), period=dt.date(2026, 9, 1), names=("beta.xlsx",)
    )
    make_submission(
        company_c, submitted=at(2026, 10, 16), period=dt.date(2026, 8, 1), names=("gamma.xlsx",)
    )
    html = client_a.get(URL).content.decode()
    assert "beta.xlsx" not in html and "gamma.xlsx" not in html
    assert '<td data-label="Periode">1026</td>' in html


def test_it_shows_an_empty_state(client_a):
    html = client_a.get(URL).content.decode()
    assert "Alfa Offshore AS" in html
    assert 'class="empty-state"' in html


def test_it_uses_a_fixed_number_of_queries(client_a, company_a, django_assert_max_num_queries):
    client_a.get(URL)  # warm the session and caches
    for day in range(1, 4):
        make_submission(company_a, submitted=at(2026, 10, day), period=dt.date(2026, 9, 1))
    with django_assert_max_num_queries(12) as few:
        client_a.get(URL)
    for day in range(4, 24):
        make_submission(
            company_a,
            submitted=at(2026, 10, day),
            period=dt.date(2026, 9, 1),
            names=("a.xlsx", "b.csv", "c.pdf"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_a.get(URL)


def test_it_paginates(client_a, company_a):
    for day in range(1, 28):
        make_submission(company_a, submitted=at(2026, 10, day), period=dt.date(2026, 9, 1))
    first = client_a.get(URL)
    assert len(first.context["page"].object_list) == 25
    assert "?side=2" in first.content.decode()
    second = client_a.get(URL, {"side": 2})
    assert [s.submitted_at.day for s in second.context["page"].object_list] == [2, 1]


def test_the_receipt_shows_the_parse_summary_when_there_is_one(client_a, company_a):
    submission = make_submission(company_a, submitted=at(2026, 10, 14), period=dt.date(2026, 10, 1))
    SubmittedFile.objects.filter(submission=submission).update(
        state=SubmittedFile.State.DONE, rows=120, valid_rows=118, invalid_rows=2, total_amount=75600
    )
    html = client_a.get(reverse("submissions:receipt", args=[submission.pk])).content.decode()
    assert "120 rader lest" in html
    assert "75\xa0600,00" in html or "75 600,00" in html
    assert "2 feil funnet" in html
