from trekkportal.accounts.services import revoke_access

from ._base import AccessCommand


class Command(AccessCommand):
    help = "Takes a company away from a user (effective on their next request)."

    def change(self, user, company) -> str:
        if revoke_access(user=user, company=company):
            return f"{user.email} no longer has access to {company.name}."
        return f"{user.email} had no access to {company.name}."
