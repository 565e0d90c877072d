"""``parse_safely``: the file-safety checks and the parser in a child process with limits.

A hostile file (security-tests.md E3-E6, E14) may make a reader allocate without bound,
loop, or abort the process (a Rust panic in calamine cannot always be caught). So the work
runs in a fresh ``spawn``-ed process with:

* ``RLIMIT_AS``: ``memory_mb`` of address space on top of what the child has mapped after
  importing the readers (a MemoryError or an abort follows, never the parent);
* ``RLIMIT_CPU`` and a wall-clock timeout: the parent kills the child after ``timeout_s``;
* ``RLIMIT_FSIZE`` 0 and ``RLIMIT_CORE`` 0: the child writes no files and no core dumps.

Whatever happens, the parent gets a ``ParsedList`` or a ``ParseFailure(code)`` and goes on.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import resource
import signal
from typing import Any

from trekkportal.lib.filesafety import DEFAULT_LIMITS, Limits, UnsafeFile
from trekkportal.submissions.parsers.model import ParsedList, ParseError, ParseFailure

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 600


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
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child,
        args=(sender, os.fspath(path), filename, timeout_s, memory_mb, today, limits),
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            return ParseFailure("timeout")
        try:
            outcome = receiver.recv()
        except (EOFError, OSError):
            outcome = None  # the child died before it could answer (killed, aborted)
        except Exception:  # a result that cannot be unpickled
            outcome = ParseFailure("crashed")
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if outcome is None:
        exitcode = child.exitcode
        # Under RLIMIT_AS a native reader's failed allocation aborts the process (Rust's
        # alloc error handler: SIGABRT) or the kernel kills it (SIGKILL); anything else, a
        # segfault say, is a crash.
        code = "memory" if exitcode in (-signal.SIGABRT, -signal.SIGKILL) else "crashed"
        return ParseFailure(code, {"exitcode": exitcode})
    return outcome


def _child(
    conn: Any,
    path: str,
    filename: str,
    timeout_s: float,
    memory_mb: int,
    today: dt.date | None,
    limits: Limits,
) -> None:
    try:
        # Import the readers first, so the limit counts only the work on the file.
        import pdfplumber  # noqa: F401
        import python_calamine  # noqa: F401

        from trekkportal.submissions.parsers.core import parse

        _limit_self(timeout_s, memory_mb)
        try:
            outcome: ParsedList | ParseFailure = parse(path, filename, today=today, limits=limits)
        except UnsafeFile as exc:
            outcome = ParseFailure(exc.code, exc.params)
        except ParseError as exc:
            outcome = ParseFailure(exc.code, exc.params)
        except MemoryError:
            outcome = ParseFailure("memory")
        except RecursionError:
            outcome = ParseFailure("crashed")
        except BaseException:  # a Rust panic surfaces as pyo3's PanicException
            outcome = ParseFailure("crashed")
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(ParseFailure("memory"))
    finally:
        conn.close()


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
