"""Backup and restore: a backup of one installation, restored into an empty one, brings
back every submission, its line count and every file with its checksum, whether the files
are in a local folder or in S3-compatible object storage."""

from __future__ import annotations

import json
import tarfile

import pytest

from .instances import Instance
from .s3 import create_bucket, object_sha256s, s3_environment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def instances(tmp_path):
    made = []

    def make(name, **environ):
        instance = Instance(tmp_path, name, **environ)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.drop()


def _flip_a_byte_of_the_first_file(archive) -> None:
    with tarfile.open(archive) as tar:
        offset = next(m for m in tar.getmembers() if m.name.startswith("files/")).offset_data
    with open(archive, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_a_backup_restored_into_an_empty_instance_has_every_submission_line_and_file(
    instances, tmp_path
):
    source = instances("origin")
    source.manage("migrate", "--no-input")
    source.submit_lists(companies=3)
    before = source.summary()
    assert len(before) == 6 and all(files[0][3] == "done" for *_x, files in before)

    archive = tmp_path / "backup.tar"
    out = source.manage("backup", str(archive)).stdout
    assert "6 files" in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names
    assert any(name.startswith("database.") for name in names)
    assert sum(name.startswith("files/submissions/") for name in names) == 6

    refused = source.manage("restore", str(archive), check=False)
    assert refused.returncode != 0
    assert "restore into an empty one" in refused.stderr

    empty = instances("restored")
    empty.manage("migrate", "--no-input")
    out = empty.manage("restore", str(archive)).stdout
    assert "6 submissions, 6 files" in out
    assert empty.summary() == before
    assert sorted(p.name for p in (empty.root / "media").rglob("*") if p.is_file()) == sorted(
        p.name for p in (source.root / "media").rglob("*") if p.is_file()
    )

    # A damaged backup (one byte of a stored file flipped) is refused before anything is
    # written: the next empty instance stays empty.
    _flip_a_byte_of_the_first_file(archive)
    untouched = instances("damaged")
    result = untouched.manage("restore", str(archive), check=False)
    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr
    assert not (untouched.root / "media").exists()


def test_files_in_object_storage_are_backed_up_and_restored_into_another_empty_bucket(
    instances, tmp_path, s3_bucket
):
    """The same journey with the files in an S3-compatible bucket: the backup reads every
    object from the bucket, and the restore writes them, checksum-verified first, into the
    empty bucket of the new installation (the old bucket is never touched)."""
    source = instances("s3-origin", **s3_environment(s3_bucket))
    source.manage("migrate", "--no-input")
    source.submit_lists(companies=2)
    before = source.summary()
    assert len(before) == 4 and all(files[0][3] == "done" for *_x, files in before)
    stored = source.stored_files()
    assert object_sha256s(s3_bucket) == stored

    archive = tmp_path / "backup.tar"
    out = source.manage("backup", str(archive)).stdout
    assert "4 files" in out
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert {entry["name"]: entry["sha256"] for entry in manifest["files"]} == stored
    assert sorted(f"files/{name}" for name in stored) == sorted(
        name for name in names if name.startswith("files/")
    )

    refused = source.manage("restore", str(archive), check=False)
    assert "restore into an empty one" in refused.stderr
    assert object_sha256s(s3_bucket) == stored

    empty_bucket = create_bucket(s3_bucket["endpoint"])
    assert object_sha256s(empty_bucket) == {}
    empty = instances("s3-restored", **s3_environment(empty_bucket))
    empty.manage("migrate", "--no-input")
    out = empty.manage("restore", str(archive)).stdout
    assert "4 submissions, 4 files" in out
    assert empty.summary() == before
    # Every object of the new bucket is byte for byte what its row says it is.
    assert object_sha256s(empty_bucket) == empty.stored_files() == stored
    assert not (empty.root / "media").exists()

    # A damaged archive writes nothing into the bucket either.
    _flip_a_byte_of_the_first_file(archive)
    third_bucket = create_bucket(s3_bucket["endpoint"])
    damaged = instances("s3-damaged", **s3_environment(third_bucket))
    result = damaged.manage("restore", str(archive), check=False)
    assert "does not match its manifest" in result.stderr
    assert object_sha256s(third_bucket) == {}
