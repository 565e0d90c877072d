"""Backup and restore: a backup of one installation, restored into an empty one, brings
back every submission, its line count and every file with its checksum."""

from __future__ import annotations

import tarfile

import pytest

from .instances import Instance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def instances(tmp_path):
    made = []

    def make(name):
        instance = Instance(tmp_path, name)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.drop()


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
    with tarfile.open(archive) as tar:
        offset = next(m for m in tar.getmembers() if m.name.startswith("files/")).offset_data
    with open(archive, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
    untouched = instances("damaged")
    result = untouched.manage("restore", str(archive), check=False)
    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr
    assert not (untouched.root / "media").exists()
