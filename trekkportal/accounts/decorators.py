"""The access gates, declared where a view is defined.

Every view states who may see it with exactly one of these; the test
``portal/tests/test_access_gates.py`` walks every URL and holds each to its gate:

``open_before_nda``  reachable before the current NDA is accepted (login, logout, the code
                     flows, the language switch, the NDA page itself). Everything else sends
                     a logged-in user to the NDA first (``NdaRequiredMiddleware``).
``company_required`` employer views: logged in and active → the current NDA accepted → an
                     active, granted company. Sets ``request.company``.
``staff_required``   back office: union staff who completed the second factor; anyone else
                     gets 404.
``login_required``   Django's, for the rare view any logged-in user may use (the company
                     switch); the NDA gate still applies.
The Django admin is gated by ``admin_security.secure_admin`` (the same rules as
``staff_required``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from allauth.account.authentication import get_authentication_records
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .models import Company
from .nda import nda_accepted, redirect_to_nda
from .selectors import get_active_company

View = TypeVar("View", bound=Callable[..., Any])

# The attribute the gates leave on a view (functools.wraps copies it up through any
# decorator applied around them, so the order of decorators does not matter).
GATE_ATTRIBUTE = "access_gate"
OPEN_BEFORE_NDA = "open_before_nda"
COMPANY = "company"
STAFF = "staff"


def open_before_nda(view: View) -> View:
    """Mark a view as reachable before the current NDA is accepted."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    setattr(wrapper, GATE_ATTRIBUTE, OPEN_BEFORE_NDA)
    return wrapper  # type: ignore[return-value]


def is_open_before_nda(view: Callable[..., Any]) -> bool:
    return getattr(view, GATE_ATTRIBUTE, None) == OPEN_BEFORE_NDA


class CompanyRequest(HttpRequest):
    """The type of a request inside a ``company_required`` view: it has ``company``."""

    company: Company


def company_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not nda_accepted(request):
            return redirect_to_nda(request)
        request.company = get_active_company(request)
        if request.company is None and request.user.is_staff:
            # Union staff work in the back office; they never see "no company".
            return redirect("backoffice:overview")
        if request.company is None:
            record(AuditAction.ACCESS_REFUSED, request=request, reason="no_company")
            return render(request, "portal/no_company.html", status=403)
        return view(request, *args, **kwargs)

    setattr(wrapper, GATE_ATTRIBUTE, COMPANY)
    return wrapper  # type: ignore[return-value]


def staff_mfa_done(request: HttpRequest) -> bool:
    """Did this session's login include a second factor (allauth records it)?"""
    records = get_authentication_records(request, request.user)
    return any(entry.get("method") == "mfa" for entry in records)


def staff_required(view: View) -> View:
    """Anyone but staff gets 404 — an anonymous visitor too, not the login page: the back
    office's addresses reveal nothing. Staff log in at the normal login page and land
    in the back office."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_staff):
            record(AuditAction.ACCESS_REFUSED, request=request, area="backoffice")
            raise Http404
        if not nda_accepted(request):
            return redirect_to_nda(request)
        if not staff_mfa_done(request):
            return redirect("staff_second_factor")
        return view(request, *args, **kwargs)

    setattr(wrapper, GATE_ATTRIBUTE, STAFF)
    return wrapper  # type: ignore[return-value]
