from trekkportal.accounts.services import grant_access

from ._base import AccessCommand


class Command(AccessCommand):
    help = "Gives a user access to a company."

    def change(self, user, company) -> str:
        if grant_access(user=user, company=company):
            return f"{user.email} now has access to {company.name}."
        return f"{user.email} already had access to {company.name}."
