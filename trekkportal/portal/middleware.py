"""Content-Security-Policy and the remaining security headers (docs/security.md F2)."""

from __future__ import annotations

import secrets


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
