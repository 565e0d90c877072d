"""Services a test needs beside the test database (Redis): a test without one is skipped
on a developer's machine, but fails in CI (the environment variable ``CI``, which
``.ci/run`` sets), where ``.ci/run`` starts them and a skip would hide a missing service."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_service(message: str) -> None:
    """Skip the test for want of a service, or fail it under CI."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def require_redis(url: str = REDIS_URL) -> None:
    """Skip (fail under CI) unless Redis answers at ``url``."""
    if not redis_reachable(url):
        where = urlsplit(url)
        missing_service(
            f"Redis is not running on {where.hostname}:{where.port or 6379} "
            "(CI needs it: .ci/run starts it)"
        )
