"""Password rules beyond Django's (security-tests.md B2): no password that contains the
local part of the user's e-mail address. No composition rules (NIST SP 800-63B)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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
