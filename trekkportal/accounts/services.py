"""Services for companies, users and access grants: keyword-only, atomic, audited.

The management commands, the admin and (later) the back office all call these.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.identity import is_valid_orgnr, normalise_orgnr

from .models import Company, CompanyAccess, NdaAcceptance, NdaVersion, User
from .selectors import ACTIVE_COMPANY_SESSION_KEY, get_companies


def clean_orgnr(orgnr: str) -> str:
    """The organisation number as stored (9 digits), or ValidationError."""
    value = normalise_orgnr(orgnr)
    if not is_valid_orgnr(value):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (9 digits with a valid check digit)."),
            code="invalid_orgnr",
            params={"value": orgnr},
        )
    return value


def get_company_by_orgnr(orgnr: str) -> Company:
    value = clean_orgnr(orgnr)
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
    value = clean_orgnr(orgnr)
    name = name.strip()
    if not name:
        raise ValidationError(_("The company needs a name."))
    if Company.objects.filter(orgnr=value).exists():
        raise ValidationError(
            _("A company with organisation number %(orgnr)s already exists."),
            params={"orgnr": value},
        )
    company = Company.objects.create(orgnr=value, name=name)
    record(AuditAction.COMPANY_ADDED, actor=acting_user, company=company, obj=company)
    return company


@transaction.atomic
def change_company(
    *, company: Company, name: str, orgnr: str, is_active: bool, acting_user: User | None = None
) -> list[str]:
    """Rename, renumber or (de)activate a company. Returns the fields changed (audited)."""
    value = clean_orgnr(orgnr)
    name = name.strip()
    if not name:
        raise ValidationError(_("The company needs a name."))
    if Company.objects.filter(orgnr=value).exclude(pk=company.pk).exists():
        raise ValidationError(
            _("A company with organisation number %(orgnr)s already exists."),
            params={"orgnr": value},
        )
    wanted = {"name": name, "orgnr": value, "is_active": is_active}
    changed = sorted(field for field, new in wanted.items() if getattr(company, field) != new)
    if changed:
        for field in changed:
            setattr(company, field, wanted[field])
        company.save(update_fields=changed)
        record(
            AuditAction.COMPANY_CHANGED,
            actor=acting_user,
            company=company,
            obj=company,
            fields=changed,
        )
    return changed


@transaction.atomic
def add_user(
    *,
    email: str,
    name: str = "",
    companies: list[Company] | tuple[Company, ...] = (),
    is_staff: bool = False,
    language: str = "",
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
    # Union staff may do everything in the back office (docs/domain.md § Who uses it); a staff
    # flag without permissions would open an admin that shows nothing.
    extra = {"language": language} if language else {}
    user = User.objects.create_user(
        address, name=name.strip(), is_staff=is_staff, is_superuser=is_staff, **extra
    )
    record(AuditAction.USER_ADDED, actor=acting_user, obj=user, staff=is_staff)
    for company in companies:
        grant_access(user=user, company=company, acting_user=acting_user)
    return user


@transaction.atomic
def change_user(
    *,
    user: User,
    name: str,
    language: str,
    is_active: bool,
    is_staff: bool,
    acting_user: User | None = None,
) -> list[str]:
    """Change a user's details and flags. Returns the fields changed (audited).

    The staff flag carries every permission (``add_user``'s rule); deactivating ends the
    user's sessions at once (``deactivate_user``); the e-mail address is the login and
    does not change here."""
    wanted = {
        "name": name.strip(),
        "language": language,
        "is_active": is_active,
        "is_staff": is_staff,
        "is_superuser": is_staff,
    }
    changed = sorted(field for field, new in wanted.items() if getattr(user, field) != new)
    if not changed:
        return []
    deactivating = user.is_active and not is_active
    for field in changed:
        setattr(user, field, wanted[field])
    user.save(update_fields=changed)
    record(AuditAction.USER_CHANGED, actor=acting_user, obj=user, fields=changed)
    if deactivating:
        deactivate_user(user=user, acting_user=acting_user)
    return changed


@transaction.atomic
def grant_access(*, user: User, company: Company, acting_user: User | None = None) -> bool:
    """Give a user access to a company. False if they already had it."""
    _access, created = CompanyAccess.objects.get_or_create(
        user=user, company=company, defaults={"granted_by": acting_user}
    )
    if created:
        record(AuditAction.ACCESS_GRANTED, actor=acting_user, company=company, obj=user)
    return created


@transaction.atomic
def revoke_access(*, user: User, company: Company, acting_user: User | None = None) -> bool:
    """Take a company away from a user; effective on their next request. False if none."""
    deleted, _ = CompanyAccess.objects.filter(user=user, company=company).delete()
    if deleted:
        record(AuditAction.ACCESS_REVOKED, actor=acting_user, company=company, obj=user)
    return bool(deleted)


def switch_company(*, request: HttpRequest, company_id: int | str) -> Company | None:
    """Make a granted company the active one. None (and nothing changed) if not granted."""
    company = next((c for c in get_companies(request) if str(c.pk) == str(company_id)), None)
    if company is None:
        record(AuditAction.ACCESS_REFUSED, request=request, attempted_company=str(company_id)[:20])
        return None
    request.session[ACTIVE_COMPANY_SESSION_KEY] = company.pk
    record(AuditAction.COMPANY_SWITCHED, request=request, company=company)
    return company


# Sessions, passwords and the NDA ---------------------------------------------------------


def end_sessions(*, user: User, keep: HttpRequest | None = None) -> None:
    """End every session of ``user`` (the session hash covers ``session_epoch``); with
    ``keep``, that request's session stays logged in."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    if keep is not None and keep.user.is_authenticated and keep.user.pk == user.pk:
        update_session_auth_hash(keep, user)


@transaction.atomic
def set_password_by_code(*, request: HttpRequest, user: User, password: str) -> None:
    """Activation (no usable password yet) or password reset, after a right one-time code.
    Every other session of the user ends."""
    activation = not user.has_usable_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user=user)
    action = AuditAction.ACCOUNT_ACTIVATED if activation else AuditAction.PASSWORD_RESET
    record(action, actor=user, request=request)


