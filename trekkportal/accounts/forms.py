from django import forms

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
