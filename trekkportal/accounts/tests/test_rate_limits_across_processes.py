"""Rate limits hold across worker processes (docs/security.md A7, B4; the
default cache is shared by every process). Two separate Python processes hit the same
database; the second one sees the attempts the first one used up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from trekkportal.portal.tests.services import require_redis

ROOT = Path(__file__).resolve().parents[3]
WORKER = [sys.executable, "-m", "trekkportal.accounts.tests.ratelimit_worker"]
RUN = uuid.uuid4().hex[:8]
EMAIL = f"delt-{RUN}@alfa.example"


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module", params=["database-cache", "redis"])
def shared_database(request, tmp_path_factory):
    """A file database both worker processes use, and the cache under test: the default
    (the database cache) or Redis (CACHE_URL), as in the scale-out profile. Without Redis
    the Redis half is skipped, or fails under CI."""
    if request.param == "redis":
        require_redis(REDIS_URL)
    var = tmp_path_factory.mktemp("shared-var")
    env = {
        **os.environ,
        "TREKKPORTAL_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        # A key prefix of this run's own: other test runs may share the Redis database.
        "CACHE_URL": f"{REDIS_URL}?key_prefix=rl-{RUN}" if request.param == "redis" else "",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True, timeout=60)
    run(env, "create_user", EMAIL, 0)
    return env


def run(env, *args) -> dict:
    done = subprocess.run(
        [*WORKER, *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_failed_logins_are_counted_across_two_processes(shared_database):
    first = run(shared_database, "wrong_logins", EMAIL, 3)
    second = run(shared_database, "wrong_logins", EMAIL, 3)
    assert first["pid"] != second["pid"]
    assert first["results"] == ["wrong", "wrong", "wrong"]
    # 5 failures per account: the second process is throttled after two more.
    assert second["results"] == ["wrong", "wrong", "throttled"]
    right = run(shared_database, "wrong_logins", EMAIL, 1, "a-long-test-passphrase-2026")
    assert right["results"] == ["throttled"]


def test_code_requests_are_counted_across_two_processes(shared_database):
    first = run(shared_database, "code_requests", f"ny-{RUN}@alfa.example", 2)
    second = run(shared_database, "code_requests", f"ny-{RUN}@alfa.example", 2)
    assert first["results"] == [302, 302]
    assert second["results"] == [302, 429]  # 3 per address per 10 minutes


def test_the_check_would_catch_a_per_process_cache(shared_database):
    # Control: with a per-process (local memory) cache each worker counts on its own, so
    # the limit multiplies by the number of workers. The tests above would fail.
    env = {**shared_database, "CACHE_URL": "locmemcache://"}
    address = f"kontroll-{RUN}-{shared_database['CACHE_URL'] != ''}@alfa.example"
    run(env, "create_user", address, 0)
    first = run(env, "wrong_logins", address, 3)
    second = run(env, "wrong_logins", address, 3)
    assert first["results"] == second["results"] == ["wrong", "wrong", "wrong"]
