"""manage.py publish_letter ORGNR FILE.pdf --subject TEXT: publish an uploaded letter."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from trekkportal.accounts.models import Company
from trekkportal.letters.services import publish_uploaded_letter


class Command(BaseCommand):
    help = (
        "Publishes a PDF letter to a company (several organisation numbers separated by "
        "commas publish the same PDF to each) and e-mails the company's users."
    )

    def add_arguments(self, parser):
        parser.add_argument("orgnr", help="organisation number(s), comma-separated")
        parser.add_argument("file", help="the PDF")
        parser.add_argument("--subject", required=True, help="the subject shown in the list")

    def handle(self, *args, orgnr, file, subject, **options):
        wanted = [value.strip() for value in orgnr.split(",") if value.strip()]
        companies = {c.orgnr: c for c in Company.objects.filter(orgnr__in=wanted)}
        unknown = [value for value in wanted if value not in companies]
        if unknown:
            raise CommandError(f"No company has the organisation number {', '.join(unknown)}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            batch = publish_uploaded_letter(
                companies=[companies[value] for value in wanted],
                data=path.read_bytes(),
                name=path.name,
                subject=subject,
                acting_user=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        count = batch.letters.count()
        self.stdout.write(self.style.SUCCESS(f"Published to {count} company(ies)."))
