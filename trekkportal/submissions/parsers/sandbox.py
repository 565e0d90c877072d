"""``parse_safely``: the file-safety checks and the parser in a child process with limits.

A hostile file (docs/security.md E3-E6, E14) may make a reader allocate without bound,
loop, or abort the process (a Rust panic or allocation failure in calamine cannot always
be caught). So the work runs in a child process, forked for each file by a pre-started
parser process (``forkserver``: exec'd with no secrets in its environment, it has imported
only the parser, never Django or a database), with:

* ``RLIMIT_AS``: ``memory_mb`` of address space on top of what the child has mapped (the
  imported readers);
* ``RLIMIT_CPU`` and a wall-clock timeout: the server kills the child after ``timeout_s``
  and the parent stops waiting;
* ``RLIMIT_FSIZE`` 0 and ``RLIMIT_CORE`` 0: the child writes no files and no core dumps.

The child answers in JSON (orjson), never pickle: a reader compromised by a file cannot
hand the parent anything but data. Whatever happens, the parent gets a ``ParsedList`` or a
``ParseFailure(code)`` and goes on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import asdict
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson

from trekkportal.lib.filesafety import DEFAULT_LIMITS, Limits, UnsafeFile
from trekkportal.submissions.parsers.forkserver import (
    CHUNK,
    DATA,
    PART,
    Answer,
    ForkServer,
    ServerGone,
)
from trekkportal.submissions.parsers.model import (
    Line,
    LineColumns,
    ParsedList,
    ParseError,
    ParseFailure,
    RowError,
    Totals,
)

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 600
# One fork server per process that parses (started on its first file).
SERVER = ForkServer()
# What the last child in this process used (CPU seconds, peak memory): for the benchmarks.
LAST_CHILD: dict[str, float] = {}


def parse_safely(
    path: str | os.PathLike,
    filename: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    mappings: dict[str, dict[str, int]] | None = None,
    on_lines: Callable[[int, list[list[Any]]], None] | None = None,
) -> ParsedList | ParseFailure:
    """Check and parse ``path`` in a child process; never raises for a bad file.

    ``mappings``: columns the employer chose, by header shape (see ``core.parse``).

    The child sends its lines on in slices while it reads on (``core.SLICE_LINES``), and
    ``on_lines(start, columns)`` gets each slice as it arrives: the index of its first
    line in the file and one list per ``Line`` field, so the caller can prepare them for
    the database meanwhile (``bulk.PreparedLines``). A slice is as the row loop made it:
    the result, which holds every line, is what counts (a line found a duplicate later is
    valid in its slice, invalid in the result), and a failed result discards them all. If
    the fork server has to be started again, the slices come again from the start."""
    request = json.dumps(
        {
            "mappings": mappings or {},
            "filename": filename,
            "timeout_s": timeout_s,
            "memory_mb": memory_mb,
            "today": today.isoformat() if today else None,
            "limits": asdict(limits),
        }
    ).encode()
    try:
        file_fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return ParseFailure("crashed")
    slices = _Slices(on_lines)
    try:
        for attempt in (1, 2):  # a server that died is started again, once
            slices.clear()
            try:
                answer = SERVER.run(request, file_fd, timeout_s=timeout_s, on_part=slices.add)
                break
            except ServerGone:  # (stopped: the next try starts a new one)
                if attempt == 2:
                    return ParseFailure("crashed")
                os.lseek(file_fd, 0, os.SEEK_SET)
    finally:
        os.close(file_fd)
    LAST_CHILD.update(cpu_s=answer.cpu_s, maxrss_kb=answer.maxrss_kb)
    return outcome(answer, slices)


class _Slices:
    """The slices of lines a child sent ahead of its answer, decoded as they arrive."""

    def __init__(self, on_lines: Callable[[int, list[list[Any]]], None] | None) -> None:
        self.on_lines = on_lines
        self.received: list[list[list[Any]]] = []
        self.count = 0
        self.broken = False  # a slice that was not what a parser sends

    def clear(self) -> None:
        self.received, self.count, self.broken = [], 0, False

    def add(self, document: bytes) -> None:
        if self.broken:
            return
        try:
            message = orjson.loads(document)
            count = int(message["count"])
            columns = decode_lines(message["lines"], count)
            if self.on_lines is not None:
                self.on_lines(self.count, columns)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            # (AttributeError, TypeError: a value of the wrong kind where on_lines prepares
            # it; orjson.JSONDecodeError is a ValueError)
            self.broken = True
            return
        self.received.append(columns)
        self.count += count


def outcome(answer: Answer, slices: _Slices | None = None) -> ParsedList | ParseFailure:
    """What the child's answer means: its result if it answered in full, else why not.
    ``slices``: the lines it sent ahead of its answer."""
    if answer.timed_out or answer.killed_at_limit:
        return ParseFailure("timeout")
    if answer.exitcode != 0 or not answer.payload:
        return _death(answer.exitcode or 0, answer.stderr)
    if slices is not None and slices.broken:
        return ParseFailure("crashed")
    try:
        return decode(orjson.loads(answer.payload), slices.received if slices else ())
    except (ValueError, TypeError, KeyError, IndexError):  # orjson.JSONDecodeError too
        return ParseFailure("crashed")


def _death(returncode: int, err: bytes) -> ParseFailure:
    # Under RLIMIT_AS a native reader's failed allocation aborts the process (Rust's alloc
    # error handler: "memory allocation of N bytes failed", then SIGABRT) or the kernel
    # kills it; the CPU limit sends SIGXCPU. Anything else (a segfault, say) is a crash.
    if b"memory allocation" in err or b"MemoryError" in err or returncode == -signal.SIGKILL:
        return ParseFailure("memory")
    if returncode == -signal.SIGXCPU:
        return ParseFailure("timeout")
    return ParseFailure("crashed", {"exitcode": returncode})


# --- the wire format (JSON) --------------------------------------------------------------
#
# The lines go as columns (14 arrays of one value per line), not as 100,000 small arrays:
# fewer objects to build on each side, and orjson writes the tuples and dates directly.
# The parent keeps them as columns (``LineColumns``): no list of 100,000 lines is built.

LINE_WIDTH = len(Line._fields)
_BIRTH = Line._fields.index("listed_birth_date")
_OK = Line._fields.index("ok")


def encode(outcome: ParsedList | ParseFailure, *, sent: int = 0) -> dict[str, Any]:
    """The answer as data. ``sent``: how many of its lines went ahead in slices; the
    answer then holds the rest, and every line's ``ok`` as it ended up."""
    if isinstance(outcome, ParseFailure):
        return {"failure": outcome.code, "params": outcome.params}
    t = outcome.totals
    columns = _columns(outcome.lines) if outcome.lines else []
    data: dict[str, Any] = {
        "format": outcome.format,
        "columns": outcome.columns,
        "meta": outcome.meta,
        "totals": [t.rows, t.valid, t.invalid, t.amount_ore, t.declared_ore],
        "errors": [[e.row, e.column, e.code, e.params] for e in outcome.errors],
    }
    if sent and len(outcome.lines) >= sent:  # (else a whole-file problem: none kept)
        data["sent"] = sent
        data["ok"] = _pack(columns[_OK])
        columns = [column[sent:] for column in columns]
    count = len(columns[0]) if columns else 0
    data["count"] = count
    data["lines"] = [_pack(column) for column in columns] if count else []
    return data


