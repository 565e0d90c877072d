"""A file's parse result (lines and problems) is stored whole or not at all (E8), and the
employer's receipt shows the first problems so they can fix their file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from tests.fixtures import submit_one_csv
from trekkportal.lib.identity import make_valid_nin, mask_nin
from trekkportal.lib.nincrypt import decrypt_nin, nin_hash
from trekkportal.lib.periods import Period
from trekkportal.submissions.bulk import BATCH, LINE_COLUMNS
from trekkportal.submissions.models import LINE_FIELDS, DeductionLine, ParseIssue, SubmittedFile
from trekkportal.submissions.parsers import Line, ParsedList, RowError, Totals, parse
from trekkportal.submissions.parsers.model import LineColumns
from trekkportal.submissions.services import record_parse_result, submit_list

from .files import CSV, upload


def nin(i: int) -> str:
    return make_valid_nin(dt.date(1960, 1, 1) + dt.timedelta(days=i), 100 + i % 300)


def csv_list(rows: int, *, broken_row: int | None = None) -> bytes:
    """A semicolon list with a header in row 1; ``broken_row`` (file row) has no amount."""
    lines = ["Fødselsnummer;Navn;Ansattnr;Trekk"]
    for file_row in range(2, rows + 2):
        amount = "" if file_row == broken_row else "612,14"
        lines.append(f"{nin(file_row)};Person {file_row}, Test;{file_row};{amount}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def parsed_with(lines: int, *, errors: int = 0) -> ParsedList:
    """A ParsedList built in memory: ``errors`` of the lines are invalid (negative amount)."""
    made, problems = [], []
    for i in range(lines):
        row = i + 2
        ok = i >= errors
        made.append(
            Line(
                row=row,
                nin=nin(i),
                name=f"Person {i}",
                amount_ore=61_214 if ok else -123_450,
                period="2026-10",
                ok=ok,
            )
        )
        if not ok:
            problems.append(RowError(row, "Trekk", "amount_negative", {"value": "-1234.50"}))
    return ParsedList(
        format="xlsx",
        columns={"nin": "Fødselsnummer", "name": "Navn", "amount": "Trekk"},
        lines=made,
        errors=problems,
        totals=Totals(rows=lines, valid=lines - errors, invalid=errors, amount_ore=61_214),
    )


def test_an_error_in_row_4999_of_5000_stores_the_whole_result_with_one_problem(
    employer_a, company_a
):
    file = submit_one_csv(company_a, employer_a)
    result = parse(csv_list(5000, broken_row=4999), "liste.csv")

    record_parse_result(submitted_file=file, parsed=result)

    file.refresh_from_db()
    assert (file.state, file.rows, file.valid_rows, file.invalid_rows) == ("done", 5000, 4999, 1)
    assert file.lines.count() == 5000
    assert file.lines.filter(valid=False).get().row == 4999
    issue = file.issues.get()
    assert (issue.row, issue.column, issue.code) == (4999, "Trekk", "amount_missing")
    assert issue.message == "Beløpet mangler."
    assert file.format == "csv"
    assert file.columns == {
        "nin": "Fødselsnummer",
        "name": "Navn",
        "employee_no": "Ansattnr",
        "amount": "Trekk",
    }


def test_a_line_keeps_every_value_the_parser_read(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    number = nin(3)
    line = Line(
        row=7,
        nin=number,
        nin_restored=True,
        nin_uncertain=True,
        name="Nordmann, Kari",
        employee_no="E-12",
        member_no="M-9",
        base_ore=4_200_000,
        amount_ore=61_214,
        union_ore=50_000,
        club_ore=11_214,
        period="2026-10",
    )
    parsed = parsed_with(0)
    parsed.lines = [line]

    record_parse_result(submitted_file=file, parsed=parsed)

    stored = DeductionLine.objects.get(submitted_file=file)
    assert stored.row == 7 and decrypt_nin(stored.nin_encrypted) == number
    assert stored.nin_hash == nin_hash(number) and stored.nin_masked == mask_nin(number)
    assert stored.nin_restored and stored.nin_uncertain and stored.valid
    assert stored.birth_date == line.birth_date
    assert (stored.name, stored.employee_no, stored.member_no) == ("Nordmann, Kari", "E-12", "M-9")
    assert stored.base_amount == Decimal("42000.00")
    assert (stored.amount, stored.union_amount, stored.club_amount) == (
        Decimal("612.14"),
        Decimal("500.00"),
        Decimal("112.14"),
    )
    assert stored.period == dt.date(2026, 10, 1)


def test_lines_are_written_in_the_models_columns():
    fields = tuple(field.attname for field in DeductionLine._meta.concrete_fields)
    assert fields == LINE_FIELDS == ("id", *LINE_COLUMNS)


def test_the_fast_write_stores_what_bulk_create_would(employer_a, company_a):
    from trekkportal.submissions import bulk

    file = submit_one_csv(company_a, employer_a)
    parsed = parsed_with(40, errors=3)
    parsed.lines.append(Line(row=99, nin=None, name="14037523586 Uten", amount_ore=None, ok=False))
    fields = [f for f in LINE_COLUMNS if f not in ("nin_encrypted",)]  # a fresh nonce each time

    with transaction.atomic():
        bulk.insert_lines(file.pk, parsed.lines)
    fast = list(DeductionLine.objects.filter(submitted_file=file).order_by("row").values(*fields))
    DeductionLine.objects.filter(submitted_file=file).delete()
    with transaction.atomic():
        bulk._bulk_create(bulk.line_values(file.pk, parsed.lines))
    orm = list(DeductionLine.objects.filter(submitted_file=file).order_by("row").values(*fields))

    assert fast == orm
    assert len(fast) == 41
    assert fast[-1]["name"] == "140375***** Uten"


def test_lines_prepared_while_the_file_was_read_are_stored_as_if_prepared_afterwards(
    employer_a, company_a
):
    from trekkportal.submissions import bulk

    file = submit_one_csv(company_a, employer_a)
    columns = [list(column) for column in zip(*parsed_with(40).lines, strict=True)]
    prepared = bulk.PreparedLines(file.pk)
    prepared.add(0, [column[:20] for column in columns])  # as the row loop had them
    other = [list(column) for column in zip(*parsed_with(60).lines, strict=True)]
    prepared.add(20, [column[40:50] for column in other])  # not these lines (a restart)
    columns[bulk.OK][5] = False  # a duplicate, found after its slice went
    lines = LineColumns(columns, 40)
    fields = [f for f in LINE_COLUMNS if f not in ("nin_encrypted",)]  # a fresh nonce each time

    with (
        transaction.atomic(),
        mock.patch.object(bulk, "_slice_values", wraps=bulk._slice_values) as preparing,
    ):
        bulk.insert_lines(file.pk, lines, prepared=prepared)
    reused = list(DeductionLine.objects.filter(submitted_file=file).order_by("row").values(*fields))
    DeductionLine.objects.filter(submitted_file=file).delete()
    with transaction.atomic():
        bulk.insert_lines(file.pk, lines)
    fresh = list(DeductionLine.objects.filter(submitted_file=file).order_by("row").values(*fields))

    assert [len(call.args[1][0]) for call in preparing.call_args_list] == [20]  # the rest only
    assert reused == fresh
    assert [line["valid"] for line in reused[:7]] == [True] * 5 + [False, True]
    assert [line["row"] for line in reused] == list(range(2, 42))


def test_a_long_list_read_by_its_job_keeps_every_line_and_finds_a_late_duplicate(
    employer_a, company_a
):
    from trekkportal.jobs.worker import run_pending
    from trekkportal.submissions.parsers.core import SLICE_LINES

    rows = 2 * SLICE_LINES + 500
    text = csv_list(rows).decode().split("\r\n")
    text[SLICE_LINES + 7] = f"{nin(3)};Gjentatt, Person;9;612,14"  # the nin of file row 3
    submission = submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload("lang.csv", "\r\n".join(text).encode())],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )

    run_pending()

    file = submission.files.get()
    assert (file.state, file.rows, file.invalid_rows) == ("done", rows, 1)
    assert file.lines.count() == rows
    assert file.lines.filter(valid=False).get().row == SLICE_LINES + 8
    assert file.issues.get().code == "duplicate"


def test_a_line_without_a_valid_identity_number_is_stored_with_a_blank_one(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    parsed = parsed_with(0)
    parsed.lines = [Line(row=2, nin=None, name="Uten Nummer", amount_ore=100, ok=False)]

    record_parse_result(submitted_file=file, parsed=parsed)

    stored = DeductionLine.objects.get(submitted_file=file)
    assert (stored.nin_encrypted, stored.nin_hash, stored.nin_masked) == ("", "", "")
    assert stored.birth_date is None and stored.period is None


def test_recording_again_replaces_the_lines_and_problems(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(30, errors=5))
    record_parse_result(submitted_file=file, parsed=parsed_with(30, errors=5))

    assert file.lines.count() == 30
    assert file.issues.count() == 5

    record_parse_result(submitted_file=file, parsed=parsed_with(3))
    assert file.lines.count() == 3
    assert file.issues.count() == 0


def test_a_file_that_cannot_be_read_keeps_no_lines(employer_a, company_a):
    from trekkportal.submissions.parsers import ParseFailure

    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(10, errors=2))

    record_parse_result(submitted_file=file, parsed=ParseFailure("timeout", {}))

    file.refresh_from_db()
    assert file.state == "failed"
    assert (file.format, file.columns) == ("", {})
    assert not file.lines.exists() and not file.issues.exists()


class Crash(Exception):
    pass


def crash_on_second_batch():
    """The database fails after the first batch of lines was written."""
    from trekkportal.submissions import bulk

    original = bulk.line_values

    def line_values(file_id, lines, **options):
        for count, values in enumerate(original(file_id, lines, **options)):
            if count == bulk.BATCH + 1:
                raise Crash("the database went away")
            yield values

    return mock.patch.object(bulk, "line_values", side_effect=line_values)


def test_a_crash_mid_store_stores_nothing_and_leaves_the_state_as_it_was(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    lines = BATCH + 10  # two batches

    with crash_on_second_batch(), pytest.raises(Crash):
        record_parse_result(submitted_file=file, parsed=parsed_with(lines, errors=1))

    file.refresh_from_db()
    assert file.state == SubmittedFile.State.RECEIVED
    assert file.rows is None and file.parsed_at is None and file.columns == {}
    assert not DeductionLine.objects.exists()
    assert not ParseIssue.objects.exists()


def test_a_crash_while_recording_again_keeps_the_earlier_result(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(20, errors=2))

    with crash_on_second_batch(), pytest.raises(Crash):
        record_parse_result(submitted_file=file, parsed=parsed_with(BATCH * 2))

    file.refresh_from_db()
    assert (file.state, file.rows, file.invalid_rows) == ("done", 20, 2)
    assert file.lines.count() == 20
    assert file.issues.count() == 2


def test_amounts_in_problems_are_written_the_norwegian_way(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(3, errors=1))

    assert file.issues.get().message == "Beløpet -1\xa0234,50 er negativt."


def test_problems_name_identity_numbers_masked_only(employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    number = nin(9)
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    result = parse(f"Fødselsnummer;Navn;Trekk\r\n{bad};Test, Ola;630,00\r\n".encode(), "l.csv")

    record_parse_result(submitted_file=file, parsed=result)

    message = file.issues.get().message
    assert mask_nin(bad) in message
    assert bad not in message


# The receipt ------------------------------------------------------------------------------


def receipt_url(file):
    return reverse("submissions:receipt", args=[file.submission_id])


def test_the_receipt_lists_the_first_ten_problems(client_a, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(40, errors=12))

    html = client_a.get(receipt_url(file)).content.decode()

    assert "Feil i liste.csv" in html
    assert html.count("er negativt.") == 10
    assert '<td class="num" data-label="Rad">11</td>' in html  # rows 2..11
    assert '<td class="num" data-label="Rad">12</td>' not in html
    assert "De første 10 feilene vi fant" in html


def test_the_receipt_shows_problems_but_never_the_lines(client_a, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(5, errors=1))

    html = client_a.get(receipt_url(file)).content.decode()

    assert "Ferdig" in html
    assert nin(0) not in html and mask_nin(nin(0)) not in html
    assert "Person 1" not in html


def test_a_receipt_without_problems_lists_none(client_a, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(5))

    html = client_a.get(receipt_url(file)).content.decode()

    assert "Feil i liste.csv" not in html
    assert "Oppdater" not in html


def test_the_receipt_offers_a_refresh_while_the_file_is_being_read(client_a, employer_a, company_a):
    file = submit_one_csv(company_a, employer_a)
    SubmittedFile.objects.filter(pk=file.pk).update(state=SubmittedFile.State.PARSING)

    html = client_a.get(receipt_url(file)).content.decode()

    assert "Leses inn" in html
    assert f'<a href="{receipt_url(file)}" data-refresh>Oppdater</a>' in html


def test_the_receipt_uses_a_fixed_number_of_queries(
    client_a, employer_a, company_a, django_assert_max_num_queries
):
    file = submit_one_csv(company_a, employer_a)
    record_parse_result(submitted_file=file, parsed=parsed_with(5, errors=1))
    with django_assert_max_num_queries(30) as few:
        client_a.get(receipt_url(file))

    submission = submit_list(
        company=company_a,
        period=Period.of(dt.date.today()),
        files=[upload(f"liste{i}.csv", CSV) for i in range(4)],
        comment="",
        contact_email=employer_a.email,
        acting_user=employer_a,
    )
    for each in submission.files.all():
        record_parse_result(submitted_file=each, parsed=parsed_with(30, errors=12))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_a.get(reverse("submissions:receipt", args=[submission.pk]))


def test_the_form_links_to_the_list_template(client_a):
    html = client_a.get(reverse("submissions:innsending")).content.decode()

    assert f'<a href="{reverse("submissions:list_template")}" download>Last ned mal</a>' in html
    assert reverse("submissions:list_template") == "/mal/trekkliste.xlsx"


def test_the_stores_birth_date_look_up_agrees_with_parse_nin():
    """``submissions.bulk`` reads birth dates by a key of the digits they depend on."""
    import random

    from trekkportal.lib.identity import NinKind, make_2032_nin, make_valid_nin, parse_nin
    from trekkportal.submissions.bulk import _birth_date

    rng = random.Random(13)
    numbers = []
    for _ in range(3000):
        birth = dt.date(1855, 1, 1) + dt.timedelta(days=rng.randrange(0, 185 * 365))
        kind = rng.choice(list(NinKind))
        number = make_valid_nin(birth, rng.randrange(0, 1000), kind=kind)
        if number:
            numbers.append(number)
        numbers.append(make_2032_nin(f"{rng.randrange(10**8, 10**9)}"))
    cache = {}
    for number in numbers:
        try:
            expected = parse_nin(number).birth_date
        except ValueError:
            expected = None
        assert _birth_date(number, cache) == expected, number
    assert len(cache) < len(numbers)
