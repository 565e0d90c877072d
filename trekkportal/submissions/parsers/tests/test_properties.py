"""Property tests: random and mutated files give a result or a clean error, never a crash.

In-process ``parse`` may raise only ``UnsafeFile`` or ``ParseError``; the sandbox always
answers with a ``ParsedList`` or a ``ParseFailure`` within its limits.
"""

import datetime as dt
import time
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trekkportal.lib.filesafety import UnsafeFile
from trekkportal.lib.identity import make_valid_nin
from trekkportal.lib.xlsx import write_xlsx
from trekkportal.submissions.parsers import ParsedList, ParseError, ParseFailure, parse
from trekkportal.submissions.parsers.messages import ERROR_MESSAGES
from trekkportal.submissions.parsers.sandbox import parse_safely

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = {p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.is_file()}
NAMES = ["liste.xlsx", "liste.xls", "liste.ods", "liste.csv", "liste.txt", "liste.pdf"]
TODAY = dt.date(2026, 11, 27)


def check(result_or_call):
    """Run a parse; assert it ended in a result or one of the two clean errors."""
    try:
        result = result_or_call()
    except (UnsafeFile, ParseError) as exc:
        error = exc
    else:
        error = None
    if error is not None:
        assert error.code in ERROR_MESSAGES
        return error
    assert isinstance(result, ParsedList)
    assert result.totals.rows == result.totals.valid + result.totals.invalid
    assert result.totals.rows == len(result.lines)
    for error in result.errors:
        assert error.code in ERROR_MESSAGES
        assert error.message()
    return result


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif data:
            del data[pos : pos + draw(st.integers(1, 64))]
    return name, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_sample_files_never_raise(case):
    name, data = case
    start = time.monotonic()
    check(lambda: parse(data, name, today=TODAY))
    assert time.monotonic() - start < 10


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(NAMES))
def test_random_bytes_never_raise(data, name):
    check(lambda: parse(data, name, today=TODAY))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_random_text_never_raises(text, encoding):
    data = text.encode(encoding, errors="replace")
    check(lambda: parse(data, "liste.txt", today=TODAY))


CELL = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.sampled_from(["Fødselsnummer", "Trekk", "Navn", "Sum", "", "612,50", "kr 1 234,-"]),
    st.builds(lambda d: make_valid_nin(d), st.dates(dt.date(1940, 1, 1), dt.date(2030, 1, 1))),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=25))
def test_random_workbooks_never_raise(rows):
    data = write_xlsx([("Ark1", [("Fødselsnummer", "Navn", "Trekk"), *rows])], raw=True)
    result = check(lambda: parse(data, "liste.xlsx", today=TODAY))
    assert isinstance(result, ParsedList)
    assert list(result.columns) == ["nin", "name", "amount"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(CELL.filter(lambda c: not isinstance(c, dt.date)), max_size=6), max_size=25),
    st.sampled_from([";", "\t", ",", "|"]),
)
def test_random_delimited_text_never_raises(rows, delimiter):
    lines = [delimiter.join(["Fødselsnummer", "Navn", "Trekk"])]
    lines += [delimiter.join("" if c is None else str(c) for c in row) for row in rows]
    data = "\r\n".join(lines).encode("cp1252", errors="replace")
    check(lambda: parse(data, "liste.csv", today=TODAY))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_in_the_sandbox_always_answer(tmp_path_factory, case):
    name, data = case
    path = tmp_path_factory.mktemp("sandbox") / "upload"
    path.write_bytes(data)
    result = parse_safely(path, name, timeout_s=20, memory_mb=300, today=TODAY)
    assert isinstance(result, ParsedList | ParseFailure)
    if isinstance(result, ParseFailure):
        assert result.code in ERROR_MESSAGES


def test_zip_containers_with_random_entries_never_raise():
    import io
    import random

    rng = random.Random(5)
    for _ in range(50):
        buf = io.BytesIO()
        names = ["[Content_Types].xml", "xl/workbook.xml", "mimetype", "content.xml",
                 "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]  # fmt: skip
        with zipfile.ZipFile(buf, "w") as zf:
            for name in rng.sample(names, rng.randrange(1, len(names))):
                zf.writestr(name, bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
        data = buf.getvalue()
        check(lambda data=data: parse(data, "liste.xlsx", today=TODAY))
