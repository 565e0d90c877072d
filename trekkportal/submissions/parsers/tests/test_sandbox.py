"""parse_safely: the same result as parse, through a child process that cannot hurt us."""

import datetime as dt
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.xlsx import write_xlsx
from trekkportal.submissions.parsers import ParseFailure, parse, parse_safely
from trekkportal.submissions.parsers.core import SLICE_LINES
from trekkportal.submissions.parsers.forkserver import DATA, PART, STATUS, _exchange
from trekkportal.submissions.parsers.sandbox import (
    SERVER,
    _Slices,
    decode,
    dumps,
    dumps_slice,
    encode,
    outcome,
)

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


def _child_answers(*messages):
    """What the parent makes of a child that sent these messages, then exited 0."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    slices = _Slices(None)
    with ours, theirs:
        for message in (*messages, STATUS + b'{"exit": 0, "killed": false}'):
            theirs.send(message)
        return outcome(_exchange(ours, b"{}", time.monotonic() + 5, slices.add), slices)


def test_a_child_that_answers_garbage_is_a_crash():
    assert _child_answers(DATA + b"not json") == ParseFailure("crashed")
    assert _child_answers(DATA + b'{"lines": 1}') == ParseFailure("crashed")
    assert _child_answers().code == "crashed"  # nothing at all
    wire = dumps(parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY))
    assert _child_answers(DATA + wire[:-10]) == ParseFailure("crashed")  # cut short
    whole = _child_answers(DATA + wire[:100], b"a warning on stderr", DATA + wire[100:])
    assert whole == parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)


def test_a_child_killed_by_a_signal_is_a_crash(tmp_path):
    result = _while_a_child_parses(tmp_path, lambda pid: os.kill(pid, signal.SIGSEGV))
    assert result.code == "crashed"
    assert result.params == {"exitcode": -signal.SIGSEGV}


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

    SERVER.stop()  # the next file starts the server, with this environment around it
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/x")
    monkeypatch.setattr(subprocess, "Popen", spy)
    result = parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert result.totals.valid == 3
    assert "SECRET_KEY" not in seen
    assert "DATABASE_URL" not in seen
    environ = Path(f"/proc/{SERVER.pid}/environ").read_bytes()  # what its children inherit
    assert b"s3cret" not in environ
    assert b"DATABASE_URL" not in environ
    assert "django" not in _server_modules()


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
    assert name == ["Åse Ørn", f"Kari {_SEP} Nordmann"]  # as an array: it cannot be split
    assert period == {"same": "2026-10"}
    assert decode(json.loads(dumps(result))) == result


def test_a_child_whose_columns_do_not_add_up_is_refused():
    wire = json.loads(dumps(parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)))
    arrays = [i for i, column in enumerate(wire["lines"]) if isinstance(column, list)]
    wire["lines"][arrays[0]] = wire["lines"][arrays[0]][:-1]
    with pytest.raises(ValueError):
        decode(wire)


# --- lines sent ahead, in slices -----------------------------------------------------------


def _long_csv(tmp_path, rows: int, *, repeat: dict[int, int] | None = None) -> Path:
    """A CSV list of ``rows`` members; ``repeat``: line index -> the earlier line index
    whose identity number it repeats."""
    unique = dict.fromkeys(
        make_valid_nin(dt.date(1960, 1, 1) + dt.timedelta(days=i // 100), i % 100 * 4)
        for i in range(rows * 2)
    )
    nins = list(unique)[:rows]
    for index, earlier in (repeat or {}).items():
        nins[index] = nins[earlier]
    text = "\n".join(["Fødselsnummer;Navn;Trekk", *(f"{n};Navn {i};612,50" for i, n in
                                                      enumerate(nins))])  # fmt: skip
    path = tmp_path / "lang.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_long_list_comes_in_slices_while_it_is_read_and_whole_as_the_result(tmp_path):
    path = _long_csv(tmp_path, 2 * SLICE_LINES + 500)
    seen = []

    result = parse_safely(
        path, "lang.csv", today=TODAY, on_lines=lambda start, c: seen.append((start, len(c[0])))
    )

    assert seen == [(0, SLICE_LINES), (SLICE_LINES, SLICE_LINES)]  # the last 500: the answer
    assert result == parse(path, "lang.csv", today=TODAY)
    assert result.totals.valid == 2 * SLICE_LINES + 500


def test_a_line_found_a_duplicate_after_its_slice_went_is_invalid_in_the_result(tmp_path):
    later = SLICE_LINES + 7  # in the second slice, the repeat of the third line
    path = _long_csv(tmp_path, 2 * SLICE_LINES, repeat={later: 2})
    slices = {}

    result = parse_safely(
        path, "lang.csv", today=TODAY, on_lines=lambda start, c: slices.update({start: c})
    )

    assert slices[SLICE_LINES][13][7] is True  # as the row loop found it
    assert result.lines[later].ok is False  # as the whole file shows it
    assert result.totals.invalid == 1
    assert [(e.row, e.code) for e in result.errors] == [(later + 2, "duplicate")]
    assert result == parse(path, "lang.csv", today=TODAY)


def test_a_whole_file_problem_found_after_slices_went_keeps_none_of_their_lines():
    from trekkportal.submissions.parsers.core import _file_error

    sent = parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY).lines
    too_many = _file_error("xlsx", "too_many_rows", limit=10)
    wire = json.loads(dumps(too_many, sent=len(sent)))

    assert decode(wire, [list(map(list, sent.columns))]) == too_many


def test_slices_that_do_not_add_up_to_what_the_answer_says_are_refused():
    result = parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)
    head = [column[:2] for column in result.lines.columns]
    wire = json.loads(dumps(result, sent=3))  # three lines sent ahead, but two came

    with pytest.raises(ValueError):
        decode(wire, [head])
    assert decode(json.loads(dumps(result, sent=2)), [head]) == result


def test_a_slice_that_is_not_what_a_parser_sends_is_a_crash():
    result = parse(FIXTURES / "quirks.xlsx", "quirks.xlsx", today=TODAY)
    wire = dumps(result)
    slice_ = dumps_slice(result.lines)
    assert _child_answers(DATA + b"junk", PART, DATA + wire) == ParseFailure("crashed")
    assert _child_answers(DATA + b'{"count": 2, "lines": []}', PART, DATA + wire).code == "crashed"
    assert _child_answers(DATA + slice_, PART, DATA + wire) == result  # (not "sent": unused)


# --- the fork server ---------------------------------------------------------------------


def _big_list(tmp_path, rows=40_000) -> Path:
    """A list that takes a child a noticeable while (a second or so) to read."""
    start = dt.date(1960, 1, 1)
    data = [("Fødselsnummer", "Navn", "Trekk")] + [
        (make_valid_nin(start + dt.timedelta(days=i // 400), i % 400), f"Navn {i}", 612.5)
        for i in range(rows)
    ]
    path = tmp_path / "stor.xlsx"
    path.write_bytes(write_xlsx([("Ark1", data)]))
    return path


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _server_modules() -> str:
    maps = Path(f"/proc/{SERVER.pid}/maps").read_text()
    return maps.lower()


def _while_a_child_parses(tmp_path, action, **kw):
    """Parse a big list in a thread; ``action(child_pid)`` once the child is running."""
    path = _big_list(tmp_path)
    parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)  # a server runs
    results = []
    thread = threading.Thread(
        target=lambda: results.append(parse_safely(path, path.name, today=TODAY, **kw))
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not (children := _children(SERVER.pid)) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert children, "no child was forked"
    action(children[0])
    thread.join(60)
    return results[0]


def test_a_child_over_its_memory_limit_dies_and_the_server_goes_on(tmp_path):
    parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    server = SERVER.pid
    path = _big_list(tmp_path, rows=20_000)
    assert parse_safely(path, path.name, today=TODAY, memory_mb=5) == ParseFailure("memory")
    again = parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert again.totals.valid == 3
    assert SERVER.pid == server  # the same server: only the child died
    assert _children(server) == []  # and it was reaped


def test_a_hung_child_is_killed_at_its_time_limit(tmp_path):
    started = time.monotonic()
    # SIGSTOP: the child hangs without using CPU, so only the wall-clock limit stops it.
    result = _while_a_child_parses(
        tmp_path, lambda pid: os.kill(pid, signal.SIGSTOP), timeout_s=1.5
    )
    assert result == ParseFailure("timeout")
    assert time.monotonic() - started < 30
    deadline = time.monotonic() + 5  # the server kills it a moment after the parent gave up
    while _children(SERVER.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children(SERVER.pid) == []
    assert parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY).totals.valid == 3


def test_a_server_that_died_is_started_again():
    parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    first = SERVER.pid
    os.kill(first, signal.SIGKILL)
    result = parse_safely(FIXTURES / "payroll.xlsx", "payroll.xlsx", today=TODAY)
    assert result.totals.valid == 3
    assert SERVER.pid != first


def test_a_server_killed_during_a_parse_costs_one_more_try_not_the_file(tmp_path):
    result = _while_a_child_parses(tmp_path, lambda _pid: os.kill(SERVER.pid, signal.SIGKILL))
    assert result.totals.rows == 40_000  # read again, by a new server


def test_two_files_are_parsed_at_the_same_time():
    names = ("quirks.xlsx", "windows-1252.csv", "birthdate-name.csv", "payroll.xlsx")
    results: dict[str, object] = {}

    def run(name):
        results[name] = parse_safely(FIXTURES / name, name, today=TODAY)

    threads = [threading.Thread(target=run, args=(name,)) for name in names * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for name in names:
        assert results[name] == parse(FIXTURES / name, name, today=TODAY), name
