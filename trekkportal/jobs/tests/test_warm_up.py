"""A fresh worker does before its first job what would make that job slow."""

from __future__ import annotations

import logging

from trekkportal.jobs import queue
from trekkportal.submissions.jobs import start_parser
from trekkportal.submissions.parsers.sandbox import SERVER


def test_warm_up_runs_every_registered_function_and_survives_one_that_fails(monkeypatch, caplog):
    ran = []

    def broken():
        raise RuntimeError("no head start today")

    monkeypatch.setattr(queue, "_WARM_UPS", [broken, lambda: ran.append("second")])
    with caplog.at_level(logging.ERROR, logger="trekkportal.jobs.queue"):
        queue.warm_up()

    assert ran == ["second"]
    assert "worker warm-up" in caplog.text


def test_a_worker_starts_the_parsers_fork_server_before_the_first_file():
    SERVER.stop()
    assert start_parser in queue._WARM_UPS

    start_parser()

    assert SERVER.pid is not None
    first = SERVER.pid
    start_parser()  # already running: the same server
    assert SERVER.pid == first
