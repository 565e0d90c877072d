"""Files in S3-compatible object storage (django-storages) against a real S3 server on
loopback: submit, parse, staff download, sweep, health and backup all work unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from trekkportal.jobs.worker import run_pending
from trekkportal.portal.backup import stored_names, verify_installation
from trekkportal.submissions.models import Submission, SubmittedFile
from trekkportal.submissions.tests.files import CSV, upload


def _objects(bucket) -> dict[str, bytes]:
    client = bucket["client"]
    listing = client.list_objects_v2(Bucket=bucket["name"]).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=bucket["name"], Key=o["Key"])["Body"].read()
        for o in listing
    }


def _submit(client):
    return client.post(
        "/innsending/",
        {
            "contact_email": "lonn@alfa.example",
            "period": f"{dt.date.today():%Y-%m}",
            "comment": "",
            "idempotency_key": str(uuid.uuid4()),
            "files": [upload("lønn.csv", CSV)],
        },
    )


def test_s3_settings_from_the_environment_make_the_bucket_the_default_storage(s3_bucket, tmp_path):
    import os
    import subprocess
    import sys

    from .s3 import s3_environment

    code = (
        "import django; django.setup(); from django.core.files.storage import default_storage;"
        "from django.core.files.base import ContentFile;"
        "print(type(default_storage._wrapped if hasattr(default_storage, '_setup') and "
        "default_storage._setup() is None else default_storage).__name__);"
        "print(default_storage.save('probe.txt', ContentFile(b'x')))"
    )
    env = {
        **os.environ,
        **s3_environment(s3_bucket),
        "DJANGO_SETTINGS_MODULE": "trekkportal.settings",
        "TREKKPORTAL_VAR_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["S3Storage", "probe.txt"]
    assert list(_objects(s3_bucket)) == ["probe.txt"]


def test_a_submission_stores_its_file_in_the_bucket_byte_for_byte(s3_storage, client_a):
    response = _submit(client_a)
    assert response.status_code == 302
    submitted = SubmittedFile.objects.get()
    objects = _objects(s3_storage)
    assert list(objects) == [submitted.storage_name]
    assert objects[submitted.storage_name] == CSV
    assert hashlib.sha256(CSV).hexdigest() == submitted.sha256


def test_the_worker_parses_a_file_from_the_bucket(s3_storage, client_a):
    _submit(client_a)
    run_pending()
    submitted = SubmittedFile.objects.get()
    assert submitted.state == SubmittedFile.State.DONE
    assert submitted.lines.count() == 1


def test_staff_download_the_file_from_the_bucket(s3_storage, client_a, staff_client):
    _submit(client_a)
    submitted = SubmittedFile.objects.get()
    url = reverse("admin:submissions_submittedfile_download", args=[submitted.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CSV


def test_objects_are_private(s3_storage, client_a):
    _submit(client_a)
    key = SubmittedFile.objects.get().storage_name
    acl = s3_storage["client"].get_object_acl(Bucket=s3_storage["name"], Key=key)
    public = [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("/global/AllUsers")]
    assert public == []


def test_an_existing_object_is_never_overwritten(s3_storage):
    from django.core.files.base import ContentFile

    first = default_storage.save("submissions/same.csv", ContentFile(b"one"))
    second = default_storage.save("submissions/same.csv", ContentFile(b"two"))
    assert first != second
    assert default_storage.open(first).read() == b"one"


def test_health_and_backup_read_the_bucket(s3_storage, client_a, client):
    _submit(client_a)
    assert client.get("/healthz").json()["checks"]["storage"] == "ok"
    assert stored_names() == [SubmittedFile.objects.get().storage_name]
    result = verify_installation()
    assert (result.files, result.problems) == (1, [])


def test_an_unreachable_object_store_fails_the_health_check_and_stores_nothing(
    settings, client_a, client, s3_storage
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "endpoint_url": "http://127.0.0.1:8119",  # nothing listens there
            },
        },
    }
    assert client.get("/healthz").status_code == 503
    response = _submit(client_a)
    assert response.status_code == 503  # the form again, saying to try again
    assert "Ingenting ble lagret" in response.content.decode()
    assert Submission.objects.count() == 0


pytestmark = pytest.mark.django_db
