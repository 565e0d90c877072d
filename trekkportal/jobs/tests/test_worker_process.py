"""Real worker processes (``manage.py run_worker``) against the test database.

The test database must be visible to the child processes: on PostgreSQL they connect to the
test database by name; SQLite's test database lives in memory, so it is copied to a file
(with the jobs already queued) and the children use that file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from trekkportal.jobs.models import Job

from . import sample_jobs

pytestmark = pytest.mark.django_db(transaction=True)

MANAGE = Path(settings.BASE_DIR) / "manage.py"
JOB_COLUMNS = "id, name, status, attempts, locked_by, last_error"


class SharedDatabase:
    """The test database as the worker subprocesses see it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.vendor = connection.vendor
        self.file: Path | None = None

    def publish(self) -> None:
        """Call after queueing, before starting workers."""
        if self.vendor == "sqlite":
            self.file = self.tmp_path / "shared.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()

    @property
    def url(self) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.file}"
        s = connection.settings_dict
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    def jobs(self, name: str) -> list[dict]:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file, timeout=20) as db:
                rows = db.execute(
                    f"SELECT {JOB_COLUMNS} FROM jobs_job WHERE name = ? ORDER BY id",  # noqa: S608
                    (name,),
                ).fetchall()
            keys = [k.strip() for k in JOB_COLUMNS.split(",")]
            return [dict(zip(keys, row, strict=True)) for row in rows]
        return list(
            Job.objects.filter(name=name)
            .order_by("id")
            .values("id", "name", "status", "attempts", "locked_by", "last_error")
        )


@pytest.fixture
def shared_db(tmp_path):
    return SharedDatabase(tmp_path)


@pytest.fixture
def start_worker(shared_db, tmp_path):
    processes: list[subprocess.Popen] = []

    def start(**env_overrides: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": shared_db.url,
            "JOBS_LEASE_SECONDS": "10",
            "JOBS_BACKOFF_SECONDS": "0",
            "EMAIL_URL": "consolemail://",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
            "PGAPPNAME": "trekkportal-test-worker",  # libpq: names the workers' connections
            **env_overrides,
        }
        log = (tmp_path / f"worker-{len(processes)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "run_worker", "--poll-interval", "0.1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def wait_for(predicate, *, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))


def test_a_job_of_a_worker_killed_mid_job_is_retried_by_another_worker(
    shared_db, start_worker, tmp_path
):
    marker = str(tmp_path / "hang")
    sample_jobs.hang_on_first_try.enqueue(marker=marker)
    shared_db.publish()
    name = sample_jobs.hang_on_first_try.name

    first = start_worker(JOBS_LEASE_SECONDS="2")  # the job is free 2 s after a death
    wait_for(lambda: Path(marker + ".try1").exists(), what="the first try to start")
    assert shared_db.jobs(name)[0]["status"] == "running"
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    second = start_worker(JOBS_LEASE_SECONDS="2")
    wait_for(lambda: shared_db.jobs(name)[0]["status"] == "done", what="the retry to finish")

    [job] = shared_db.jobs(name)
    assert job["attempts"] == 2
    assert Path(marker + ".try2").read_text() == str(second.pid)
    assert int(Path(marker + ".try1").read_text()) == first.pid
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0, logs(tmp_path)


def test_sigterm_lets_the_current_job_finish_then_stops(shared_db, start_worker, tmp_path):
    out = tmp_path / "lines.txt"
    sample_jobs.append_line.enqueue(path=str(out), pause=2.0)
    shared_db.publish()
    name = sample_jobs.append_line.name

    worker = start_worker()
    wait_for(lambda: shared_db.jobs(name)[0]["status"] == "running", what="the job to start")
    worker.send_signal(signal.SIGTERM)

    assert worker.wait(30) == 0, logs(tmp_path)
    [job] = shared_db.jobs(name)
    assert job["status"] == "done"
    assert out.read_text().split() == [str(job["id"]), str(worker.pid)]
    assert "stopped" in logs(tmp_path)


