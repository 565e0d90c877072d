"""Scale-out: two gunicorn web processes and two workers against one PostgreSQL, one Redis
and one S3-compatible object store. Logged in on one, the user is logged in on the other;
lists submitted through both are each stored once, parsed once and receipted once.

Runs in the PostgreSQL suite (a PostgreSQL DATABASE_URL, as CI's second run) and is
skipped on SQLite. Needs Redis on 127.0.0.1:6379: skipped without it, but failed under CI
(services.require_redis)."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
from django.db import connection

from .instances import USERS_SCRIPT, Browser, Instance, Processes
from .s3 import object_sha256s, s3_environment
from .services import require_redis

pytestmark = pytest.mark.django_db(transaction=True)

WEB_PORTS = (8113, 8114)
USERS = 4
LISTS_PER_USER = 4


def _csv(n: int, seed: int) -> bytes:
    import datetime as dt

    from trekkportal.lib.identity import make_valid_nin

    rows = ["Fødselsnummer;Navn;Trekk"]
    for i in range(n):
        nin = make_valid_nin(dt.date(1960 + (seed + i) % 40, 1 + i % 12, 1 + i % 28), 200 + i)
        rows.append(f"{nin};Test, Person {i};{500 + i},00")
    return ("\r\n".join(rows) + "\r\n").encode()


def _query(instance, sql: str) -> list[tuple]:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=instance.db_name,
    ) as db:
        return db.execute(sql).fetchall()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scale-out test runs on PostgreSQL"
)
def test_two_web_processes_and_two_workers_share_one_database_cache_and_store(tmp_path, s3_bucket):
    require_redis()
    instance = Instance(
        tmp_path,
        "scale",
        DEBUG="false",
        SECRET_KEY="scale-" + uuid.uuid4().hex * 2,
        SITE_URL=f"http://127.0.0.1:{WEB_PORTS[0]}",
        REDIS_URL=f"redis://127.0.0.1:6379/0?key_prefix=scale-{uuid.uuid4().hex[:8]}",
        JOBS_BACKOFF_SECONDS="1",
        **s3_environment(s3_bucket),
    )
    try:
        instance.manage("migrate", "--no-input", "-v", "0")
        instance.manage("collectstatic", "--no-input", "-v", "0")
        instance.shell(USERS_SCRIPT.replace("USERS", str(USERS)))
        bases = [f"http://127.0.0.1:{port}" for port in WEB_PORTS]
        expected = {}  # original name -> (sha256, rows)
        with Processes(instance) as processes:
            for port in WEB_PORTS:
                processes.web(port)
            processes.worker("1")
            processes.worker("2")

            for n in range(USERS):
                browser = Browser(bases[n % 2], f"lonn{n}@scale.example")
                browser.log_in()
                # The session lives in the shared store: the other web process knows it.
                assert browser.get("/innsending/", bases[(n + 1) % 2]).status_code == 200
                for k in range(LISTS_PER_USER):
                    name = f"liste-{n}-{k}.csv"
                    data = _csv(3 + k, n * 10 + k)
                    response = browser.submit(data, name, bases[k % 2])
                    assert response.status_code == 302, response.status_code
                    assert "/kvittering/" in response.headers["Location"]
                    expected[name] = (hashlib.sha256(data).hexdigest(), 3 + k)

            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                left = _query(
                    instance,
                    "SELECT count(*) FROM submissions_submittedfile WHERE state <> 'done'",
                )[0][0]
                mail = _query(
                    instance, "SELECT count(*) FROM mail_outboxmessage WHERE status = 'queued'"
                )[0][0]
                if left == 0 and mail == 0:
                    break
                time.sleep(0.5)

        files = _query(
            instance,
            "SELECT f.original_name, f.sha256, f.state, f.storage_name, "
            "(SELECT count(*) FROM submissions_deductionline l WHERE l.submitted_file_id = f.id)"
            " FROM submissions_submittedfile f",
        )
        assert {name: (sha, rows) for name, sha, _s, _k, rows in files} == expected
        assert {state for _n, _s, state, _k, _r in files} == {"done"}
        # Every file is in the object store, byte for byte: each object read back has the
        # SHA-256 of the list that was submitted for it, and there is no other object.
        stored = {key: expected[name][0] for name, _sha, _s, key, _r in files}
        assert object_sha256s(s3_bucket) == stored
        # Each file parsed by exactly one job run; each receipt sent exactly once.
        parse_jobs = _query(
            instance,
            "SELECT status, attempts FROM jobs_job WHERE name LIKE '%parse_submitted_file'",
        )
        assert parse_jobs == [("done", 1)] * len(expected)
        mails = _query(instance, "SELECT status, attempts FROM mail_outboxmessage")
        assert len(mails) == len(expected)
        assert {status for status, _a in mails} == {"sent"}
        assert {attempts for _s, attempts in mails} == {1}
        workers = _query(
            instance, "SELECT count(DISTINCT locked_by) FROM jobs_job WHERE status = 'done'"
        )
        assert workers[0][0] >= 1
    finally:
        instance.drop()
