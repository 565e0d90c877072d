"""Content-Security-Policy and the remaining security headers (docs/security.md F2)."""

from __future__ import annotations

import secrets

from django.http import Http404


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds CSP (with a per-request nonce for the rare inline script) and Permissions-Policy.

    Django's SecurityMiddleware already sets HSTS, nosniff, Referrer-Policy and COOP.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)  # set by a later middleware, if it ran
        if user is not None and user.is_authenticated:
            # Pages with personal data are never kept by shared or browser caches.
            response.setdefault("Cache-Control", "no-store")
        return response


class PortalNotFoundMiddleware:
    """A view that refuses an object (another company's submission, a letter that is gone)
    raises Http404: the answer is the portal's own 404 page even with DEBUG on, where Django
    would show its technical page listing every URL of the site. Unknown URLs keep Django's
    handling (the portal's page with DEBUG off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            from .errors import page_not_found

            return page_not_found(request, exception)
        return None
