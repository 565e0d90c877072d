"""Loads a demo union. Idempotent: running it twice changes nothing the second time.

Each app may contribute demo data with a ``demo.py`` module holding
``seed(context: DemoContext) -> None``; they run in INSTALLED_APPS order, after the
accounts' companies and users exist, and share ``context``.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from trekkportal.lib.demo import DemoContext


class Command(BaseCommand):
    help = "Loads demo companies, users (printed with their e-mails) and demo data. Idempotent."

    def handle(self, *args, **options):
        context = DemoContext(out=self.stdout, style=self.style)
        with transaction.atomic():
            for config in apps.get_app_configs():
                if not config.name.startswith("trekkportal."):
                    continue
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is not None:
                    import_module(module_name).seed(context)
        context.print_summary()
