from trekkportal.accounts.services import get_company_by_orgnr, get_user_by_email, grant_access

from ._base import ServiceCommand


class Command(ServiceCommand):
    help = "Gives a user access to a company."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("orgnr")

    def run(self, *, email, orgnr, **options):
        user, company = get_user_by_email(email), get_company_by_orgnr(orgnr)
        if grant_access(user=user, company=company):
            return f"{user.email} now has access to {company.name}."
        return f"{user.email} already had access to {company.name}."
