"""Refuse an oversized request body before anything reads it.

A view declares its limit with ``@limit_request_body(max_bytes, too_large=view)``;
``RequestBodyLimitMiddleware`` (placed before Django's CsrfViewMiddleware, which reads the
body to find the token) answers a POST whose Content-Length is over the limit with the
``too_large`` view instead, so a 60 MB upload gets its 413 page without being read.

CSRF stays the middleware's for every view: nothing is exempt, so no order of decorators
can switch it off (the shape this replaces — a ``csrf_exempt`` view around a
``csrf_protect`` one — lost CSRF silently when the two were swapped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

View = TypeVar("View", bound=Callable[..., Any])

LIMIT_ATTRIBUTE = "request_body_limit"


def limit_request_body(
    max_bytes: Callable[[], int], *, too_large: Callable[..., HttpResponse]
) -> Callable[[View], View]:
    """``max_bytes()`` is read per request (settings may change at run time); ``too_large``
    answers instead of the view and must apply the same access gate as the view."""

    def decorate(view: View) -> View:
        setattr(view, LIMIT_ATTRIBUTE, (max_bytes, too_large))
        return view

    return decorate


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args, view_kwargs
    ) -> HttpResponse | None:
        limit = getattr(view_func, LIMIT_ATTRIBUTE, None)
        if limit is None or request.method != "POST":
            return None
        max_bytes, too_large = limit
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) <= max_bytes():
            return None
        return too_large(request, *view_args, **view_kwargs)
