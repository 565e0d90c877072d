"""parse_safely: the same result as parse, through a child process that cannot hurt us."""

import datetime as dt
import json
from pathlib import Path

import pytest

from trekkportal.submissions.parsers import ParseFailure, parse, parse_safely
from trekkportal.submissions.parsers.sandbox import decode, dumps, encode

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 27)


def test_it_gives_the_same_result_as_parsing_in_process():
    for name in ("quirks.xlsx", "windows-1252.csv", "birthdate-name.csv"):
        inside = parse(FIXTURES / name, name, today=TODAY)
        outside = parse_safely(FIXTURES / name, name, today=TODAY)
        assert outside == inside, name


def test_the_wire_format_is_json_not_pickle():
    result = parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)
    wire = dumps(result)
    assert decode(json.loads(wire)) == result  # plain JSON: the standard library reads it
    assert decode(encode(ParseFailure("memory"))) == ParseFailure("memory")


def test_a_child_that_answers_garbage_is_a_crash(monkeypatch):
    import subprocess

    real = subprocess.Popen

    def fake(args, **kw):
        return real(["printf", "not json"], **{**kw, "stdin": subprocess.PIPE})

    monkeypatch.setattr(subprocess, "Popen", fake)
    assert parse_safely(FIXTURES / "quirks.xlsx", "quirks.xlsx") == ParseFailure("crashed")


def test_a_child_killed_by_a_signal_is_a_crash(monkeypatch):
    import subprocess

    real = subprocess.Popen

    def fake(args, **kw):
        return real(["sh", "-c", "kill -SEGV $$"], **kw)

    monkeypatch.setattr(subprocess, "Popen", fake)
    result = parse_safely(FIXTURES / "quirks.xlsx", "quirks.xlsx")
    assert result.code == "crashed"


def test_an_unsafe_file_is_refused_in_the_child(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"")
    assert parse_safely(path, "tom.xlsx") == ParseFailure("empty")


def test_the_child_gets_no_secrets_from_the_environment(monkeypatch):
    import subprocess

    seen = {}
    real = subprocess.Popen

    def spy(args, **kw):
        seen.update(kw["env"])
        return real(args, **kw)

    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/x")
    monkeypatch.setattr(subprocess, "Popen", spy)
    result = parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert result.totals.valid == 3
    assert "SECRET_KEY" not in seen
    assert "DATABASE_URL" not in seen


def test_text_columns_travel_joined_unless_a_value_holds_the_separator():
    from trekkportal.submissions.parsers import Line, ParsedList, Totals
    from trekkportal.submissions.parsers.sandbox import _SEP

    lines = [
        Line(row=2, nin="17058012327", name="Åse Ørn", period="2026-10"),
        Line(row=3, nin="08029012343", name=f"Kari {_SEP} Nordmann", period="2026-10"),
    ]
    result = ParsedList("csv", {}, lines, [], Totals(rows=2, valid=2))
    wire = encode(result)
    nin, name, period = wire["lines"][1], wire["lines"][4], wire["lines"][11]
    assert nin == {"joined": f"17058012327{_SEP}08029012343"}
    assert name == ("Åse Ørn", f"Kari {_SEP} Nordmann")  # as an array: it cannot be split
    assert period == {"same": "2026-10"}
    assert decode(json.loads(dumps(result))) == result


def test_a_child_whose_columns_do_not_add_up_is_refused():
    wire = json.loads(dumps(parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)))
    wire["lines"][0] = wire["lines"][0][:-1]
    with pytest.raises(ValueError):
        decode(wire)
