"""Jobs used by the tests (importable by a worker subprocess by their dotted names)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from trekkportal.jobs.queue import current_job, job

CALLS: list[dict] = []


@job
def remember(**kwargs) -> None:
    CALLS.append(kwargs)


@job(max_attempts=3)
def always_fails(*, note: str = "") -> None:
    raise RuntimeError(f"broken for 01019012345 {note}")


@job(max_attempts=3)
def enqueue_more(*, depth: int) -> None:
    CALLS.append({"depth": depth})
    if depth:
        enqueue_more.enqueue(depth=depth - 1)


@job(max_attempts=3)
def append_line(*, path: str, pause: float = 0.0) -> None:
    """Append "<job id> <pid>" to a file (O_APPEND: whole lines even from many processes)."""
    running = current_job()
    if pause:
        time.sleep(pause)
    with Path(path).open("a") as out:
        out.write(f"{running.pk} {os.getpid()}\n")


@job(max_attempts=3)
def hang_on_first_try(*, marker: str) -> None:
    """Try 1 announces itself and then hangs (until the test kills the worker); later
    tries finish at once."""
    running = current_job()
    Path(marker + f".try{running.attempts}").write_text(str(os.getpid()))
    if running.attempts == 1:
        time.sleep(600)


@job(max_attempts=1, timeout=1)
def takes_too_long(*, seconds: float = 600) -> None:
    time.sleep(seconds)
