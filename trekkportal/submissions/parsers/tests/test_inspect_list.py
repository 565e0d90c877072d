"""manage.py inspect_list FILE [--json] (README.md § Operator commands)."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("inspect_list", *args, stdout=out)
    return out.getvalue()


def test_it_prints_one_json_object_with_the_contract_keys():
    data = json.loads(run(str(FIXTURES / "quirks.xlsx"), "--json", "--language", "en"))
    assert data["format"] == "xlsx"
    assert data["columns"]["nin"] == "Fødselsnummer"
    assert (data["rows"], data["valid"], data["invalid"]) == (14, 7, 7)
    assert data["total_amount"] == "3500.00"
    assert data["errors"][0] == {
        "row": 6,
        "column": "Fødselsnummer",
        "message": "The national identity number 170580***** is not valid (wrong check digits).",
    }


def test_it_never_prints_a_full_identity_number():
    for args in ([], ["--json"]):
        out = run(str(FIXTURES / "quirks.xlsx"), *args)
        assert not re.search(r"\d{11}", out)


def test_it_prints_a_readable_summary():
    out = run(str(FIXTURES / "payroll.xlsx"))
    assert "Format:       xlsx" in out
    assert "Total amount: 2459.00" in out
    assert "Errors:       none" in out


def test_a_file_it_cannot_read_is_an_error():
    with pytest.raises(CommandError, match=r"scanned\.pdf"):
        run(str(FIXTURES / "scanned.pdf"), "--language", "en")


def test_a_missing_file_is_an_error():
    with pytest.raises(CommandError, match="No such file"):
        run("/nonexistent/liste.xlsx")
