"""Session timeouts and the NDA gate (docs/security.md C4, C5, C6).

SessionTimeoutMiddleware: a session ends after ``SESSION_IDLE_TIMEOUT`` seconds without a
request, and ``SESSION_COOKIE_AGE`` seconds after login whatever happens (absolute).
Deactivated users are anonymous on their next request already (the auth backend refuses
inactive users and deactivation bumps the session epoch).

NdaRequiredMiddleware: a logged-in user who has not accepted the current NDA version is
sent to the NDA page from every URL except the views marked ``@open_before_nda`` (the few
needed to get there or leave; see ``decorators``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .decorators import is_open_before_nda
from .nda import nda_accepted, redirect_to_nda

LOGIN_AT_KEY = "auth_login_at"
LAST_SEEN_KEY = "auth_last_seen"
# Writing the session on every request costs a query; a minute of slack is harmless.
LAST_SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                record(AuditAction.SESSION_EXPIRED, request=request, reason=expired)
                logout(request)
                messages.info(request, _("You were logged out because the session expired."))
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)

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
        if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_KEY] = now
        return ""


def mark_login(request) -> None:
    """Start both clocks (called on every login, including the tests' force_login)."""
    now = time.time()
    request.session[LOGIN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now


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
