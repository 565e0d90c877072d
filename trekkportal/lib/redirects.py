"""The one way a `next` value becomes a redirect: only a local path is followed.

A scan sent `next=id` to the company switcher and `?next=x` to the NDA page: Django's
``redirect()`` took the value for a URL name, failed to reverse it and answered 500. Every
place that reads a ``next`` parameter goes through :func:`safe_next_url` and redirects with
the plain URL it returns (never through ``redirect()``'s name lookup).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000


def local_path(value: object) -> str | None:
    """``value`` if it is a path on this site (``/…``, optionally with a query), else None.

    Refused: anything not starting with one ``/`` (URL names, relative paths, schemes,
    ``//host``), backslashes (browsers read ``/\\host`` as ``//host``), control characters
    and anything longer than ``MAX_LENGTH``.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return None
    return value


def safe_next_url(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The request's ``next`` (POST first, then GET) if it is a local path, else the URL of
    the URL name ``fallback``."""
    for source in (request.POST, request.GET):
        path = local_path(source.get(field))
        if path is not None:
            return path
    return reverse(fallback)
