from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MissingDeduction


class AnswerForm(forms.Form):
    """One utrukket's answer. Each row's form has its own prefix (``u<pk>``), so the labels
    and ids on the page are unique."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Choose…")), *MissingDeduction.Status.choices],
        error_messages={"required": _("Choose a status.")},
    )
    comment = forms.CharField(label=_("Comment:"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if (
            data.get("status") == MissingDeduction.Status.OTHER
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Write a comment when you choose Other."))
        return data


def prefix_for(missing_deduction_pk: int) -> str:
    return f"u{missing_deduction_pk}"
