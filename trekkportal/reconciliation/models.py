"""Reconciliation: a company's list for a period compared with the member register.

One ``Reconciliation`` per (company, period) holds the last run's figures, or why the
period is held back (a file not read yet, or one that could not be read). Under it:

- ``MissingDeduction`` (*utrukket*): an expected member no line deducted. The company
  answers it (Ansatt / Permittert / Sluttet i bedrift / Annet); a later correction list
  that deducts the member resolves it. Rows are never deleted by a re-run: answers stay.
- ``LineFinding``: a line for staff only — unmatched (with the reason when known) or an
  amount far from the member's expected dues. Derived data, recomputed by every run;
  staff's resolution of a line (moved, not a member, dismissed) is carried over.
- ``FilePeriod``: the periods a read file has valid lines for (a line's own period column,
  else its submission's period), so a period finds the files that count for it.

Periods are stored as the first day of their month.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trekkportal.lib.periods import Period


class Reconciliation(models.Model):
    class State(models.TextChoices):
        RECONCILED = "reconciled", _("Reconciled")
        WAITING = "waiting", _("Held back: a file is still being read")
        HELD_BACK = "held_back", _("Held back: a file could not be read")

    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="reconciliations",
        verbose_name=_("company"),
    )
    period = models.DateField(_("period"), help_text=_("The first day of the month."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    # Staff only: the files that hold the period back (original names and their state).
    held_back_because = models.CharField(_("held back because"), max_length=1000, blank=True)
    expected = models.PositiveIntegerField(_("expected members"), default=0)
    deducted = models.PositiveIntegerField(_("expected members deducted"), default=0)
    missing = models.PositiveIntegerField(_("missing deductions"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched lines"), default=0)
    flagged = models.PositiveIntegerField(_("amounts flagged"), default=0)
    lines = models.PositiveIntegerField(_("lines counted"), default=0)
    reconciled_at = models.DateTimeField(_("last reconciled"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-period", "company__name", "pk"]
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"], name="unique_reconciliation_company_period"
            ),
        ]
        indexes = [models.Index(fields=["period", "state"], name="reconciliation_period")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.period_value.mmyy}"

    @property
    def period_value(self) -> Period:
        return Period.of(self.period)

    @property
    def is_reconciled(self) -> bool:
        return self.state == self.State.RECONCILED


class MissingDeduction(models.Model):
    """An utrukket: a member expected on the company's list for the period, not deducted."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        RESOLVED = "resolved", _("Resolved")

    class Status(models.TextChoices):
        # The company's answer (the seed's choices, in its order).
        EMPLOYED = "employed", pgettext_lazy("answer to an utrukket", "Employed")
        LAID_OFF = "laid_off", pgettext_lazy("answer to an utrukket", "Laid off")
        LEFT_COMPANY = "left_company", pgettext_lazy("answer to an utrukket", "Left the company")
        OTHER = "other", pgettext_lazy("answer to an utrukket", "Other")

    class Resolution(models.TextChoices):
        DEDUCTED = "deducted", _("Deducted in a corrected list")
        NOT_EXPECTED = "not_expected", _("No longer expected (the register changed)")

    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.PROTECT,
        related_name="missing_deductions",
        verbose_name=_("reconciliation"),
    )
    # Denormalised from the reconciliation: the employer's list filters and sorts on them.
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    period = models.DateField(_("period"))
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="missing_deductions",
        verbose_name=_("member"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("found"), default=timezone.now)
    notified_at = models.DateTimeField(_("company told"), null=True, blank=True)
    status = models.CharField(_("answer"), max_length=12, choices=Status.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    resolution = models.CharField(
        _("resolution"), max_length=12, choices=Resolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Union staff followed the answer up (the back office's "mark handled"); reconciling
    # again leaves it alone.
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        ordering = ["period", "member__name", "pk"]
        verbose_name = _("missing deduction")
        verbose_name_plural = _("missing deductions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period", "member"], name="unique_missing_deduction"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "state", "period"], name="missing_company_state"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.company_id} {self.period_value.mmyy}"

    @property
    def period_value(self) -> Period:
        return Period.of(self.period)

    @property
    def period_name(self) -> str:
        """ "November 2020" / "November 2020": the period in the page's language."""
        name = self.period_value.long_name(translation.get_language() or settings.LANGUAGE_CODE)
        return name[:1].upper() + name[1:]


class LineFinding(models.Model):
    """A line staff should look at: it matched no expected member, or its amount is far
    from the member's dues. Never shown to the company."""

    class Kind(models.TextChoices):
        UNMATCHED = "unmatched", _("Unmatched line")
        AMOUNT = "amount", _("Amount far from the expected dues")

    class Reason(models.TextChoices):
        OTHER_COMPANY = "other_company", _("Registered at another company")
        RESIGNED = "resigned", _("Resigned from the union")
        NOT_IN_REGISTER = "not_in_register", _("Not in the member register")
        INVOICE = "invoice", _("Pays by invoice")
        LAID_OFF = "laid_off", _("Registered as laid off")
        NOT_EMPLOYED = "not_employed", _("Not registered at this company for the period")
        NOT_A_MEMBER_YET = "not_member_yet", _("Not a member yet in the period")
        AMOUNT = "amount", _("Amount far from the expected dues")

    class Resolution(models.TextChoices):
        # What union staff decided about an unmatched line (the back office's actions).
        MOVED = "moved", _("Employment moved to this company")
        NOT_A_MEMBER = "not_member", _("Not a member")
        DISMISSED = "dismissed", _("Dismissed")

    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("reconciliation"),
    )
    line = models.ForeignKey(
        "submissions.DeductionLine",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("line"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    expected_amount = models.DecimalField(
        _("expected dues"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Staff's decision. A re-run replaces the findings but carries these over to the same
    # line's new finding, so a resolved line stays resolved.
    resolution = models.CharField(
        _("resolution"), max_length=12, choices=Resolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        ordering = ["reconciliation", "kind", "pk"]
        verbose_name = _("line finding")
        verbose_name_plural = _("line findings")

    def __str__(self) -> str:
        return f"{self.kind}: {self.line_id}"


class FilePeriod(models.Model):
    """A read file has valid lines for this period (written when the file is read)."""

    submitted_file = models.ForeignKey(
        "submissions.SubmittedFile",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("file"),
    )
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    period = models.DateField(_("period"))

    class Meta:
        verbose_name = _("period of a file")
        verbose_name_plural = _("periods of files")
        constraints = [
            models.UniqueConstraint(fields=["submitted_file", "period"], name="unique_file_period"),
        ]
        indexes = [models.Index(fields=["period", "company"], name="fileperiod_period_company")]

    def __str__(self) -> str:
        return f"{self.submitted_file_id} {self.period}"
