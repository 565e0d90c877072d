"""How django-allauth behaves here: no sign-up, our code format, our e-mails, audit."""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.cryptokit import generate_user_code
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.redirects import local_path
from trekkportal.mail.rendering import render_one_time_code

from .models import User

# The one-time code: 8 characters from RFC 8628's 20 unambiguous consonants, shown as
# XXXX-XXXX: 20**8 ≈ 2**34.6, well above the 20 bits docs/security.md asks for.
# allauth 65.x does not read ACCOUNT_PASSWORD_RESET_BY_CODE_FORMAT (it looks for
# "..._CODE_CODE_FORMAT"), so the format is fixed here, and asserted in a test.
CODE_FORMAT: dict[str, Any] = {"length": 8, "numeric": False, "dashed": True}

CODE_EMAIL_TEMPLATE = "account/email/password_reset_code"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # only users the union registered exist

    def is_safe_url(self, url: str | None) -> bool:
        # Every allauth `next` (login, logout, re-authentication) obeys the portal's rule.
        return local_path(url) is not None

    def generate_password_reset_code(self) -> str:
        return generate_user_code(**CODE_FORMAT)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix != CODE_EMAIL_TEMPLATE:
            return super().send_mail(template_prefix, email, context)
        request = context.get("request")
        send_code_email(
            email=email,
            code=context["code"],
            purpose=getattr(request, "code_purpose", "password_reset"),
        )

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Union staff land on the back office (a ``next`` address still wins: allauth asks
        here only when there is none, and keeps it through the second factor). A form kept
        when the session expired comes first: a lost ``next`` still leads back to it."""
        from .expiry import kept_form_url

        kept = kept_form_url(request)
        if kept:
            return kept
        if request.user.is_authenticated and request.user.is_staff:
            return reverse("backoffice:overview")
        return super().get_login_redirect_url(request)

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        if code == "too_many_login_attempts":
            # allauth says only "try again later": say how long, from the rate limits.
            minutes = lockout_minutes()
            return ValidationError(
                ngettext(
                    "Too many failed login attempts. Wait %(minutes)s minute and try again.",
                    "Too many failed login attempts. Wait %(minutes)s minutes and try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code=code,
            )
        return super().validation_error(code, *args)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if (
            message_template == "account/messages/password_changed.txt"
            and getattr(request, "code_purpose", "") == "activation"
        ):
            # The first password is the activation, not a change.
            message_template = None
            message = gettext("The account is activated. Log in with your e-mail and password.")
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        attempted = str(credentials.get("email", ""))[:254]
        record(AuditAction.LOGIN_FAILED, request=request, attempted_email=attempted)


def lockout_minutes() -> int:
    """How long a user locked out after failed logins waits: the longest window of
    ``ACCOUNT_RATE_LIMITS["login_failed"]``, in whole minutes."""
    from allauth.core.internal.ratelimit import parse_rates

    rates = parse_rates(account_settings.RATE_LIMITS.get("login_failed"))
    return max(1, math.ceil(max((rate.duration for rate in rates), default=60) / 60))


def render_code_email(*, email: str, code: str, purpose: str) -> EmailMultiAlternatives:
    """One e-mail: the code and how long it is valid. No name, no companies, no links
    that carry the code. Rendered in the recipient's language."""
    name = "activation_code" if purpose == "activation" else "password_reset_code"
    user = User.objects.filter(email__iexact=email).only("language").first()
    language = user.language if user else "nb"
    rendered = render_one_time_code(
        name,
        code=code,
        minutes=account_settings.PASSWORD_RESET_BY_CODE_TIMEOUT // 60,
        language=language,
    )
    message = EmailMultiAlternatives(rendered.subject, rendered.text, to=[email])
    message.attach_alternative(rendered.html, "text/html")
    return message


logger = logging.getLogger(__name__)


def send_code_email(*, email: str, code: str, purpose: str) -> None:
    """Send a one-time code at once (the user is waiting; codes never go to the outbox).

    The SMTP conversation happens on a background thread, so a registered address is
    answered as fast as an unknown one (docs/security.md A6). A failed send is logged
    without address or code; the user can ask for a new code.
    """
    message = render_code_email(email=email, code=code, purpose=purpose)
    if not settings.CODE_EMAIL_IN_BACKGROUND:
        message.send()
        return
    threading.Thread(target=_send_quietly, args=(message,), name="code-email", daemon=True).start()


def _send_quietly(message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception as error:  # SMTP errors can quote the address: log the type only
        logger.error("a one-time code e-mail could not be sent (%s)", type(error).__name__)
