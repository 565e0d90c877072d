"""No work lost when a session runs out (docs/employer.md "No work lost").

- ``seconds_left``: how long the session lives without another request; the page gives it
  to ``static/js/session-warning.js``, which warns a few minutes before and offers to stay
  logged in.
- ``not_activity``: a view the browser calls by itself (the warning's status check, the
  receipt's progress) does not count as the user being active.
- ``keeps_form``: a form view whose non-file fields are kept when it is posted after the
  session expired. The login page explains what happened; after logging in the user is
  sent back to the form, filled in with what was kept, and told which files to add again.

What is kept lives in the (server-side) session, bound to the user whose session expired
and the company they worked for, for ``KEPT_FORM_MAX_AGE`` seconds: never a file, never an
identity number (free text is masked), and only for that user after a new login.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trekkportal.lib.filesafety import sanitize_filename
from trekkportal.lib.identity import mask_nins_in_text

View = TypeVar("View", bound=Callable[..., Any])

LOGIN_AT_KEY = "auth_login_at"
LAST_SEEN_KEY = "auth_last_seen"
# Set in the anonymous session that follows an expired one: who it was, for which company,
# and why (the login page explains it; a form posted now is kept for that user).
EXPIRED_KEY = "session_expired"
KEPT_FORM_KEY = "kept_form"
KEPT_FORM_MAX_AGE = 60 * 60
KEPT_VALUE_MAX_LENGTH = 2000
KEPT_FILES_MAX = 50

NOT_ACTIVITY_ATTRIBUTE = "not_user_activity"
KEPT_FORM_ATTRIBUTE = "kept_form"


def seconds_left(request: HttpRequest, now: float | None = None) -> int:
    """Seconds until this session ends if no request counts as activity before then."""
    now = time.time() if now is None else now
    session = request.session
    login_at = session.get(LOGIN_AT_KEY, now)
    last_seen = session.get(LAST_SEEN_KEY, now)
    left = min(
        last_seen + settings.SESSION_IDLE_TIMEOUT - now,
        login_at + settings.SESSION_COOKIE_AGE - now,
    )
    # Rounded up: the page must not be told 0 (and say the session has ended) while the
    # portal still takes a request for up to a second more.
    return max(0, math.ceil(left))


def not_activity(view: View) -> View:
    """Requests to this view do not keep the session alive (polling, the status check)."""
    setattr(view, NOT_ACTIVITY_ATTRIBUTE, True)
    return view


def is_activity(view: Callable[..., Any]) -> bool:
    return not getattr(view, NOT_ACTIVITY_ATTRIBUTE, False)


@dataclass(frozen=True)
class KeptForm:
    """Which posted fields to keep (a callable gets the view's URL arguments, for forms
    with a prefix per row), which file input's names to list, and the page to return to."""

    back_to: str
    fields: tuple[str, ...] | Callable[..., tuple[str, ...]]
    files: str = ""

    def field_names(self, view_kwargs: dict[str, Any]) -> tuple[str, ...]:
        return self.fields(**view_kwargs) if callable(self.fields) else self.fields


def keeps_form(
    *,
    back_to: str,
    fields: tuple[str, ...] | Callable[..., tuple[str, ...]],
    files: str = "",
) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        setattr(view, KEPT_FORM_ATTRIBUTE, KeptForm(back_to=back_to, fields=fields, files=files))
        return view

    return decorate


def mark_expired(request: HttpRequest, *, user_id: int, company_id: int | None, reason: str):
    """In the new anonymous session after an expired one (see the module docstring)."""
    request.session[EXPIRED_KEY] = {
        "user": user_id,
        "company": company_id,
        "reason": reason,
        "at": time.time(),
    }


def expired_marker(request: HttpRequest) -> dict[str, Any] | None:
    marker = request.session.get(EXPIRED_KEY)
    if not isinstance(marker, dict) or time.time() - marker.get("at", 0) > KEPT_FORM_MAX_AGE:
        return None
    return marker


def keep_posted_form(
    request: HttpRequest, view: Callable[..., Any], view_kwargs: dict[str, Any]
) -> str | None:
    """Keep a form posted after the session expired; the URL to log in at, or None when
    the view keeps nothing or no expired session is known (a plain login then)."""
    spec: KeptForm | None = getattr(view, KEPT_FORM_ATTRIBUTE, None)
    marker = expired_marker(request)
    if spec is None or marker is None:
        return None
    data = {
        name: mask_nins_in_text(request.POST.get(name, ""))[:KEPT_VALUE_MAX_LENGTH]
        for name in spec.field_names(view_kwargs)
        if name in request.POST
    }
    files = (
        [sanitize_filename(f.name) for f in request.FILES.getlist(spec.files) if f.name]
        if spec.files
        else []
    )
    back_to = reverse(spec.back_to)
    request.session[KEPT_FORM_KEY] = {
        "user": marker["user"],
        "company": marker["company"],
        "page": spec.back_to,
        "url": back_to,
        "data": data,
        "files": files[:KEPT_FILES_MAX],
        "at": time.time(),
    }
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(back_to).url


def _kept(request: HttpRequest) -> dict[str, Any] | None:
    kept = request.session.get(KEPT_FORM_KEY)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > KEPT_FORM_MAX_AGE:
        return None
    if kept.get("user") != getattr(request.user, "pk", None):
        return None
    return kept


def kept_form_url(request: HttpRequest) -> str | None:
    """Where to go after logging in when a form was kept for this user (a lost ``next``,
    say after a forgotten password, still leads back to it)."""
    kept = _kept(request)
    return kept["url"] if kept else None


def take_kept_form(request: HttpRequest, page: str, company_id: int) -> dict[str, str]:
    """The values kept for this page, user and company, once (with a message saying what
    was kept and which files to add again); {} when there are none."""
    kept = _kept(request)
    if kept is None or kept.get("page") != page:
        return {}
    request.session.pop(KEPT_FORM_KEY, None)
    if kept.get("company") not in (None, company_id):
        return {}  # the form was for another company: never filled in for this one
    files = kept.get("files") or []
    if files:
        message = ngettext(
            "You were logged out before the form was sent. What you filled in is kept, but "
            "the file must be added again: %(names)s.",
            "You were logged out before the form was sent. What you filled in is kept, but "
            "the files must be added again: %(names)s.",
            len(files),
        ) % {"names": ", ".join(files)}
    else:
        message = _(
            "You were logged out before the form was sent. What you filled in is kept: "
            "check it and send it again."
        )
    messages.warning(request, message)
    return dict(kept.get("data") or {})


def login_notice(request: HttpRequest) -> str:
    """The login page's explanation after an expired session ("" when none)."""
    marker = expired_marker(request)
    if marker is None:
        return ""
    if marker.get("reason") == "absolute":
        notice = _("You were logged out because you logged in more than %(hours)s hours ago.") % {
            "hours": settings.SESSION_COOKIE_AGE // 3600
        }
    else:
        notice = _("You were logged out because you were inactive for %(minutes)s minutes.") % {
            "minutes": settings.SESSION_IDLE_TIMEOUT // 60
        }
    kept = request.session.get(KEPT_FORM_KEY)
    if isinstance(kept, dict) and kept.get("user") == marker.get("user"):
        notice += " " + _(
            "Log in again to get back to the form: what you filled in is kept, except the files."
        )
    return notice
