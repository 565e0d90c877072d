"""Demo companies and users for ``seed_demo``."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from trekkportal.lib.demo import DEMO_PASSWORD, DemoContext
from trekkportal.lib.identity import make_valid_orgnr

from .models import Company, NdaVersion, User
from .nda import SEED_TEXT
from .services import add_company, add_user, grant_access

# Union staff must use a second factor. The demo staff user gets this TOTP secret: add it
# to an authenticator app (or run `oathtool --totp -b SECRET`). Demo data only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPTREKKDEMOSTAFFAA"  # noqa: S105

COMPANIES = [
    ("a", "91100001", "Nordsjø Boring AS"),
    ("b", "91100002", "Help Forsikring AS"),
    ("c", "91100003", "Raffineri Vest AS"),
]

USERS = [
    # key, e-mail, name, staff, companies
    ("employer_a", "lonn@nordsjo-boring.example", "Kari Nordmann", False, ["a", "c"]),
    ("employer_b", "hr@help-forsikring.example", "Per Hansen", False, ["b"]),
    ("staff", "trekk@forbundet.example", "Siri Forbund", True, []),
]


def seed(context: DemoContext) -> None:
    for key, first8, name in COMPANIES:
        orgnr = make_valid_orgnr(int(first8))
        company = Company.objects.filter(orgnr=orgnr).first() or add_company(orgnr=orgnr, name=name)
        context.companies[key] = company
    for key, email, name, staff, company_keys in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = add_user(email=email, name=name, is_staff=staff)
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = staff
            user.save()
        for company_key in company_keys:
            grant_access(user=user, company=context.companies[company_key])
        if staff and not Authenticator.objects.filter(user=user, type="totp").exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        user.demo_companies = [context.companies[k] for k in company_keys]
        context.users[key] = user
    NdaVersion.objects.get_or_create(version=1, defaults={"text": SEED_TEXT})
    context.note(
        f"Union staff log in with a second factor: TOTP secret {DEMO_TOTP_SECRET} "
        f"(otpauth://totp/Trekkportal?secret={DEMO_TOTP_SECRET}&issuer=Trekkportal)."
    )
