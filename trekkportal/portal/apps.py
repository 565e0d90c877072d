from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "trekkportal.portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
