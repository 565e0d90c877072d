"""A register file held between the back office's preview and the staff's confirmation.

The file holds full identity numbers, so it is never kept in the session or in plain text
at rest: it is sealed with the current identity-number key (AES-GCM, ``lib.nincrypt``) and
stored under a generated name; the session keeps only that name. Applying or discarding a
staged file deletes it; staged files older than ``STAGED_MAX_AGE`` (a preview nobody
confirmed) are removed whenever another one is staged, and by the nightly
``purge_expired`` (``members/retention.py``).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from trekkportal.lib.nincrypt import keys

FOLDER = "member-imports"
STAGED_MAX_AGE = dt.timedelta(hours=2)
_AAD = b"trekkportal.members.staging"


def stage_file(data: bytes) -> str:
    """Seal and store ``data``; returns the name to give back to ``staged_file``."""
    sweep_staged_files(now=timezone.now())
    k = keys()
    nonce = os.urandom(12)
    sealed = k.ciphers[k.current_id].encrypt(nonce, data, _AAD + k.current_id.encode())
    name = f"{FOLDER}/{uuid.uuid4().hex}.{k.current_id}"
    default_storage.save(name, ContentFile(nonce + sealed))
    return name


def staged_file(name: str) -> bytes | None:
    """The staged bytes, or None when the name is not one of ours or the file is gone."""
    if not _is_ours(name) or not default_storage.exists(name):
        return None
    key_id = name.rpartition(".")[2]
    cipher = keys().ciphers.get(key_id)
    if cipher is None:
        return None
    with default_storage.open(name, "rb") as handle:
        raw = handle.read()
    return cipher.decrypt(raw[:12], raw[12:], _AAD + key_id.encode())


def discard_file(name: str) -> None:
    if _is_ours(name) and default_storage.exists(name):
        default_storage.delete(name)


def _is_ours(name: str) -> bool:
    folder, _, base = str(name).partition("/")
    stem = base.partition(".")[0]
    return folder == FOLDER and len(stem) == 32 and stem.isalnum() and "/" not in base


def sweep_staged_files(*, now: dt.datetime) -> int:
    """Delete the staged files older than ``STAGED_MAX_AGE``; how many went."""
    try:
        _dirs, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = now - STAGED_MAX_AGE
    deleted = 0
    for base in files:
        name = f"{FOLDER}/{base}"
        if _is_ours(name) and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            deleted += 1
    return deleted