def test_sigterm_releases_a_job_that_outlasts_the_grace_period(shared_db, start_worker, tmp_path):
    marker = str(tmp_path / "hang")
    sample_jobs.hang_on_first_try.enqueue(marker=marker)
    shared_db.publish()
    name = sample_jobs.hang_on_first_try.name

    worker = start_worker(WORKER_SHUTDOWN_GRACE="1", JOBS_LEASE_SECONDS="600")
    wait_for(lambda: Path(marker + ".try1").exists(), what="the job to start")
    worker.send_signal(signal.SIGTERM)

    assert worker.wait(30) == 0, logs(tmp_path)
    [job] = shared_db.jobs(name)
    assert job["status"] == "queued"  # given back at once, not after the 10-minute lease
    assert job["attempts"] == 0  # an interrupted try does not count
    assert job["locked_by"] == ""
    assert "released" in logs(tmp_path)


def test_two_workers_never_run_the_same_job(shared_db, start_worker, tmp_path):
    """On PostgreSQL this exercises SELECT ... FOR UPDATE SKIP LOCKED, on SQLite the
    conditional UPDATE under BEGIN IMMEDIATE."""
    out = tmp_path / "lines.txt"
    total = 150
    for _ in range(total):
        sample_jobs.append_line.enqueue(path=str(out), pause=0.01)
    shared_db.publish()
    name = sample_jobs.append_line.name

    workers = [start_worker() for _ in range(3)]
    wait_for(
        lambda: all(j["status"] == "done" for j in shared_db.jobs(name)),
        timeout=120,
        what="all jobs to be done",
    )
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(30) == 0, logs(tmp_path)

    runs = [line.split() for line in out.read_text().splitlines()]
    job_ids = [job_id for job_id, _ in runs]
    assert len(job_ids) == total
    assert len(set(job_ids)) == total  # no job ran twice
    assert len({pid for _, pid in runs}) >= 2  # the work was really shared
    assert all(j["attempts"] == 1 for j in shared_db.jobs(name))


def test_a_job_longer_than_its_lease_keeps_it_through_the_heartbeat(
    shared_db, start_worker, tmp_path
):
    out = tmp_path / "lines.txt"
    sample_jobs.append_line.enqueue(path=str(out), pause=6.0)
    shared_db.publish()
    name = sample_jobs.append_line.name

    workers = [start_worker(JOBS_LEASE_SECONDS="3") for _ in range(2)]
    wait_for(lambda: shared_db.jobs(name)[0]["status"] == "done", what="the job to finish")
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(30) == 0, logs(tmp_path)

    assert len(out.read_text().splitlines()) == 1  # the idle worker never took it over
    assert shared_db.jobs(name)[0]["attempts"] == 1


def test_a_job_that_runs_past_its_timeout_is_stopped_and_counted_as_a_failed_try(
    shared_db, start_worker, tmp_path
):
    sample_jobs.takes_too_long.enqueue()
    shared_db.publish()
    name = sample_jobs.takes_too_long.name

    worker = start_worker()
    wait_for(lambda: shared_db.jobs(name)[0]["status"] == "failed", what="the timeout")

    [job] = shared_db.jobs(name)
    assert job["last_error"].startswith("JobTimeout")
    assert worker.poll() is None  # the worker itself carries on
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, logs(tmp_path)


@pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"],
    reason="Dropping a server-side connection needs a database server (PostgreSQL).",
)
def test_the_worker_survives_its_database_connection_being_dropped(
    shared_db, start_worker, tmp_path
):
    out = tmp_path / "lines.txt"
    shared_db.publish()
    name = sample_jobs.append_line.name
    worker = start_worker(CONN_MAX_AGE="600")  # keep (and so lose) a persistent connection
    wait_for(lambda: "started" in logs(tmp_path), what="the worker to start")
    time.sleep(0.5)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            ["trekkportal-test-worker"],
        )
        assert cursor.fetchall()  # the worker's connection was there, and is gone
    sample_jobs.append_line.enqueue(path=str(out))

    wait_for(lambda: shared_db.jobs(name)[0]["status"] == "done", what="the job after the drop")
    assert worker.poll() is None
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, logs(tmp_path)