def _columns(lines: Sequence[Line]) -> Sequence[Sequence[Any]]:
    if isinstance(lines, LineColumns):
        return lines.columns  # as parse() keeps them
    return [list(map(itemgetter(i), lines)) for i in range(LINE_WIDTH)]


def _pack(column: Sequence[Any]) -> Any:
    """A column as an array, or ``{"same": value}`` when every line has the same value
    (flags, the period, a column the list does not have): most of a list's columns;
    ``{"from": n}`` for n, n+1, n+2... (the row numbers of a list without gaps)."""
    first, count = column[0], len(column)
    kind = type(first)
    if kind is int and column[-1] - first == count - 1:
        numbers = column if isinstance(column, list) else list(column)
        if numbers == list(range(first, first + count)):
            return {"from": first}
    # (the last and the middle value first: a column that varies is seldom counted)
    same = column[-1] == first and column[count // 2] == first
    if same and column.count(first) == count and (first is None or kind in (bool, str, int)):
        return {"same": first}
    if kind is str:
        try:
            joined = _SEP.join(column)  # a TypeError when not every value is text
        except TypeError:
            return column
        if joined.count(_SEP) == count - 1:  # no value holds the separator itself
            return {"joined": joined}
    return column


# Text columns (identity numbers, names, numbers) travel as one string each: writing and
# reading one long string is far cheaper than 100,000 short ones.
# DELETE: ASCII (so joining Latin-1 text keeps one byte a character), not escaped in JSON,
# not in payroll data; a column where a value holds it travels as an array.
_SEP = "\x7f"


def _unpack(column: Any, count: int) -> list[Any]:
    if isinstance(column, dict):
        if "joined" in column:
            return str(column["joined"]).split(_SEP)
        if "from" in column:
            first = int(column["from"])
            return list(range(first, first + count))
        return [column["same"]] * count
    if not isinstance(column, list):
        raise TypeError("column")
    return column


def dumps(outcome: ParsedList | ParseFailure, *, sent: int = 0) -> bytes:
    """The child's answer: orjson (dates as ISO strings, tuples as arrays)."""
    return orjson.dumps(encode(outcome, sent=sent))


def dumps_slice(lines: LineColumns) -> bytes:
    """A slice of lines the child sends ahead of its answer."""
    return orjson.dumps({"count": len(lines), "lines": [_pack(c) for c in lines.columns]})


def decode_lines(packed: Any, count: int) -> list[list[Any]]:
    """``count`` lines sent as columns: one list per ``Line`` field, birth dates as dates.
    A ValueError when the columns do not add up."""
    columns = [_unpack(column, count) for column in packed]
    LineColumns(columns, count)  # checks the shape
    dates: dict[str, dt.date] = {}
    births = columns[_BIRTH]
    for index, value in enumerate(births if births.count(None) != count else ()):
        if value is not None:
            date = dates.get(value)
            if date is None:
                date = dates[value] = dt.date.fromisoformat(value)
            births[index] = date
    return columns


def decode(
    data: dict[str, Any], received: Sequence[list[list[Any]]] = ()
) -> ParsedList | ParseFailure:
    """The child's answer; ``received``: the slices of lines it sent ahead of it."""
    if "failure" in data:
        return ParseFailure(str(data["failure"]), _params(data.get("params")))
    count = int(data.get("count", 0))
    sent = int(data.get("sent", 0))
    parts = received if sent else []
    if sum(len(part[0]) for part in parts) != sent:
        raise ValueError("slices")
    if count:
        parts = [*parts, decode_lines(data["lines"], count)]
    lines: LineColumns | list[Line] = []
    if parts:
        # (a new outer list for one part too: the slice's own columns stay as they came)
        columns = (
            list(parts[0])
            if len(parts) == 1
            else [list(chain.from_iterable(part[i] for part in parts)) for i in range(LINE_WIDTH)]
        )
        if sent:
            columns[_OK] = _unpack(data["ok"], sent + count)  # as the whole-file checks left it
        lines = LineColumns(columns, sent + count)  # a ValueError when they do not add up
    rows, valid, invalid, amount_ore, declared_ore = data["totals"]
    return ParsedList(
        format=str(data["format"]),
        columns={str(k): str(v) for k, v in data["columns"].items()},
        lines=lines,
        errors=[
            RowError(row, column, str(code), _params(params))
            for row, column, code, params in data["errors"]
        ],
        totals=Totals(
            int(rows),
            int(valid),
            int(invalid),
            int(amount_ore),
            None if declared_ore is None else int(declared_ore),
        ),
        meta=dict(data["meta"]),
    )


def _params(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        return {}
    return {str(k): v for k, v in params.items() if isinstance(v, str | int | float | list)}


# --- the child ---------------------------------------------------------------------------


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_self(timeout_s: float, memory_mb: int) -> None:
    address_space = _vm_size_bytes() + memory_mb * 1024 * 1024
    for limit, value in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CPU, int(timeout_s) + 2),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def prepare_child() -> None:
    """What the fork server imports once, before any child: the spreadsheet reader and the
    parser, so the memory limit counts only the work on the file (pdfplumber is imported
    only for PDFs, in the child; its import counts against the limit)."""
    import python_calamine  # noqa: F401

    from trekkportal.submissions.parsers import core  # noqa: F401


def child_main(sock: socket.socket, file_fd: int) -> None:
    """In a child of the fork server: read the request, limit ourselves, parse the file
    (open read-only as ``file_fd``) and answer on ``sock`` in ``DATA`` messages."""
    from trekkportal.submissions.parsers.core import parse

    received = []
    while chunk := sock.recv(CHUNK + 1024):
        received.append(chunk)
    request = json.loads(b"".join(received))
    _limit_self(float(request["timeout_s"]), int(request["memory_mb"]))
    today = dt.date.fromisoformat(request["today"]) if request["today"] else None
    sent = 0

    def send_ahead(lines: LineColumns) -> None:
        nonlocal sent
        _send(sock, dumps_slice(lines))
        sock.send(PART)
        sent += len(lines)

    try:
        with open(file_fd, "rb") as file:
            outcome: ParsedList | ParseFailure = parse(
                file,
                request["filename"],
                today=today,
                limits=Limits(**request["limits"]),
                mappings=request.get("mappings") or None,
                on_lines=send_ahead,
            )
    except (UnsafeFile, ParseError) as exc:
        outcome = ParseFailure(exc.code, exc.params)
    except MemoryError:
        outcome = ParseFailure("memory")
    except RecursionError:
        outcome = ParseFailure("crashed")
    except BaseException:
        outcome = ParseFailure("crashed")
    try:
        payload = dumps(outcome, sent=sent)
    except MemoryError:
        payload = dumps(ParseFailure("memory"))
    _send(sock, payload)


def _send(sock: socket.socket, document: bytes) -> None:
    view = memoryview(document)
    for start in range(0, len(view), CHUNK):
        sock.sendmsg([DATA, view[start : start + CHUNK]])
