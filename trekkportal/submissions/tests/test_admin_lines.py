"""Union staff see a file's stored lines and problems in the admin: paged, identity numbers
masked, a fixed number of queries, audited; employers never reach them."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from tests.fixtures import submit_one_csv
from trekkportal.audit.models import AuditEvent
from trekkportal.lib.identity import mask_nin
from trekkportal.submissions.services import record_parse_result

from .test_parse_storage import nin, parsed_with


def lines_url(file, page=None):
    url = reverse("admin:submissions_submittedfile_lines", args=[file.pk])
    return url if page is None else f"{url}?p={page}"


def csv_url(file):
    return reverse("admin:submissions_submittedfile_lines_csv", args=[file.pk])


def stored_file(company, user, lines=250, errors=3):
    file = submit_one_csv(company, user)
    record_parse_result(submitted_file=file, parsed=parsed_with(lines, errors=errors))
    return file


def test_the_file_page_shows_the_columns_summary_and_a_link_to_the_lines(
    staff_client, employer_a, company_a
):
    file = stored_file(company_a, employer_a)

    response = staff_client.get(reverse("admin:submissions_submittedfile_change", args=[file.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "fødselsnummer: “Fødselsnummer”" in html
    assert "navn: “Navn”" in html
    assert lines_url(file) in html
    assert "250 rader, 3 med feil" in html


def test_the_submission_page_links_each_files_lines(staff_client, employer_a, company_a):
    file = stored_file(company_a, employer_a)

    response = staff_client.get(
        reverse("admin:submissions_submission_change", args=[file.submission_id])
    )

    assert lines_url(file) in response.content.decode()


def test_staff_see_the_lines_masked_a_hundred_a_page(staff_client, employer_a, company_a):
    file = stored_file(company_a, employer_a)

    first = staff_client.get(lines_url(file)).content.decode()
    last = staff_client.get(lines_url(file, 3)).content.decode()

    assert first.count('<tr class="line">') == 100
    assert last.count('<tr class="line">') == 50
    assert "Side 1 av 3" in first
    assert mask_nin(nin(0)) in first
    assert nin(0) not in first
    assert "Person 0" in first and "Person 200" in last
    assert "Beløpet -1\xa0234,50 er negativt." in first
    assert "612,14" in last


def test_the_lines_page_shows_problems_with_the_whole_file(staff_client, employer_a, company_a):
    from trekkportal.submissions.parsers import RowError

    file = submit_one_csv(company_a, employer_a)
    parsed = parsed_with(3)
    parsed.errors.append(
        RowError(None, "Trekk", "total_mismatch", {"declared": "2000.00", "computed": "1836.42"})
    )
    record_parse_result(submitted_file=file, parsed=parsed)

    html = staff_client.get(lines_url(file)).content.decode()

    assert "Feil i hele filen" in html
    assert "2\xa0000,00" in html and "1\xa0836,42" in html


def test_the_lines_page_uses_a_fixed_number_of_queries(
    staff_client, employer_a, company_a, django_assert_max_num_queries
):
    small = stored_file(company_a, employer_a, lines=5, errors=1)
    large = stored_file(company_a, employer_a, lines=450, errors=120)

    with django_assert_max_num_queries(25) as few:
        staff_client.get(lines_url(small))
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(lines_url(large, 2))


def test_viewing_lines_is_audited(staff_client, staff, employer_a, company_a):
    file = stored_file(company_a, employer_a)

    staff_client.get(lines_url(file, 2))

    event = AuditEvent.objects.get(action="submission.lines_viewed")
    assert event.actor_id == staff.pk
    assert event.data == {"page": 2}
    assert nin(0) not in str(event.data)


def test_an_employer_never_reaches_the_lines(client_a, employer_a, company_a):
    file = stored_file(company_a, employer_a)

    for url in (lines_url(file), csv_url(file)):
        response = client_a.get(url)
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login"))
    assert not AuditEvent.objects.filter(action__startswith="submission.lines_").exists()


def test_the_csv_export_has_full_numbers_neutralised_cells_and_is_audited(
    staff_client, employer_a, company_a
):
    file = submit_one_csv(company_a, employer_a)
    parsed = parsed_with(2)
    parsed.lines[1] = parsed.lines[1]._replace(name='=HYPERLINK("http://x")', employee_no="@1")
    record_parse_result(submitted_file=file, parsed=parsed)

    response = staff_client.get(csv_url(file))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, first, second = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert header[:2] == ["rad", "fødselsnummer"]
    assert first[1] == nin(0) and first[7] == "612,14"
    assert second[3] == '\'=HYPERLINK("http://x")'
    assert second[4] == "'@1"
    assert AuditEvent.objects.filter(action="submission.lines_exported").count() == 1
