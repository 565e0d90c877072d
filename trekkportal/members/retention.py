"""Retention for the member register's import: a staged register file (sealed, full of
identity numbers) that staff previewed but never confirmed goes after two hours, also when
nobody stages another one (registered with ``purge_expired``, which the worker runs
nightly)."""

from __future__ import annotations

import datetime as dt

from trekkportal.letters.retention import register_purge

from .staging import sweep_staged_files


@register_purge("member_imports")
def purge_staged_imports(*, now: dt.datetime) -> dict[str, int]:
    return {"staged_files": sweep_staged_files(now=now)}
