"""Submissions: one contact e-mail + period + one or more files + an optional comment.

The files are the legal record: stored byte for byte under generated names (size and
SHA-256 recorded), never lost because they could not be parsed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trekkportal.lib.periods import Period


class Submission(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("company"),
    )
    period = models.DateField(_("period"), help_text=_("The first day of the month."))
    contact_email = models.EmailField(_("contact e-mail"), max_length=254)
    comment = models.TextField(_("comment"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    idempotency_key = models.UUIDField(_("form key"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"], name="unique_submission_form_key"
            ),
        ]
        indexes = [models.Index(fields=["company", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.company.name} {self.period_value.mmyy} ({self.submitted_at:%d.%m.%Y})"

    @property
    def period_value(self) -> Period:
        return Period.of(self.period)


class SubmittedFile(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PARSING = "parsing", _("Being read")
        DONE = "done", _("Done")
        FAILED = "failed", _("Could not be read")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="files", verbose_name=_("submission")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    original_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(_("stored as"), max_length=255, unique=True)
    kind = models.CharField(_("file type"), max_length=8)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Parse result summary (the lines and errors themselves belong to the parser's models).
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    rows = models.PositiveIntegerField(_("rows read"), null=True, blank=True)
    valid_rows = models.PositiveIntegerField(_("valid rows"), null=True, blank=True)
    invalid_rows = models.PositiveIntegerField(_("invalid rows"), null=True, blank=True)
    total_amount = models.DecimalField(
        _("total amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    parse_error = models.CharField(_("why it could not be read"), max_length=500, blank=True)
    parsed_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["submission", "position", "pk"]
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_parsed(self) -> bool:
        return self.state == self.State.DONE
