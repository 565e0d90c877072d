from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.expiry import seconds_left
from trekkportal.accounts.selectors import get_active_company, get_companies
from trekkportal.lib.nincrypt import keys_are_derived

TABS = [
    ("submissions:innsending", _("Submission")),
    ("submissions:innsendte", _("Lists submitted in the last year")),
    ("portal:brev", _("Letters from the union")),
    ("portal:utrukne", _("Missing deductions")),
]

# Pages that belong to a tab without being its page: the tab stays marked.
TAB_OF = {
    "submissions:receipt": "submissions:innsending",
    "submissions:choose_columns": "submissions:innsending",
    "reconciliation:answer": "portal:utrukne",  # an answer refused: the list again, 400
}


def portal(request):
    context = {
        "union_name": settings.UNION_NAME,
        "union_address_lines": [
            line.strip()
            for line in settings.UNION_ADDRESS.replace("\n", "|").split("|")
            if line.strip()
        ],
        "union_phone": settings.UNION_PHONE,
        "union_email": settings.UNION_EMAIL,
        "insecure_secret_key": settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY,
        "development_nin_keys": keys_are_derived(),
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        current = getattr(request.resolver_match, "view_name", "")
        current = TAB_OF.get(current, current)
        context.update(
            # For the session warning (static/js/session-warning.js).
            session_seconds_left=seconds_left(request),
            session_warning_seconds=min(
                settings.SESSION_WARNING_SECONDS, settings.SESSION_IDLE_TIMEOUT // 2
            ),
            companies=get_companies(request),
            active_company=get_active_company(request),
            tabs=[
                {"url": reverse(name), "label": label, "current": name == current}
                for name, label in TABS
            ],
        )
    return context
