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
from pathlib import Path
from typing import Any

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
) -> ParsedList | ParseFailure:
    """Check and parse ``path`` in a child process; never raises for a bad file."""
    request = json.dumps(
        {
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
        return decode(json.loads(out))
    except (ValueError, TypeError, KeyError, IndexError):
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
        "lines": [
            [*line[:12], line[12].isoformat() if line[12] else None, line[13]]
            for line in outcome.lines
        ],
    }


def decode(data: dict[str, Any]) -> ParsedList | ParseFailure:
    if "failure" in data:
        return ParseFailure(str(data["failure"]), _params(data.get("params")))
    new_line = tuple.__new__
    fromiso = dt.date.fromisoformat
    lines = []
    for item in data["lines"]:
        if len(item) != 14:
            raise ValueError("line")
        if item[12] is not None:
            item[12] = fromiso(item[12])
        lines.append(new_line(Line, item))
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
            request["path"], request["filename"], today=today, limits=Limits(**request["limits"])
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
        payload = json.dumps(encode(outcome), ensure_ascii=False, separators=(",", ":"))
    except MemoryError:
        payload = json.dumps(encode(ParseFailure("memory")))
    sys.stdout.buffer.write(payload.encode())
    sys.stdout.flush()


if __name__ == "__main__":
    child_main()
