"""Password rules beyond Django's (docs/security.md B2): no password that contains the
local part of the user's e-mail address. No composition rules (NIST SP 800-63B)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class EmailLocalPartValidator:
    min_part_length = 3

    def validate(self, password: str, user=None) -> None:
        email = getattr(user, "email", "") or ""
        local = email.partition("@")[0].lower()
        parts = {local, *local.replace("-", ".").replace("_", ".").split(".")}
        for part in parts:
            if len(part) >= self.min_part_length and part in password.lower():
                raise ValidationError(
                    _("The password must not contain your e-mail address."),
                    code="password_contains_email",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain your e-mail address.")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a message our catalogue translates (Django 5.2 changed the
    message and its Norwegian translation is missing)."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
