from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "trekkportal.submissions"
    label = "submissions"
    verbose_name = _("Submissions")
    default_auto_field = "django.db.models.BigAutoField"
