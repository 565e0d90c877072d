"""The list template ("Last ned mal"): our parser reads it perfectly."""

import datetime as dt
import io
from decimal import Decimal

import python_calamine
from django.urls import reverse

from trekkportal.lib.filesafety import FileKind, inspect_file
from trekkportal.lib.identity import make_valid_nin
from trekkportal.submissions.parsers import parse
from trekkportal.submissions.parsers.template import COLUMNS, FILENAME, list_template

TODAY = dt.date(2026, 11, 27)
ZERO = make_valid_nin(dt.date(1975, 1, 3))  # starts with 0
OTHER = make_valid_nin(dt.date(1980, 5, 17))


def test_the_empty_template_maps_every_column():
    data = list_template()
    assert inspect_file(FILENAME, data) is FileKind.XLSX
    result = parse(data, FILENAME, today=TODAY)
    assert list(result.columns) == [
        "nin", "surname", "first_name", "employee_no", "member_no", "base_amount", "amount",
        "period",
    ]  # fmt: skip
    assert result.totals.rows == 0
    assert [e.code for e in result.errors] == ["no_table"]
    assert result.meta["sheet"] == "Trekkliste"


def test_a_filled_in_template_is_read_perfectly():
    rows = [
        (ZERO, "Ås", "Per", "101", "M-7", Decimal("45000.00"), Decimal("612.50"), "10.2026"),
        (OTHER, "Ørn", "Åse", "102", "", Decimal("38000"), Decimal("532"), "10.2026"),
    ]
    result = parse(list_template(rows), FILENAME, today=TODAY)
    assert not result.errors
    assert result.totals.valid == 2
    first = result.lines[0]
    assert first.nin == ZERO
    assert not first.nin_restored  # a text column: the leading zero survived
    assert (first.name, first.employee_no, first.member_no) == ("Per Ås", "101", "M-7")
    assert (first.base_amount, first.amount, first.period) == (
        Decimal("45000.00"),
        Decimal("612.50"),
        "2026-10",
    )
    assert result.totals.amount == Decimal("1144.50")


def test_the_template_explains_itself_on_a_second_sheet():
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(list_template()))
    assert book.sheet_names == ["Trekkliste", "Veiledning"]
    headers = book.get_sheet_by_index(0).to_python()[0]
    assert headers == [header for header, _, _ in COLUMNS]
    guide = " ".join(row[0] for row in book.get_sheet_by_index(1).to_python())
    assert "Fødselsnummer" in guide


def test_an_employer_downloads_the_template(client_a):
    response = client_a.get(reverse("submissions:list_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == f'attachment; filename="{FILENAME}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content == list_template()


def test_the_template_needs_a_login(client, db):
    response = client.get(reverse("submissions:list_template"))
    assert response.status_code == 302
    assert "/mal/" not in response["Location"].split("?")[0]
