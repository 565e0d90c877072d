from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from trekkportal.lib.identity import is_valid_orgnr, normalise_orgnr


def validate_orgnr(value: str) -> None:
    if normalise_orgnr(value) != value or not is_valid_orgnr(value):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (9 digits with a valid check digit)."),
            code="invalid_orgnr",
            params={"value": value},
        )
