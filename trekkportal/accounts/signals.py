"""Audit and session bookkeeping hooked onto Django's and allauth's signals."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import password_changed
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from . import services
from .middleware import mark_login


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None:
        return
    mark_login(request)
    record(AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if request is not None and user is not None:
        record(AuditAction.LOGOUT, actor=user, request=request)


@receiver(authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Setting up TOTP proves possession of it: count it as this session's second factor.
    record_authentication(request, user, method="mfa", type=authenticator.type, id=authenticator.pk)
    record(AuditAction.MFA_ADDED, actor=user, request=request, type=authenticator.type)


@receiver(password_changed)
def on_password_changed(sender, request, user, **kwargs):
    services.password_changed(request=request, user=user)
