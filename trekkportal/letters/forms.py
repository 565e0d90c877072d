"""The staff form for publishing an uploaded PDF to one or many companies."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.models import Company

from .services import SUBJECT_MAX_LENGTH

_SEPARATORS = re.compile(r"[\s,;]+")


class PublishLetterForm(forms.Form):
    pdf = forms.FileField(
        label=_("Letter (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    orgnrs = forms.CharField(
        label=_("Organisation numbers"),
        help_text=_(
            "One or more companies' organisation numbers, separated by spaces, commas or lines."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_orgnrs(self) -> list[Company]:
        wanted = [value for value in _SEPARATORS.split(self.cleaned_data["orgnrs"]) if value]
        found = {company.orgnr: company for company in Company.objects.filter(orgnr__in=wanted)}
        unknown = [value for value in wanted if value not in found]
        if unknown:
            raise forms.ValidationError(
                _("No company has the organisation number %(orgnr)s."),
                params={"orgnr": ", ".join(unknown[:10])},
            )
        if not wanted:
            raise forms.ValidationError(_("Choose at least one company."))
        return list(dict.fromkeys(found[value] for value in wanted))
