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


class AccessCommand(ServiceCommand):
    """``<command> EMAIL ORGNR``: finds the user and the company, then ``change``s access."""

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("orgnr")

    def run(self, *, email, orgnr, **options) -> str:
        from trekkportal.accounts.services import get_company_by_orgnr, get_user_by_email

        user, company = get_user_by_email(email), get_company_by_orgnr(orgnr)
        return self.change(user, company)

    def change(self, user, company) -> str:  # pragma: no cover - abstract
        raise NotImplementedError
