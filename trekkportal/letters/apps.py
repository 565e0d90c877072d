from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersConfig(AppConfig):
    name = "trekkportal.letters"
    label = "letters"
    verbose_name = _("Letters from the union")
    default_auto_field = "django.db.models.BigAutoField"
