"""Health of the things a web process needs: the database, the cache, file storage and the
background queue. Used by ``/healthz`` (load balancers) and the ``status`` command
(operators). Each check answers ok or not, with a short reason for the operator only."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # for operators (the status command); never sent by /healthz


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def check_cache() -> Check:
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return Check("cache", False, type(exc).__name__)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return Check("cache", ok, backend if ok else f"{backend}: value not read back")


def check_storage() -> Check:
    storage = default_storage
    backend = type(storage._wrapped if hasattr(storage, "_wrapped") else storage).__name__
    try:
        if isinstance(getattr(storage, "_wrapped", storage), FileSystemStorage):
            # The folder is created at the first upload: until then its parent must be writable.
            location = storage.location
            while not os.path.exists(location) and os.path.dirname(location) != location:
                location = os.path.dirname(location)
            if not os.path.isdir(location) or not os.access(location, os.W_OK | os.X_OK):
                return Check("storage", False, f"{backend}: MEDIA_ROOT is not writable")
        else:
            storage.exists("healthz-probe")  # one cheap request (a HEAD on object storage)
    except Exception as exc:
        return Check("storage", False, f"{backend}: {type(exc).__name__}")
    return Check("storage", True, backend)


def queue_lag_seconds() -> float:
    """How long the oldest job that is due has been waiting (0 when none waits)."""
    from trekkportal.jobs.models import Job

    now = timezone.now()
    oldest = (
        Job.objects.filter(status=Job.Status.QUEUED, run_after__lte=now)
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def check_queue() -> Check:
    try:
        lag = queue_lag_seconds()
    except Exception as exc:
        return Check("queue", False, type(exc).__name__)
    limit = settings.HEALTH_MAX_QUEUE_LAG_SECONDS
    ok = lag <= limit
    return Check("queue", ok, f"oldest due job waits {lag:.0f} s (limit {limit} s)")


def run_checks() -> list[Check]:
    checks = [check_database(), check_cache(), check_storage()]
    # The queue lives in the database: without one there is nothing to ask.
    checks.append(check_queue() if checks[0].ok else Check("queue", False, "no database"))
    return checks
