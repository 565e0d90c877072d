from trekkportal.accounts.services import add_user, get_company_by_orgnr

from ._base import ServiceCommand


class Command(ServiceCommand):
    help = "Pre-registers a user, who activates the account by one-time code."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--company", action="append", default=[], metavar="ORGNR", help="repeatable"
        )
        parser.add_argument("--staff", action="store_true", help="union staff")

    def run(self, *, email, name, company, staff, **options):
        companies = [get_company_by_orgnr(orgnr) for orgnr in company]
        user = add_user(email=email, name=name, companies=companies, is_staff=staff)
        where = ", ".join(c.orgnr for c in companies) or "no company"
        role = "union staff" if staff else "employer user"
        return f"Added {role} {user.email} ({where}). They activate by one-time code."
