"""Read-side helpers for companies and the active company.

Both are computed at most once per request and checked on every request, so a revoked
grant or a deactivated company takes effect at once (docs/security.md D4).
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import Company

ACTIVE_COMPANY_SESSION_KEY = "active_company_id"


def companies_for_user(user) -> list[Company]:
    """The active companies a user may act for, by name. One query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return list(Company.objects.filter(accesses__user=user, is_active=True).order_by("name"))


def get_companies(request: HttpRequest) -> list[Company]:
    granted: list[Company] | None = getattr(request, "_granted_companies", None)
    if granted is None:
        granted = companies_for_user(request.user)
        request._granted_companies = granted  # type: ignore[attr-defined]  # per request
    return granted


def get_active_company(request: HttpRequest) -> Company | None:
    """The company the user acts for now: the one chosen in the session if still granted,
    otherwise the first granted one; None with no grants."""
    companies = get_companies(request)
    if not companies:
        return None
    chosen = request.session.get(ACTIVE_COMPANY_SESSION_KEY)
    return next((c for c in companies if c.pk == chosen), companies[0])
