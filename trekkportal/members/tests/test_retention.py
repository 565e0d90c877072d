"""A staged register file nobody confirmed goes with the nightly purge."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.utils import timezone

from trekkportal.letters.retention import purge_expired, registered_purges
from trekkportal.members.staging import STAGED_MAX_AGE, stage_file, staged_file


def _age(settings, name: str, by: dt.timedelta) -> None:
    path = Path(settings.MEDIA_ROOT) / name
    when = (timezone.now() - by).timestamp()
    os.utime(path, (when, when))


def test_the_register_import_registers_its_purge():
    assert "member_imports" in registered_purges()


def test_the_nightly_purge_removes_a_staged_file_older_than_two_hours_only(db, settings):
    old = stage_file(b"fnr;navn\n")
    fresh = stage_file(b"fnr;navn\n")
    _age(settings, old, STAGED_MAX_AGE + dt.timedelta(minutes=1))

    result = purge_expired()["member_imports"]

    assert result == {"staged_files": 1}
    assert staged_file(old) is None
    assert staged_file(fresh) == b"fnr;navn\n"


def test_the_purge_leaves_files_that_are_not_staged_imports_alone(db, settings):
    other = Path(settings.MEDIA_ROOT) / "member-imports" / "notes.txt"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text("kept")
    when = (timezone.now() - dt.timedelta(days=3)).timestamp()
    os.utime(other, (when, when))

    assert purge_expired()["member_imports"] == {"staged_files": 0}
    assert other.exists()
