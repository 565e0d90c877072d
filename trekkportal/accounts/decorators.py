"""The guard every employer view goes through: logged in → (NDA, issue "Accounts") →
an active, granted company. Sets ``request.company``."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import get_active_company


def company_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.company = get_active_company(request)
        if request.company is None:
            return render(request, "portal/no_company.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
