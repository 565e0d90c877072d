"""The member register: who is a member, where they work, and what changed.

Identity numbers are special-category data: stored only as ``nin_encrypted`` (AES-GCM,
``lib.nincrypt``) and ``nin_hash`` (keyed HMAC, for look-ups and joins), with a masked
form for display. Periods are stored as the first day of their month; an employment's or
a lay-off's ``to_period`` is the last month it covers (inclusive), ``None`` = open-ended.

Every change goes through ``members.services`` (the import, the admin, the back office and
the answers to utrukne alike), which also writes a ``MemberChange`` for each start or stop
of deduction at a company: the letters to companies are generated from those.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Member(models.Model):
    class Payment(models.TextChoices):
        DEDUCTION = "deduction", _("Deduction from pay")
        INVOICE = "invoice", _("Invoice")

    nin_encrypted = models.CharField(_("identity number (encrypted)"), max_length=100)
    nin_hash = models.CharField(_("identity number (keyed hash)"), max_length=64, unique=True)
    nin_masked = models.CharField(_("national identity number"), max_length=11)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    # lower-case, accents folded, words sorted: "Øvrebø, Kari Anne" == "kari anne ovrebo"
    name_key = models.CharField(_("name for matching"), max_length=200, editable=False)
    member_no = models.CharField(_("member number"), max_length=50, blank=True)
    joined = models.DateField(_("joined"), null=True, blank=True)
    resigned = models.DateField(_("resigned"), null=True, blank=True)
    payment = models.CharField(
        _("payment"), max_length=10, choices=Payment.choices, default=Payment.DEDUCTION
    )
    # The member's monthly dues: a percentage of the base (e.g. 1.40) and/or an amount.
    dues_percent = models.DecimalField(
        _("dues (% of base)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    dues_amount = models.DecimalField(
        _("dues per month"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["member_no"], name="member_member_no"),
            models.Index(fields=["birth_date", "name_key"], name="member_birth_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.nin_masked})"


class Employment(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="employments", verbose_name=_("member")
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="employments",
        verbose_name=_("company"),
    )
    from_period = models.DateField(_("from period"))
    to_period = models.DateField(_("to period"), null=True, blank=True)

    class Meta:
        ordering = ["member", "from_period", "pk"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        indexes = [
            models.Index(fields=["company", "from_period"], name="employment_company_from"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.company_id} {self.from_period}..{self.to_period or ''}"


class Layoff(models.Model):
    """A laid-off spell (permittering) at one company: not expected on its lists."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="layoffs", verbose_name=_("member")
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    from_period = models.DateField(_("from period"))
    to_period = models.DateField(_("to period"), null=True, blank=True)

    class Meta:
        ordering = ["member", "from_period", "pk"]
        verbose_name = _("laid-off spell")
        verbose_name_plural = _("laid-off spells")

    def __str__(self) -> str:
        return f"{self.member_id} laid off {self.from_period}..{self.to_period or ''}"


class MemberChange(models.Model):
    """A start or stop of deduction at a company, written by the services as it happens.

    The letters app turns the changes no letter has taken yet into "trekkmeldinger"; each
    change ends up in exactly one published letter.
    """

    class Kind(models.TextChoices):
        START = "start", _("Start deduction")
        STOP = "stop", _("Stop deduction")

    class Reason(models.TextChoices):
        JOINED = "joined", _("New member")
        STARTED = "started", _("Started at the company")
        MOVED_IN = "moved_in", _("Moved from another company")
        RETURNED = "returned", _("Back from lay-off")
        LEFT_COMPANY = "left_company", _("Left the company")
        MOVED_OUT = "moved_out", _("Moved to another company")
        RESIGNED = "resigned", _("Resigned from the union")
        LAID_OFF = "laid_off", _("Laid off")
        INVOICE = "invoice", _("Pays by invoice")
        DEDUCTION = "deduction", _("Pays by deduction again")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="changes", verbose_name=_("member")
    )
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="member_changes",
        verbose_name=_("company"),
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # START: the first period to deduct; STOP: the last period deducted.
    period = models.DateField(_("period"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["company", "created_at", "pk"]
        verbose_name = _("member change")
        verbose_name_plural = _("member changes")
        indexes = [models.Index(fields=["company", "created_at"], name="memberchange_company")]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id} @ {self.company_id} {self.period}"
