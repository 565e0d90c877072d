"""Letters from the union to a company ("Brev fra forbundet").

A letter is a PDF for one company: uploaded by staff, or generated from the member
register's changes (a "trekkmelding"). Letters are published in batches: an upload to one
or many companies is a batch published at once; a generated batch is a draft that staff
preview, then publish or discard. The company sees a published letter for six months from
when it was created (published); then the purge removes its row and its file.

``LetterChange`` ties each ``members.MemberChange`` to the one letter that carries it (a
one-to-one key): re-running never repeats a change, and discarding a draft batch deletes
its letters and their changes' rows, and so gives the changes back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LetterBatch(models.Model):
    class Kind(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded PDF")
        GENERATED = "generated", _("Generated from member changes")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")

    def __str__(self) -> str:
        created = f"{self.created_at:%d.%m.%Y %H:%M}"
        return f"{self.get_kind_display()} {created} ({self.get_state_display()})"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT


class Letter(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.PROTECT,  # a letter's file must go through the purge
        related_name="letters",
        verbose_name=_("company"),
    )
    batch = models.ForeignKey(
        LetterBatch, on_delete=models.PROTECT, related_name="letters", verbose_name=_("batch")
    )
    subject = models.CharField(_("subject"), max_length=200)
    storage_name = models.CharField(_("stored as"), max_length=255, unique=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # "Opprettet": when the company got it (a generated letter's publishing time).
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    is_published = models.BooleanField(_("published"), default=False)
    # "Tidligere nedlastet?": the first download by any user of the company (not staff).
    first_downloaded_at = models.DateTimeField(_("first downloaded"), null=True, blank=True)
    starts = models.PositiveIntegerField(_("members to start"), default=0)
    stops = models.PositiveIntegerField(_("members to stop"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        indexes = [
            models.Index(
                fields=["company", "is_published", "-created_at"], name="letter_company_list"
            ),
            models.Index(fields=["created_at"], name="letter_created"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.created_at:%d.%m.%Y})"

    @property
    def was_downloaded(self) -> bool:
        return self.first_downloaded_at is not None


class LetterChange(models.Model):
    """One member change, in the one letter that tells the company about it.

    The row belongs to the batch: when the purge removes a letter after six months its
    changes stay taken (``letter`` becomes empty), so they are never sent again.
    """

    batch = models.ForeignKey(
        LetterBatch, on_delete=models.CASCADE, related_name="changes", verbose_name=_("batch")
    )
    letter = models.ForeignKey(
        Letter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("letter"),
    )
    change = models.OneToOneField(
        "members.MemberChange",
        on_delete=models.CASCADE,
        related_name="letter_change",
        verbose_name=_("member change"),
    )

    class Meta:
        ordering = ["letter", "pk"]
        verbose_name = _("change in a letter")
        verbose_name_plural = _("changes in letters")

    def __str__(self) -> str:
        return f"{self.change_id} in {self.letter_id}"
