"""The "Send inn trekkliste" form."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from trekkportal.lib.identity import mask_nins_in_text
from trekkportal.lib.periods import Period, selectable_periods

from .services import mapping_problems
from .validation import check_files, check_period


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the submission's rules, not here."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


def period_choices(today=None) -> list[tuple[str, str]]:
    language = translation.get_language() or settings.LANGUAGE_CODE
    periods = selectable_periods(today or timezone.localdate())
    return [("", _("Choose month"))] + [(p.iso, p.long_name(language)) for p in periods]


class SubmissionForm(forms.Form):
    contact_email = forms.EmailField(label=_("E-mail we can contact you at"), max_length=254)
    period = forms.CharField(
        label=_("Period"),
        widget=forms.Select,
        error_messages={"required": _("Choose the month the list is for.")},
    )
    files = MultipleFileField(
        label=_("Deduction list"),
        required=False,
        help_text=_("Files and format"),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_correction = forms.BooleanField(
        label=_("This list corrects a list sent earlier for the same period"),
        required=False,
    )
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = period_choices()
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean_contact_email(self) -> str:
        value = self.cleaned_data["contact_email"]
        if mask_nins_in_text(value) != value:
            # Kept with the submission and shown to staff: no identity number in it.
            raise ValidationError(
                _("Use an e-mail address without a national identity number in it.")
            )
        return value

    def clean_period(self) -> Period:
        value = self.cleaned_data["period"]
        try:
            period = Period.parse(value)
        except ValueError:
            raise ValidationError(_("Choose the month the list is for.")) from None
        check_period(period)
        return period

    def clean(self):
        cleaned = super().clean()
        files = cleaned.get("files") or []
        if not files and "files" not in self.errors:
            if (cleaned.get("comment") or "").strip():
                self.add_error(
                    "files",
                    _("A comment belongs to the files of a period: add at least one file."),
                )
            else:
                self.add_error("files", _("Add at least one file."))
        elif files:
            try:
                check_files(files)
            except ValidationError as error:
                self.add_error("files", error)
        return cleaned


# What the employer can say a column holds (the receipt's "which column is which" form).
MAPPING_LABELS = {
    "nin": _("National identity number (fødselsnummer or D-number)"),
    "birth_date": _("Birth date"),
    "name": _("Name"),
    "amount": _("Amount deducted"),
    "surname": _("Surname"),
    "first_name": _("First name"),
    "union_amount": _("The union's share of the amount"),
    "club_amount": _("The club's share of the amount"),
    "base_amount": _("Base amount (gross pay)"),
    "period": _("Period"),
    "employee_no": _("Employee number"),
    "member_no": _("Member number"),
}
# Asked first; the others sit under "More columns".
MAIN_MAPPING_FIELDS = ("nin", "birth_date", "name", "amount")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class ColumnMappingForm(forms.Form):
    """For each field, the column of the file that holds it (or none). Built from the
    file's header row; the service checks that the choice can be used to read a list."""

    def __init__(self, submitted_file, *args, **kwargs):
        # One form per file on the receipt: ids unique on the page.
        kwargs.setdefault("auto_id", f"id_f{submitted_file.pk}_%s")
        super().__init__(*args, **kwargs)
        self.submitted_file = submitted_file
        preview = submitted_file.preview or {}
        headers = [str(h) for h in preview.get("header", [])]
        self.headers = headers
        self.columns_shown = [(column_letter(i), h) for i, h in enumerate(headers)]
        no_heading = _("(no heading)")
        choices = [("", _("No column"))] + [
            (str(i), f"{column_letter(i)}: {header or no_heading}")
            for i, header in enumerate(headers)
        ]
        initial = self._initial_columns(submitted_file, headers)
        for field in MAPPING_LABELS:
            self.fields[field] = forms.ChoiceField(
                label=MAPPING_LABELS[field], choices=choices, required=False
            )
            if field in initial:
                self.initial[field] = str(initial[field])

    @staticmethod
    def _initial_columns(submitted_file, headers) -> dict[str, int]:
        mapping = submitted_file.column_mapping
        if mapping is not None:
            return dict(mapping.columns)
        found = {}
        for field, header in (submitted_file.columns or {}).items():
            if header in headers:
                found[field] = headers.index(header)
        return found

    @property
    def main_fields(self):
        return [self[name] for name in MAIN_MAPPING_FIELDS]

    @property
    def more_fields(self):
        return [self[name] for name in MAPPING_LABELS if name not in MAIN_MAPPING_FIELDS]

    def clean(self):
        cleaned = super().clean()
        columns = {field: int(value) for field, value in cleaned.items() if value not in ("", None)}
        for problem in mapping_problems(columns, width=len(self.headers)):
            self.add_error(None, problem)
        cleaned["columns"] = columns
        return cleaned
