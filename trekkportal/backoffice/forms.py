"""The back office's forms: filters (GET) and the few actions (POST)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.models import Company
from trekkportal.audit.actions import AuditAction
from trekkportal.letters.forms import PublishLetterForm

from .selectors import STATES

STATE_LABELS = {
    "submitted": _("Submitted"),
    "not_submitted": _("Not submitted"),
    "late": _("Late"),
    "reminded": _("Reminded"),
    "open_missing": _("With open missing deductions"),
}


class OverviewFilterForm(forms.Form):
    periode = forms.CharField(label=_("Period"), required=False, max_length=20)
    tilstand = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), *((state, STATE_LABELS[state]) for state in STATES)],
    )
    q = forms.CharField(label=_("Name or organisation number"), required=False, max_length=200)


class UnmatchedFilterForm(forms.Form):
    periode = forms.CharField(label=_("Period"), required=False, max_length=20)
    q = forms.CharField(label=_("Name or organisation number"), required=False, max_length=200)


class AuditFilterForm(forms.Form):
    bruker = forms.CharField(label=_("User (e-mail)"), required=False, max_length=254)
    bedrift = forms.CharField(
        label=_("Company (name or organisation number)"), required=False, max_length=200
    )
    handling = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All")), *AuditAction.choices]
    )
    fra = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    til = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class GrantAccessForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of a registered user"), max_length=254)


class NewUserForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class NdaForm(forms.Form):
    text = forms.CharField(
        label=_("Text of the new version"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=20000,
        help_text=_("Plain text; blank lines separate paragraphs."),
    )


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, member number or national identity number"),
        required=False,
        max_length=200,
    )


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("Register file (CSV, XLSX, XLS or ODS)"),
        help_text=_(
            "Columns: fødselsnummer, navn, orgnr, and optionally fødselsdato, medlemsnr, "
            "innmeldt, utmeldt, trekk. Nothing is changed before you confirm the preview."
        ),
    )
    periode = forms.CharField(
        label=_("Period of the import (YYYY-MM, optional)"), required=False, max_length=20
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.SUBMISSION_MAX_TOTAL_SIZE:
            raise forms.ValidationError(_("The file is too large."))
        return upload

    def clean_periode(self):
        from trekkportal.lib.periods import Period

        value = self.cleaned_data["periode"].strip()
        if not value:
            return None
        try:
            return Period.parse(value)
        except ValueError:
            raise forms.ValidationError(_("Write the period as YYYY-MM, e.g. 2026-10.")) from None


class MemberImportConfirmForm(forms.Form):
    apply_valid = forms.BooleanField(
        label=_("Apply the valid rows even though some rows have errors"), required=False
    )


class AnswerFilterForm(forms.Form):
    svar = forms.ChoiceField(label=_("Answer"), required=False)
    behandlet = forms.ChoiceField(
        label=_("Followed up"),
        required=False,
        choices=[("nei", _("Not yet")), ("ja", _("Yes")), ("alle", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        from trekkportal.reconciliation.models import MissingDeduction

        super().__init__(*args, **kwargs)
        self.fields["svar"].choices = [("", _("All")), *MissingDeduction.Status.choices]


class CompanyLetterForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    pdf = forms.FileField(label=_("Letter (PDF)"))


class LettersPublishForm(PublishLetterForm):
    """The letters page: one PDF to every active company, or to the ones named (the
    admin's form, with "all" added)."""

    ALL, CHOSEN = "alle", "valgte"
    recipients = forms.ChoiceField(
        label=_("Send to"),
        choices=[(ALL, _("Every active company")), (CHOSEN, _("The companies named below"))],
        initial=CHOSEN,
        widget=forms.RadioSelect,
    )
    field_order = ["subject", "pdf", "recipients", "orgnrs"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgnrs"].required = False

    def clean_orgnrs(self) -> list[Company]:
        if self.data.get("recipients") == self.ALL:
            return []
        if not (self.cleaned_data.get("orgnrs") or "").strip():
            raise forms.ValidationError(_("Choose at least one company."))
        return super().clean_orgnrs()

    def companies(self) -> list[Company]:
        if self.cleaned_data["recipients"] == self.ALL:
            return list(Company.objects.filter(is_active=True).order_by("name", "pk"))
        return super().companies()
