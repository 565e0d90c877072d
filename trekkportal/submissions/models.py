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
    # The employer said this list corrects one sent earlier for the same period.
    is_correction = models.BooleanField(_("correction"), default=False)
    # The receipt e-mail goes out once every file has been read (or found unreadable).
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "idempotency_key"], name="unique_submission_form_key"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-submitted_at"]),
            # Reconciliation reads the lines of a period's submissions: of all companies
            # (a whole period) or of one company.
            models.Index(fields=["period", "company"], name="submission_period_company"),
        ]

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
    format = models.CharField(_("format read"), max_length=16, blank=True)
    # field -> the header it was read from in the file, e.g. {"nin": "Fødselsnummer"}
    columns = models.JSONField(_("columns detected"), default=dict, blank=True)
    # When the columns could not be told from the headers: the header row and the first
    # rows (identity numbers masked), for the employer to say which column is which.
    preview = models.JSONField(_("first rows"), default=dict, blank=True)
    column_mapping = models.ForeignKey(
        "ColumnMapping",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("columns chosen by the employer"),
    )

    class Meta:
        ordering = ["submission", "position", "pk"]
        verbose_name = _("submitted file")
        verbose_name_plural = _("submitted files")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_parsed(self) -> bool:
        return self.state == self.State.DONE

    @property
    def is_finished(self) -> bool:
        """Read, or found unreadable: nothing more will happen to it by itself."""
        return self.state in (self.State.DONE, self.State.FAILED)


class ColumnMapping(models.Model):
    """Which column is which, as an employer said for a file the portal could not read by
    its headers; remembered for the company's next lists of the same header shape."""

    company = models.ForeignKey(
        "accounts.Company",
        on_delete=models.CASCADE,
        related_name="column_mappings",
        verbose_name=_("company"),
    )
    shape = models.CharField(_("header shape"), max_length=64)
    headers = models.JSONField(_("headers"), default=list)
    # field -> column index (0-based), e.g. {"nin": 0, "name": 1, "amount": 4}
    columns = models.JSONField(_("columns"), default=dict)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )
    chosen_at = models.DateTimeField(_("chosen"), default=timezone.now)

    class Meta:
        ordering = ["company", "-chosen_at"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["company", "shape"], name="unique_mapping_shape"),
        ]

    def __str__(self) -> str:
        return ", ".join(
            f"{field}: {self.header_of(index)}" for field, index in self.columns.items()
        )

    def header_of(self, index: int) -> str:
        if 0 <= index < len(self.headers) and self.headers[index]:
            return str(self.headers[index])
        return f"#{index + 1}"


class DeductionLine(models.Model):
    """One data row of a parsed file, stored with its file, whole or not at all.

    The identity number is special-category data (GDPR art. 9) and is never stored in
    plain text: ``nin_encrypted`` (AES-GCM, ``lib.nincrypt``) for the rare full display or
    export (audited), ``nin_hash`` (keyed HMAC) for matching against the member register,
    ``nin_masked`` for everything else.
    """

    submitted_file = models.ForeignKey(
        SubmittedFile,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("file"),
        db_index=False,  # the (submitted_file, row) index serves it
    )
    row = models.PositiveIntegerField(_("row"))
    nin_encrypted = models.CharField(_("identity number (encrypted)"), max_length=100, blank=True)
    nin_hash = models.CharField(_("identity number (keyed hash)"), max_length=64, blank=True)
    nin_masked = models.CharField(_("national identity number"), max_length=11, blank=True)
    nin_restored = models.BooleanField(_("leading zero restored"), default=False)
    nin_uncertain = models.BooleanField(_("identity number uncertain"), default=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=50, blank=True)
    member_no = models.CharField(_("member number"), max_length=50, blank=True)
    base_amount = models.DecimalField(
        _("base amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("amount deducted"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    union_amount = models.DecimalField(
        _("union amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    club_amount = models.DecimalField(
        _("club amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period = models.DateField(
        _("period"), null=True, blank=True, help_text=_("The first day of the month.")
    )
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        ordering = ["submitted_file", "row"]
        verbose_name = _("deduction line")
        verbose_name_plural = _("deduction lines")
        indexes = [
            # The lines of a file in row order (the staff view pages through them).
            models.Index(fields=["submitted_file", "row"], name="deductionline_file_row"),
            # Reconciliation matches lines to members by identity number (keyed hash).
            models.Index(fields=["nin_hash"], name="deductionline_nin_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.submitted_file_id}:{self.row}"


class ParseIssue(models.Model):
    """A problem the parser found: in a row (``row`` set) or in the whole file.

    ``message`` is rendered in the site language when stored and holds masked identity
    numbers only.
    """

    submitted_file = models.ForeignKey(
        SubmittedFile,
        on_delete=models.CASCADE,
        related_name="issues",
        verbose_name=_("file"),
        db_index=False,  # the (submitted_file, row) index serves it
    )
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=255, blank=True)
    code = models.CharField(_("code"), max_length=40)
    message = models.CharField(_("message"), max_length=500)

    class Meta:
        ordering = ["submitted_file", models.F("row").asc(nulls_first=True), "pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["submitted_file", "row"], name="parseissue_file_row")]

    def __str__(self) -> str:
        return self.message


# DeductionLine's concrete fields in model order, the one list of them: the parse result is
# written as plain rows in this order (``submissions.bulk``), and the staff's CSV export
# shows them. A test holds it equal to the model.
LINE_FIELDS = (
    "id",
    "submitted_file_id",
    "row",
    "nin_encrypted",
    "nin_hash",
    "nin_masked",
    "nin_restored",
    "nin_uncertain",
    "birth_date",
    "name",
    "employee_no",
    "member_no",
    "base_amount",
    "amount",
    "union_amount",
    "club_amount",
    "period",
    "valid",
)
