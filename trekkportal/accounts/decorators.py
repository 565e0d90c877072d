"""The guards every view goes through.

``company_required`` (employer views): logged in and active → the current NDA accepted →
an active, granted company. Sets ``request.company``.
``staff_required`` (back office): union staff who completed the second factor; anyone
else gets 404 (docs/security.md D6).
"""

from __future__ import annotations

from functools import wraps

from allauth.account.authentication import get_authentication_records
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from trekkportal.audit.services import record

from .nda import nda_accepted
from .selectors import get_active_company


def company_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not nda_accepted(request):
            return redirect(f"{reverse('nda')}?{urlencode({'next': request.get_full_path()})}")
        request.company = get_active_company(request)
        if request.company is None:
            record("access.refused", request=request, reason="no_company")
            return render(request, "portal/no_company.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def staff_mfa_done(request) -> bool:
    """Did this session's login include a second factor (allauth records it)?"""
    records = get_authentication_records(request, request.user)
    return any(entry.get("method") == "mfa" for entry in records)


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            record("access.refused", request=request, area="backoffice")
            raise Http404
        if not nda_accepted(request):
            return redirect(f"{reverse('nda')}?{urlencode({'next': request.get_full_path()})}")
        if not staff_mfa_done(request):
            return redirect("staff_second_factor")
        return view(request, *args, **kwargs)

    return wrapper
