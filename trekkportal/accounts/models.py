"""Users, companies and the access grants between them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .validators import validate_orgnr


class Company(models.Model):
    """A member company (employer), identified by its organisasjonsnummer."""

    name = models.CharField(_("name"), max_length=200)
    orgnr = models.CharField(
        _("organisation number"), max_length=9, unique=True, validators=[validate_orgnr]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return f"{self.name} ({self.orgnr})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # activates by one-time code
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: an employer user, or union staff (``is_staff``)."""

    class Language(models.TextChoices):
        NB = "nb", _("Norwegian Bokmål")
        EN = "en", _("English")

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.NB
    )
    is_staff = models.BooleanField(
        _("union staff"),
        default=False,
        help_text=_("Union staff use the back office and must log in with a second factor."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("registered"), default=timezone.now)
    # Part of the session hash: bumping it ends every session of this user at once
    # (password reset, deactivation). See services.end_other_sessions.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django's hash covers the password only; ours also covers the session epoch.
        return salted_hmac(
            "trekkportal.accounts.User.session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class CompanyAccess(models.Model):
    """A user may act for a company. Granted and revoked by union staff."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_accesses"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="accesses")
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("company access")
        verbose_name_plural = _("company accesses")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="unique_company_access"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"


class NdaVersion(models.Model):
    """A version of the non-disclosure agreement (taushetserklæring).

    The newest published version is the one every user must have accepted."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(
        _("text"),
        help_text=_("Plain text; blank lines separate paragraphs."),
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-version"]
        verbose_name = _("non-disclosure agreement version")
        verbose_name_plural = _("non-disclosure agreement versions")

    def __str__(self) -> str:
        return f"{_('version')} {self.version} ({self.published_at:%Y-%m-%d})"


class NdaAcceptance(models.Model):
    """A user accepted one version of the NDA, at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nda_acceptances"
    )
    version = models.ForeignKey(NdaVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("non-disclosure agreement acceptance")
        verbose_name_plural = _("non-disclosure agreement acceptances")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="unique_nda_acceptance"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.version}"
