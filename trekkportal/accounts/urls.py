"""Login, logout, activation, forgotten password, the NDA and staff's second factor.

Only the allauth views we use are mounted (no sign-up, no e-mail management); the names
allauth reverses internally (``account_login``…) point at the same views."""

from allauth.account import views as allauth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("logg-inn/", views.login, name="login"),
    path("logg-ut/", allauth_views.logout, name="logout"),
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
    path("konto/totp/", views.staff_second_factor, name="staff_second_factor"),
    path("konto/passord/", allauth_views.password_change, name="account_change_password"),
    path("konto/2fa/", include("allauth.mfa.urls")),
    # Names allauth reverses internally:
    path("konto/logg-inn/", views.login, name="account_login"),
    path("konto/logg-ut/", allauth_views.logout, name="account_logout"),
    path("konto/inaktiv/", RedirectView.as_view(pattern_name="login"), name="account_inactive"),
    path("konto/ny/", RedirectView.as_view(pattern_name="login"), name="account_signup"),
    path(
        "konto/glemt/",
        RedirectView.as_view(pattern_name="password_forgotten"),
        name="account_reset_password",
    ),
    path("konto/reautentiser/", allauth_views.reauthenticate, name="account_reauthenticate"),
]
