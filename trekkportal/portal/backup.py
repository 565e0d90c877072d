"""Backup and restore of a whole installation: the database and every stored file.

A backup is one ``.tar`` archive:

    manifest.json      when, which database engine, and every file with size and SHA-256
    database.sqlite3   SQLite, copied through SQLite's online backup API (consistent while
                       the portal runs; never a file copy of a database in WAL mode)
    database.pgdump    PostgreSQL, ``pg_dump --format=custom`` (one consistent snapshot)
    files/<name>       every object in the file storage (local folder or S3), byte for byte

``restore`` loads such an archive into an empty installation of the same database engine
and checks every file against the manifest, then every submitted file against the SHA-256
its row records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, connections

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

FORMAT = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Verification:
    submissions: int
    files: int
    lines: int
    problems: list[str]


# Files --------------------------------------------------------------------------------------


def stored_names(storage=default_storage, folder: str = "") -> list[str]:
    """Every file in the storage, walking folders (works for local folders and S3)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in dirs:
        names.extend(stored_names(storage, f"{folder}/{sub}" if folder else sub))
    return sorted(names)


def _sha256(handle) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# The database ----------------------------------------------------------------------------------


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _pg_env(db: dict) -> tuple[list[str], dict]:
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def dump_database(target: Path, *, alias: str = "default") -> str:
    db = connections[alias].settings_dict
    engine = connections[alias].vendor
    if engine == "sqlite":
        connections[alias].ensure_connection()
        source = connections[alias].connection
        with sqlite3.connect(target) as copy:
            source.backup(copy)  # the online backup API: a consistent snapshot
        return "sqlite"
    if engine == "postgresql":
        args, env = _pg_env(db)
        command = [_program("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges"]
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [*command, "--file", str(target), db["NAME"]], env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        return "postgresql"
    raise BackupError(f"No backup method for the {engine} database.")


def load_database(source: Path, engine: str, *, alias: str = "default") -> None:
    conn = connections[alias]
    if conn.vendor != engine:
        raise BackupError(f"The backup is of a {engine} database; this one is {conn.vendor}.")
    if engine == "sqlite":
        conn.close()
        conn.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(conn.connection)
        conn.close()
        return
    args, env = _pg_env(conn.settings_dict)
    conn.close()
    result = subprocess.run(  # noqa: S603
        [
            _program("pg_restore"),
            *args,
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--dbname",
            conn.settings_dict["NAME"],
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")


# Backup and restore ---------------------------------------------------------------------------


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def create_backup(target: Path) -> dict:
    """Write the archive to ``target`` (via a temporary name, so a half-written backup never
    looks like a finished one) and return its manifest."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory() as work:
        # The database first: a file stored after the snapshot is harmless (an orphan the
        # sweeper removes); a row whose file is missing from the backup would not be.
        engine = connection.vendor
        db_name = "database.sqlite3" if engine == "sqlite" else "database.pgdump"
        db_path = Path(work) / db_name
        dump_database(db_path)
        files = []
        old_umask = os.umask(0o077)
        try:
            with tarfile.open(partial, "w") as archive:
                archive.add(db_path, arcname=db_name)
                for name in stored_names():
                    with default_storage.open(name, "rb") as handle:
                        sha, size = _sha256(handle)
                        handle.seek(0)
                        info = tarfile.TarInfo(f"files/{name}")
                        info.size = size
                        info.mode = 0o600
                        archive.addfile(info, handle)
                    files.append({"name": name, "size": size, "sha256": sha})
                manifest = {
                    "format": FORMAT,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "engine": engine,
                    "database": db_name,
                    "files": files,
                }
                _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
        finally:
            os.umask(old_umask)
    os.replace(partial, target)
    record(AuditAction.BACKUP_CREATED, files=len(files), engine=engine)
    return manifest


def _is_empty() -> bool:
    from trekkportal.submissions.models import Submission

    try:
        return not Submission.objects.exists()
    except Exception:  # no tables yet: as empty as it gets
        return True


def restore_backup(source: Path, *, force: bool = False) -> dict:
    """Load ``source`` into this installation. Refuses one that already has submissions
    unless ``force``, and a backup whose files do not match its manifest."""
    if not force and not _is_empty():
        raise BackupError("This installation already has submissions; restore into an empty one.")
    with tarfile.open(source, "r") as archive, tempfile.TemporaryDirectory() as work:
        manifest = json.load(archive.extractfile("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError("Unknown backup format.")
        # Every file is checked before anything is written: a damaged backup changes nothing.
        for entry in manifest["files"]:
            name = entry["name"]
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"Refusing a file outside the storage: {name!r}")
            with archive.extractfile(f"files/{name}") as handle:
                if _sha256(handle) != (entry["sha256"], entry["size"]):
                    raise BackupError(f"{name} in the backup does not match its manifest.")
        db_member = archive.getmember(manifest["database"])
        db_path = Path(work) / "database"
        with archive.extractfile(db_member) as handle, open(db_path, "wb") as out:
            shutil.copyfileobj(handle, out)
        load_database(db_path, manifest["engine"])
        for entry in manifest["files"]:
            name = entry["name"]
            with archive.extractfile(f"files/{name}") as handle:
                if default_storage.exists(name):
                    default_storage.delete(name)
                saved = default_storage.save(name, File(handle, name=name))
                if saved != name:
                    raise BackupError(f"{name} was stored as {saved}.")
    record(AuditAction.BACKUP_RESTORED, files=len(manifest["files"]), made=manifest["created_at"])
    return manifest


def verify_installation() -> Verification:
    """Every submitted file is in the storage with the size and SHA-256 its row records."""
    from trekkportal.submissions.models import DeductionLine, Submission, SubmittedFile

    problems = []
    files = 0
    for submitted in SubmittedFile.objects.only("storage_name", "size", "sha256").iterator():
        files += 1
        try:
            with default_storage.open(submitted.storage_name, "rb") as handle:
                sha, size = _sha256(handle)
        except FileNotFoundError:
            problems.append(f"file {submitted.pk}: missing from the storage")
            continue
        if (sha, size) != (submitted.sha256, submitted.size):
            problems.append(f"file {submitted.pk}: content differs from its checksum")
    return Verification(
        submissions=Submission.objects.count(),
        files=files,
        lines=DeductionLine.objects.count(),
        problems=problems,
    )
