from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class ServiceCommand(BaseCommand):
    """A command that calls a service and turns its ValidationError into a clear error."""

    def handle(self, *args, **options):
        try:
            message = self.run(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if message:
            self.stdout.write(self.style.SUCCESS(message))

    def run(self, **options) -> str:  # pragma: no cover - abstract
        raise NotImplementedError
