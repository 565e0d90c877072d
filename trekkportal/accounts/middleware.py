"""Session timeouts and the NDA gate (docs/security.md C4, C5, C6).

SessionTimeoutMiddleware: a session ends after ``SESSION_IDLE_TIMEOUT`` seconds without a
request, and ``SESSION_COOKIE_AGE`` seconds after login whatever happens (absolute).
Deactivated users are anonymous on their next request already (the auth backend refuses
inactive users and deactivation bumps the session epoch).
Views marked ``expiry.not_activity`` (the session warning's check, the receipt's polling)
do not move the idle clock; a form view marked ``expiry.keeps_form`` posted after expiry
keeps its non-file fields for the next login of the same user (``accounts.expiry``).

NdaRequiredMiddleware: a logged-in user who has not accepted the current NDA version is
sent to the NDA page from every URL except the views marked ``@open_before_nda`` (the few
needed to get there or leave; see ``decorators``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .decorators import is_open_before_nda
from .expiry import (
    EXPIRED_KEY,
    KEPT_FORM_KEY,
    LAST_SEEN_KEY,
    LOGIN_AT_KEY,
    is_activity,
    keep_posted_form,
    mark_expired,
    seconds_left,
)
from .nda import nda_accepted, redirect_to_nda
from .selectors import ACTIVE_COMPANY_SESSION_KEY, companies_for_user

# Writing the session on every request costs a query; a minute of slack is harmless.
LAST_SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """Ends expired sessions; a request counts as activity when its view does
    (``expiry.not_activity`` marks the ones a page makes by itself). A form posted after
    the session expired is kept (``expiry.keeps_form``) once the CSRF check passed, which
    is why that part runs in ``process_view``, after CsrfViewMiddleware's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                user_id = request.user.pk
                company_id = request.session.get(ACTIVE_COMPANY_SESSION_KEY)
                record(AuditAction.SESSION_EXPIRED, request=request, reason=expired)
                logout(request)
                mark_expired(request, user_id=user_id, company_id=company_id, reason=expired)
                if request.method in ("GET", "HEAD"):
                    return redirect_to_login(request.get_full_path())
                request.session_just_expired = True
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.user.is_authenticated:
            if is_activity(view_func):
                session = request.session
                last_seen = session.get(LAST_SEEN_KEY)
                now = time.time()
                if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                    session[LAST_SEEN_KEY] = now
            return None
        if request.method != "POST":
            return None
        login_url = keep_posted_form(request, view_func, view_kwargs)
        if login_url:
            return HttpResponseRedirect(login_url)
        if getattr(request, "session_just_expired", False):
            return redirect(settings.LOGIN_URL)
        return None

    @staticmethod
    def _expired(request) -> str:
        now = time.time()
        session = request.session
        login_at = session.get(LOGIN_AT_KEY)
        last_seen = session.get(LAST_SEEN_KEY)
        if login_at is None:  # a session from before this middleware: start counting now
            session[LOGIN_AT_KEY] = login_at = now
        if now - login_at > settings.SESSION_COOKIE_AGE:
            return "absolute"
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            return "idle"
        if last_seen is None:
            session[LAST_SEEN_KEY] = now
        return ""


def mark_login(request) -> None:
    """Start both clocks (called on every login, including the tests' force_login); the
    company a kept form was for is active again."""
    now = time.time()
    session = request.session
    session[LOGIN_AT_KEY] = now
    session[LAST_SEEN_KEY] = now
    session.pop(EXPIRED_KEY, None)
    kept = session.get(KEPT_FORM_KEY)
    company_id = kept.get("company") if isinstance(kept, dict) else None
    if (
        company_id
        and kept["user"] == request.user.pk
        and any(c.pk == company_id for c in companies_for_user(request.user))
    ):
        session[ACTIVE_COMPANY_SESSION_KEY] = company_id


def extend_session(request) -> int:
    """The user chose to stay logged in: the idle clock starts again. Seconds left."""
    request.session[LAST_SEEN_KEY] = time.time()
    return seconds_left(request)


class NdaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.user.is_authenticated or is_open_before_nda(view_func):
            return None
        if nda_accepted(request):
            return None
        return redirect_to_nda(request)
