"""``parse_safely``: the file-safety checks and the parser in a child process with limits.

A hostile file (docs/security.md E3-E6, E14) may make a reader allocate without bound,
loop, or abort the process (a Rust panic or allocation failure in calamine cannot always
be caught). So the work runs in a fresh interpreter (``python -m`` this module, so nothing
of the parent's ``__main__`` is re-run) with:

* ``RLIMIT_AS``: ``memory_mb`` of address space on top of what the child has mapped after
  importing the readers;
* ``RLIMIT_CPU`` and a wall-clock timeout: the parent kills the child after ``timeout_s``;
* ``RLIMIT_FSIZE`` 0 and ``RLIMIT_CORE`` 0: the child writes no files and no core dumps.

The child answers in JSON, never pickle: a reader compromised by a file cannot hand the
parent anything but data. Whatever happens, the parent gets a ``ParsedList`` or a
``ParseFailure(code)`` and goes on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from trekkportal.lib.filesafety import DEFAULT_LIMITS, Limits, UnsafeFile
from trekkportal.submissions.parsers.model import (
    Line,
    ParsedList,
    ParseError,
    ParseFailure,
    RowError,
    Totals,
)

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 600
_PROJECT_ROOT = str(Path(__file__).resolve().parents[3])


def parse_safely(
    path: str | os.PathLike,
    filename: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    mappings: dict[str, dict[str, int]] | None = None,
) -> ParsedList | ParseFailure:
    """Check and parse ``path`` in a child process; never raises for a bad file.

    ``mappings``: columns the employer chose, by header shape (see ``core.parse``)."""
    request = json.dumps(
        {
            "mappings": mappings or {},
            "path": os.fspath(path),
            "filename": filename,
            "timeout_s": timeout_s,
            "memory_mb": memory_mb,
            "today": today.isoformat() if today else None,
            "limits": asdict(limits),
        }
    ).encode()
    # The child gets no secrets (database URL, secret key...): only what Python needs.
    python_path = os.pathsep.join(filter(None, [_PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": python_path, "PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"}
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "trekkportal.submissions.parsers.sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=_PROJECT_ROOT,
            start_new_session=True,
        )
    except OSError:
        return ParseFailure("crashed")
    try:
        out, err = child.communicate(request, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return ParseFailure("timeout")
    if child.returncode != 0 or not out:
        return _death(child.returncode, err)
    try:
        return decode(orjson.loads(out))
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

LINE_WIDTH = len(Line._fields)
_BIRTH = Line._fields.index("listed_birth_date")


def encode(outcome: ParsedList | ParseFailure) -> dict[str, Any]:
    if isinstance(outcome, ParseFailure):
        return {"failure": outcome.code, "params": outcome.params}
    t = outcome.totals
    return {
        "format": outcome.format,
        "columns": outcome.columns,
        "meta": outcome.meta,
        "totals": [t.rows, t.valid, t.invalid, t.amount_ore, t.declared_ore],
        "errors": [[e.row, e.column, e.code, e.params] for e in outcome.errors],
        "count": len(outcome.lines),
        "lines": [_pack(tuple(map(itemgetter(i), outcome.lines))) for i in range(LINE_WIDTH)]
        if outcome.lines
        else [],
    }


def _pack(column: tuple[Any, ...]) -> Any:
    """A column as an array, or ``{"same": value}`` when every line has the same value
    (flags, the period, a column the list does not have): most of a list's columns."""
    first = column[0]
    if column.count(first) == len(column) and (first is None or type(first) in (bool, str)):
        return {"same": first}
    if type(first) is str:
        try:
            joined = _SEP.join(column)  # a TypeError when not every value is text
        except TypeError:
            return column
        if joined.count(_SEP) == len(column) - 1:  # no value holds the separator itself
            return {"joined": joined}
    return column


# Text columns (identity numbers, names, numbers) travel as one string each: writing and
# reading one long string is far cheaper than 100,000 short ones.
_SEP = "\u241f"  # SYMBOL FOR UNIT SEPARATOR: not in payroll data, not escaped in JSON


def _unpack(column: Any, count: int) -> list[Any]:
    if isinstance(column, dict):
        if "joined" in column:
            return str(column["joined"]).split(_SEP)
        return [column["same"]] * count
    return column


def dumps(outcome: ParsedList | ParseFailure) -> bytes:
    """The child's answer: orjson (dates as ISO strings, tuples as arrays)."""
    return orjson.dumps(encode(outcome))


def decode(data: dict[str, Any]) -> ParsedList | ParseFailure:
    if "failure" in data:
        return ParseFailure(str(data["failure"]), _params(data.get("params")))
    count = int(data.get("count", 0))
    columns = [_unpack(column, count) for column in data["lines"]]
    if count and (len(columns) != LINE_WIDTH or any(len(c) != count for c in columns)):
        raise ValueError("lines")
    if count:
        dates: dict[str, dt.date] = {}
        births = columns[_BIRTH]
        for index, value in enumerate(births):
            if value is not None:
                date = dates.get(value)
                if date is None:
                    date = dates[value] = dt.date.fromisoformat(value)
                births[index] = date
        new_line = tuple.__new__
        lines = [new_line(Line, values) for values in zip(*columns, strict=True)]
    else:
        lines = []
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


def child_main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    # Import the spreadsheet reader before the limit, so it counts only the work on the
    # file (pdfplumber is imported only for PDFs; its import counts against the limit).
    import python_calamine  # noqa: F401

    from trekkportal.submissions.parsers.core import parse

    _limit_self(float(request["timeout_s"]), int(request["memory_mb"]))
    today = dt.date.fromisoformat(request["today"]) if request["today"] else None
    try:
        outcome: ParsedList | ParseFailure = parse(
            request["path"],
            request["filename"],
            today=today,
            limits=Limits(**request["limits"]),
            mappings=request.get("mappings") or None,
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
        payload = dumps(outcome)
    except MemoryError:
        payload = dumps(ParseFailure("memory"))
    sys.stdout.buffer.write(payload)
    sys.stdout.flush()


if __name__ == "__main__":
    child_main()
