from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "trekkportal.backoffice"
    verbose_name = _("Back office")

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin
        from django.utils.text import format_lazy

        # The admin carries the union's name, like the portal (its strings are translated
        # by Django's own catalogue, ours by locale/nb).
        admin.site.site_header = format_lazy("{}: {}", settings.UNION_NAME, _("administration"))
        admin.site.site_title = format_lazy("{}: {}", settings.UNION_NAME, _("administration"))
        admin.site.index_title = _("Plain record editing")
        admin.site.site_url = "/kontor/"
