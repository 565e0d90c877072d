from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One e-mail to one recipient, rendered when it was queued, kept as the record of
    what was sent. Written in the same transaction as the change that caused it; delivered
    by the worker (trekkportal/mail/delivery.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    template_name = models.CharField(_("e-mail"), max_length=100, db_index=True)
    to = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=5, default="nb")
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [models.Index(fields=["status", "created_at"], name="mail_outbox_status")]

    def __str__(self) -> str:
        return f"{self.template_name} → {self.to} ({self.status})"


class Reminder(models.Model):
    """A company was reminded that its list for ``period`` is missing. One per company and
    period (the constraint makes a second reminder impossible, however often it runs)."""

    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("company"),
    )
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    deadline = models.DateField(_("deadline"))
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("reminded"), default=timezone.now)

    class Meta:
        ordering = ["-period", "company__name"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"], name="mail_one_reminder_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.period}"
