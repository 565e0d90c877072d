"""Login, logout, activation, forgotten password, the NDA and staff's second factor.

Only the allauth views we use are mounted (no sign-up, no e-mail management); the names
allauth reverses internally (``account_login``…) point at the same views. allauth's own
views that must work before the NDA is accepted are marked here."""

from allauth.account import views as allauth_views
from allauth.mfa.base import views as mfa_views
from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .decorators import open_before_nda

logout = open_before_nda(allauth_views.logout)


def _to(pattern_name: str):
    return open_before_nda(RedirectView.as_view(pattern_name=pattern_name))


urlpatterns = [
    path("logg-inn/", views.login, name="login"),
    path("logg-ut/", logout, name="logout"),
    path("aktiver/", views.request_code, {"purpose": "activation"}, name="activate"),
    path("aktiver/kode/", views.confirm_code, {"purpose": "activation"}, name="activate_confirm"),
    path(
        "glemt-passord/",
        views.request_code,
        {"purpose": "password_reset"},
        name="password_forgotten",
    ),
    path(
        "glemt-passord/kode/",
        views.confirm_code,
        {"purpose": "password_reset"},
        name="password_forgotten_confirm",
    ),
    path("taushetserklaering/", views.nda, name="nda"),
    path("sesjon/", views.session_status, name="session_status"),
    path("konto/totp/", views.staff_second_factor, name="staff_second_factor"),
    path(
        "konto/passord/",
        allauth_views.PasswordChangeView.as_view(
            extra_context={"password_min_length": settings.PASSWORD_MIN_LENGTH}
        ),
        name="account_change_password",
    ),
    # The second factor at login comes before the NDA; the rest of allauth.mfa after it.
    path(
        "konto/2fa/authenticate/",
        open_before_nda(mfa_views.authenticate),
        name="mfa_authenticate",
    ),
    path("konto/2fa/", include("allauth.mfa.urls")),
    # Names allauth reverses internally:
    path("konto/logg-inn/", views.login, name="account_login"),
    path("konto/logg-ut/", logout, name="account_logout"),
    path("konto/inaktiv/", _to("login"), name="account_inactive"),
    path("konto/ny/", _to("login"), name="account_signup"),
    path("konto/glemt/", _to("password_forgotten"), name="account_reset_password"),
    path("konto/reautentiser/", allauth_views.reauthenticate, name="account_reauthenticate"),
]
