"""Fixtures of the portal's operations tests: an S3-compatible server on loopback."""

from .s3 import s3_bucket, s3_server, s3_storage  # noqa: F401 (fixtures)
