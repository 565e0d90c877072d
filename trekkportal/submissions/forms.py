"""The "Send inn trekkliste" form."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from trekkportal.lib.periods import Period, selectable_periods

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
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.choices = period_choices()
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

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
