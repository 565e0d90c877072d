"""The Django admin obeys the portal's login: allauth's rate limits, the NDA and, for
union staff, a second factor (docs/security.md B5, D6)."""

from __future__ import annotations

from django.contrib.admin import AdminSite


def secure_admin(site: AdminSite) -> AdminSite:
    from .decorators import staff_mfa_done
    from .nda import nda_accepted
    from .views import admin_login

    def has_permission(request) -> bool:
        user = request.user
        return (
            user.is_active and user.is_staff and staff_mfa_done(request) and nda_accepted(request)
        )

    site.login = admin_login
    site.has_permission = has_permission
    return site
