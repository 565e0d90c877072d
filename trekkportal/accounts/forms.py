from allauth.account.forms import ResetPasswordForm
from allauth.core.internal.cryptokit import compare_user_code
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import User


class AdminUserCreationForm(forms.ModelForm):
    """Union staff register a user by e-mail; the user sets a password by one-time code."""

    class Meta:
        model = User
        fields = ("email", "name", "language")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(self.instance.unique_error_message(User, ["email"]))
        return email


# Login, activation and forgotten password --------------------------------------------

PASSWORD_MAX_LENGTH = 1024  # ≥ 64 allowed (ASVS); a cap keeps hashing cheap


class RequestCodeForm(ResetPasswordForm):
    """E-mail → one-time code. allauth's form: it finds only active users, and with
    ACCOUNT_PREVENT_ENUMERATION it says nothing about whether the address is known."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)


class ConfirmCodeForm(forms.Form):
    """One page, as in the seed: the code, the new password and the confirmation.

    The code is checked first; once it was right it is not asked again in this flow, so a
    rejected password does not cost an attempt."""

    code = forms.CharField(label=_("One-time code"), max_length=32, required=False)
    password1 = forms.CharField(
        label=_("New password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirm new password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, expected_code: str, code_confirmed: bool, user=None, **kwargs):
        self.expected_code = expected_code
        self.code_confirmed = code_confirmed
        self.user = user
        super().__init__(*args, **kwargs)
        if code_confirmed:
            del self.fields["code"]
        self.code_ok = code_confirmed

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code or not compare_user_code(actual=code, expected=self.expected_code):
            raise forms.ValidationError(
                _("The one-time code is wrong or has expired."), code="incorrect_code"
            )
        self.code_ok = True
        return code

    def clean_password1(self) -> str:
        password = self.cleaned_data["password1"]
        if self.user is not None:
            password_validation.validate_password(password, self.user)
        else:
            password_validation.validate_password(password)
        return password

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class NdaForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I have read and accept the non-disclosure agreement."),
        error_messages={"required": _("Tick the box to accept the non-disclosure agreement.")},
    )
