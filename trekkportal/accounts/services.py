"""Services for companies, users and access grants: keyword-only, atomic, audited.

The management commands, the admin and (later) the back office all call these.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from trekkportal.audit.services import record
from trekkportal.lib.identity import is_valid_orgnr, normalise_orgnr

from .models import Company, CompanyAccess, User
from .selectors import ACTIVE_COMPANY_SESSION_KEY, get_companies


def _clean_orgnr(orgnr: str) -> str:
    value = normalise_orgnr(orgnr)
    if not is_valid_orgnr(value):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (9 digits with a valid check digit)."),
            code="invalid_orgnr",
            params={"value": orgnr},
        )
    return value


def get_company_by_orgnr(orgnr: str) -> Company:
    value = _clean_orgnr(orgnr)
    try:
        return Company.objects.get(orgnr=value)
    except Company.DoesNotExist:
        raise ValidationError(
            _("No company with organisation number %(orgnr)s."), params={"orgnr": value}
        ) from None


def get_user_by_email(email: str) -> User:
    try:
        return User.objects.get(email__iexact=email.strip())
    except User.DoesNotExist:
        raise ValidationError(
            _("No user with the e-mail address %(email)s."), params={"email": email}
        ) from None


@transaction.atomic
def add_company(*, orgnr: str, name: str, acting_user: User | None = None) -> Company:
    value = _clean_orgnr(orgnr)
    name = name.strip()
    if not name:
        raise ValidationError(_("The company needs a name."))
    if Company.objects.filter(orgnr=value).exists():
        raise ValidationError(
            _("A company with organisation number %(orgnr)s already exists."),
            params={"orgnr": value},
        )
    company = Company.objects.create(orgnr=value, name=name)
    record("company.added", actor=acting_user, company=company, obj=company)
    return company


@transaction.atomic
def add_user(
    *,
    email: str,
    name: str = "",
    companies: list[Company] | tuple[Company, ...] = (),
    is_staff: bool = False,
    acting_user: User | None = None,
) -> User:
    """Pre-register a user. They have no password until they activate by one-time code."""
    address = User.objects.normalize_email(email.strip()).lower()
    User(email=address).clean_fields(exclude=["password", "name", "language"])
    if User.objects.filter(email__iexact=address).exists():
        raise ValidationError(
            _("A user with the e-mail address %(email)s already exists."),
            params={"email": address},
        )
    user = User.objects.create_user(address, name=name.strip(), is_staff=is_staff)
    record("user.added", actor=acting_user, obj=user, staff=is_staff)
    for company in companies:
        grant_access(user=user, company=company, acting_user=acting_user)
    return user


@transaction.atomic
def grant_access(*, user: User, company: Company, acting_user: User | None = None) -> bool:
    """Give a user access to a company. False if they already had it."""
    _access, created = CompanyAccess.objects.get_or_create(
        user=user, company=company, defaults={"granted_by": acting_user}
    )
    if created:
        record("access.granted", actor=acting_user, company=company, obj=user)
    return created


@transaction.atomic
def revoke_access(*, user: User, company: Company, acting_user: User | None = None) -> bool:
    """Take a company away from a user; effective on their next request. False if none."""
    deleted, _ = CompanyAccess.objects.filter(user=user, company=company).delete()
    if deleted:
        record("access.revoked", actor=acting_user, company=company, obj=user)
    return bool(deleted)


def switch_company(*, request: HttpRequest, company_id: int | str) -> Company | None:
    """Make a granted company the active one. None (and nothing changed) if not granted."""
    company = next((c for c in get_companies(request) if str(c.pk) == str(company_id)), None)
    if company is None:
        record("access.refused", request=request, attempted_company=str(company_id)[:20])
        return None
    request.session[ACTIVE_COMPANY_SESSION_KEY] = company.pk
    record("company.switched", request=request, company=company)
    return company
