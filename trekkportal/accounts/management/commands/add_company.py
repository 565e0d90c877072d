from trekkportal.accounts.services import add_company

from ._base import ServiceCommand


class Command(ServiceCommand):
    help = "Registers a member company (validates the organisation number)."

    def add_arguments(self, parser):
        parser.add_argument("orgnr")
        parser.add_argument("name")

    def run(self, *, orgnr, name, **options):
        company = add_company(orgnr=orgnr, name=name)
        return f"Added company {company.name} ({company.orgnr})."
