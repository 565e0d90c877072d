from trekkportal.accounts.services import get_company_by_orgnr, get_user_by_email, revoke_access

from ._base import ServiceCommand


class Command(ServiceCommand):
    help = "Takes a company away from a user (effective on their next request)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("orgnr")

    def run(self, *, email, orgnr, **options):
        user, company = get_user_by_email(email), get_company_by_orgnr(orgnr)
        if revoke_access(user=user, company=company):
            return f"{user.email} no longer has access to {company.name}."
        return f"{user.email} had no access to {company.name}."
