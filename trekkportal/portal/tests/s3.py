"""An S3-compatible server on loopback for the object-storage tests: moto's, started in
the test process (ports 8109-8112), one fresh bucket per test."""

from __future__ import annotations

import hashlib
import socket
import uuid
from contextlib import closing

import pytest

PORTS = range(8109, 8113)
ACCESS_KEY = "testing"
SECRET_KEY = "testing-secret"
REGION = "eu-north-1"


def _free(port: int) -> bool:
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = next((p for p in PORTS if _free(p)), None)
    if port is None:
        pytest.fail(f"No free port for the S3 server in {PORTS.start}-{PORTS.stop - 1}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def create_bucket(endpoint: str) -> dict:
    """A new, empty bucket of a random name on the server at ``endpoint``: what the
    ``s3_bucket`` fixture gives, for a test that needs a second one."""
    import boto3

    name = f"trekk-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {"name": name, "endpoint": endpoint, "client": client}


@pytest.fixture
def s3_bucket(s3_server):
    return create_bucket(s3_server)


def object_sha256s(bucket: dict) -> dict[str, str]:
    """Every object in ``bucket``: its key and the SHA-256 of its bytes, read back."""
    client = bucket["client"]
    paginator = client.get_paginator("list_objects_v2")
    digests = {}
    for page in paginator.paginate(Bucket=bucket["name"]):
        for listed in page.get("Contents", []):
            body = client.get_object(Bucket=bucket["name"], Key=listed["Key"])["Body"]
            digests[listed["Key"]] = hashlib.sha256(body.read()).hexdigest()
    return digests


def s3_environment(bucket: dict) -> dict[str, str]:
    """The environment an instance needs to store its files in ``bucket``."""
    return {
        "S3_BUCKET": bucket["name"],
        "S3_ENDPOINT_URL": bucket["endpoint"],
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_REGION": REGION,
    }


@pytest.fixture
def s3_storage(settings, s3_bucket):
    """This test's default storage is the bucket, configured as settings.py does it."""
    from trekkportal.settings import s3_storage as config

    settings.STORAGES = {
        **settings.STORAGES,
        "default": config(
            bucket=s3_bucket["name"],
            endpoint_url=s3_bucket["endpoint"],
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
        ),
    }
    return s3_bucket
