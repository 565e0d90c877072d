"""Retention: what is kept how long, and the purge that applies it (``purge_expired``,
also daily in the worker).

Each app that keeps data with an end date registers one purge function in its own
``retention.py`` module (imported by ``purge_expired`` for every installed app)::

    from trekkportal.letters.retention import register_purge

    @register_purge("submissions")
    def purge_old_submissions(*, now: datetime) -> dict[str, int]:
        ...  # delete what expired; return counts, e.g. {"files": 3, "lines": 1200}

A purge must be idempotent (the next run finds nothing more to do) and never half-delete:
a file that cannot be deleted keeps its row, so the next run tries again (count it under
``"retry"``). Each purge is audited (``retention.purged``) with its counts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

logger = logging.getLogger(__name__)

PurgeFunction = Callable[..., dict[str, int]]
_PURGES: dict[str, PurgeFunction] = {}


def register_purge(name: str) -> Callable[[PurgeFunction], PurgeFunction]:
    def register(function: PurgeFunction) -> PurgeFunction:
        _PURGES[name] = function
        return function

    return register


def registered_purges() -> dict[str, PurgeFunction]:
    autodiscover_modules("retention")
    return dict(_PURGES)


def purge_expired(*, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Run every registered purge; each one's counts, audited. A purge that fails is
    logged and the others still run (the next run retries it)."""
    now = now or timezone.now()
    results: dict[str, dict[str, int]] = {}
    failed = []
    for name, function in registered_purges().items():
        try:
            counts = function(now=now)
        except Exception:
            logger.exception("purge %s failed", name)
            failed.append(name)
            continue
        results[name] = counts
        record(AuditAction.RETENTION_PURGED, purge=name, **counts)
    if failed:
        raise PurgeFailed(failed, results)
    return results


class PurgeFailed(RuntimeError):
    def __init__(self, failed: list[str], results: dict[str, Any]):
        super().__init__(f"purges failed: {', '.join(failed)}")
        self.failed = failed
        self.results = results


def delete_stored_file(name: str) -> bool:
    """Delete one stored file; True when it is gone (also when it was gone already)."""
    try:
        default_storage.delete(name)
    except FileNotFoundError:
        return True
    except Exception:
        logger.exception("could not delete %s; the next purge tries again", name)
        return False
    try:
        return not default_storage.exists(name)
    except Exception:
        return False


# --- letters: six months after they were created -----------------------------------------

PURGE_CHUNK = 500


@register_purge("letters")
def purge_expired_letters(*, now: dt.datetime) -> dict[str, int]:
    """Published letters older than six months: file first, then the row (their member
    changes stay taken). Drafts nobody published or discarded in six months are discarded,
    which gives their changes back to the next run."""
    from .models import Letter, LetterBatch
    from .selectors import visible_since
    from .services import discard_batch

    cutoff = visible_since(now)
    stale_drafts = list(
        LetterBatch.objects.filter(state=LetterBatch.State.DRAFT, created_at__lt=cutoff)
    )
    for batch in stale_drafts:
        discard_batch(batch=batch, acting_user=None)
    deleted = retry = 0
    expired = Letter.objects.filter(is_published=True, created_at__lt=cutoff).order_by("pk")
    rows = list(expired.values_list("pk", "storage_name"))
    for start in range(0, len(rows), PURGE_CHUNK):
        chunk = rows[start : start + PURGE_CHUNK]
        gone = [pk for pk, name in chunk if delete_stored_file(name)]
        retry += len(chunk) - len(gone)
        if gone:
            Letter.objects.filter(pk__in=gone).delete()
            deleted += len(gone)
    return {"letters": deleted, "retry": retry, "drafts_discarded": len(stale_drafts)}
