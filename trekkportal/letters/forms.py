"""The staff form for publishing an uploaded PDF to one or many companies."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.accounts.models import Company, User

from .models import LetterBatch
from .services import SUBJECT_MAX_LENGTH, publish_uploaded_letter

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

    def companies(self) -> list[Company]:
        return self.cleaned_data["orgnrs"]

    def publish(self, *, acting_user: User, request: HttpRequest) -> LetterBatch | None:
        """Publish the valid form's PDF to its companies (``publish_uploaded_letter``, for
        the admin and the back office alike); None, with the error on its field, when the
        service refuses the file or the subject."""
        upload = self.cleaned_data["pdf"]
        try:
            return publish_uploaded_letter(
                companies=self.companies(),
                data=upload,
                name=upload.name,
                subject=self.cleaned_data["subject"],
                acting_user=acting_user,
                request=request,
            )
        except ValidationError as error:
            self.add_error("pdf" if error.code != "subject" else "subject", error)
            return None


def published_message(batch: LetterBatch) -> str:
    count = batch.letters.count()
    if count == 1:
        return gettext("The letter is published.")
    return gettext("The letter is published to %(count)s companies.") % {"count": count}
