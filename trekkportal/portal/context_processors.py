from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.selectors import get_active_company, get_companies
from trekkportal.lib.nincrypt import keys_are_derived

TABS = [
    ("submissions:innsending", _("Submission")),
    ("submissions:innsendte", _("Lists submitted in the last year")),
    ("portal:brev", _("Letters from the union")),
    ("portal:utrukne", _("Missing deductions")),
]


def portal(request):
    context = {
        "union_name": settings.UNION_NAME,
        "insecure_secret_key": settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY,
        "development_nin_keys": keys_are_derived(),
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        current = getattr(request.resolver_match, "view_name", "")
        context.update(
            companies=get_companies(request),
            active_company=get_active_company(request),
            tabs=[
                {"url": reverse(name), "label": label, "current": name == current}
                for name, label in TABS
            ],
        )
    return context