@transaction.atomic
def password_changed(*, request: HttpRequest, user: User) -> None:
    """After a logged-in user changed their password ("Endre passord", allauth's form):
    every other session of theirs ends, this one stays, and it is audited."""
    end_sessions(user=user, keep=request)
    record(AuditAction.PASSWORD_CHANGED, actor=user, request=request)


@transaction.atomic
def deactivate_user(*, user: User, acting_user: User | None = None) -> None:
    """The user can no longer log in; their open sessions end at their next request."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    end_sessions(user=user)
    record(AuditAction.USER_DEACTIVATED, actor=acting_user, obj=user)


@transaction.atomic
def accept_nda(*, request: HttpRequest, version: NdaVersion) -> NdaAcceptance:
    from .nda import NDA_SESSION_KEY

    user = cast(User, request.user)  # the NDA page needs a login
    acceptance, _created = NdaAcceptance.objects.get_or_create(
        user=user, version=version, defaults={"accepted_at": timezone.now()}
    )
    request.session[NDA_SESSION_KEY] = version.pk
    record(AuditAction.NDA_ACCEPTED, request=request, obj=acceptance, version=version.version)
    return acceptance


@transaction.atomic
def publish_nda(*, text: str, acting_user: User | None = None) -> NdaVersion:
    """A new NDA version: everyone must accept it at their next request."""
    latest = NdaVersion.objects.order_by("-version").values_list("version", flat=True).first()
    version = NdaVersion.objects.create(version=(latest or 0) + 1, text=text.strip())
    record(AuditAction.NDA_PUBLISHED, actor=acting_user, obj=version, version=version.version)
    return version


# Invitations ------------------------------------------------------------------------------


@transaction.atomic
def invite_user(*, user: User, company: Company, acting_user: User | None = None) -> bool:
    """E-mail a registered user how to activate their account (the link to the activation
    page; never a code, which is bound to the browser that asks for it). False, and nothing
    sent, when the user has already activated or is deactivated."""
    from trekkportal.mail import emails

    if user.has_usable_password() or not user.is_active:
        return False
    emails.account_invitation(company=company, to=[user])
    record(AuditAction.USER_INVITED, actor=acting_user, company=company, obj=user)
    return True


@transaction.atomic
def add_user_and_invite(
    *, email: str, name: str = "", company: Company, acting_user: User | None = None
) -> User:
    """Register an employer user for ``company`` and send the activation invitation."""
    user = add_user(email=email, name=name, companies=[company], acting_user=acting_user)
    invite_user(user=user, company=company, acting_user=acting_user)
    return user
