"""Language: Norwegian bokmål unless the person chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English
to the many Norwegian payroll staff whose computers are set up in English. The portal is a
Norwegian service: the language comes from the language cookie (set by the footer's
language choice), then the logged-in user's preferred language, and is bokmål otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from trekkportal.accounts.decorators import open_before_nda
from trekkportal.lib.redirects import safe_next_url

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in SUPPORTED:
            user = getattr(request, "user", None)
            preferred = getattr(user, "language", None) if user is not None else None
            code = preferred if preferred in SUPPORTED else settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


@open_before_nda
@require_POST
def set_language(request):
    """Django's set_language, and the choice becomes a logged-in user's preferred language
    (which their e-mails use)."""
    response = django_set_language(request)
    if response.status_code in (301, 302):
        # Django would follow a non-local `next` or the Referer; the portal follows its own rule.
        response["Location"] = safe_next_url(request, "portal:home")
    code = request.POST.get("language")
    user = request.user
    if code in SUPPORTED and user.is_authenticated and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return response
