"""Login, activation, forgotten password, the NDA and staff's second factor.

Activation ("Aktiver brukerkonto") and forgotten password ("Glemt passord") are one flow
with two faces: allauth's password reset by code. A user registered by the union has no
usable password; setting the first one by code is the activation.
"""

from __future__ import annotations

from allauth.account.internal.flows.password_reset_by_code import (
    PasswordResetVerificationProcess,
)
from allauth.account.views import LoginView as AllauthLoginView
from allauth.core import ratelimit
from allauth.core.internal.cryptokit import generate_user_code
from allauth.decorators import rate_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.redirects import safe_next_url

from .adapter import CODE_FORMAT, render_code_email
from .decorators import open_before_nda
from .expiry import login_notice, not_activity, seconds_left
from .forms import ConfirmCodeForm, NdaForm, RequestCodeForm
from .nda import current_nda_version, nda_accepted
from .services import accept_nda, set_password_by_code

FLOWS = {
    # purpose: (template of the e-mail step, template of the code step, url names)
    "activation": ("accounts/activate.html", "accounts/activate_confirm.html", "activate"),
    "password_reset": (
        "accounts/password_forgotten.html",
        "accounts/password_forgotten_confirm.html",
        "password_forgotten",
    ),
}


class LoginView(AllauthLoginView):
    template_name = "account/login.html"

    def get_context_data(self, **kwargs):
        # After an expired session: why the user is here, and that a posted form was kept.
        return {**super().get_context_data(**kwargs), "expiry_notice": login_notice(self.request)}


login = open_before_nda(LoginView.as_view())


@open_before_nda
@never_cache
@require_http_methods(["GET", "POST"])
def request_code(request, purpose: str):
    template, _confirm, url_name = FLOWS[purpose]
    form = RequestCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        too_many = ratelimit.consume_or_429(request, action="reset_password", key=email)
        if too_many:
            record(AuditAction.CODE_THROTTLED, request=request, purpose=purpose)
            return too_many
        request.code_purpose = purpose
        form.save(request)
        user = form.users[0] if form.users else None
        if user is None:
            # Do the same work as for a known address (minus sending), so the answer
            # takes about as long (docs/security.md A6).
            render_code_email(email=email, code=generate_user_code(**CODE_FORMAT), purpose=purpose)
        record(
            AuditAction.CODE_REQUESTED,
            actor=user,
            request=request,
            purpose=purpose,
            known=bool(user),
        )
        return redirect(f"{url_name}_confirm")
    return render(request, template, {"form": form})


@open_before_nda
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit(action="reset_password_from_key")
def confirm_code(request, purpose: str):
    _template, template, url_name = FLOWS[purpose]
    process = PasswordResetVerificationProcess.resume(request)
    if process is None:
        messages.error(
            request,
            _("The one-time code has expired or was not requested here. Ask for a new code."),
        )
        return redirect(url_name)
    confirmed = bool(process.state.get("code_confirmed"))
    form = ConfirmCodeForm(
        request.POST if request.method == "POST" else None,
        expected_code=process.code,
        code_confirmed=confirmed,
        user=process.user,
    )
    if request.method == "POST":
        valid = form.is_valid()
        if not form.code_ok:
            record(AuditAction.CODE_FAILED, actor=process.user, request=request, purpose=purpose)
            if not process.record_invalid_attempt():
                messages.error(request, _("Too many wrong codes. Ask for a new code."))
                return redirect(url_name)
        elif not confirmed:
            process.confirm_code()
        if valid and process.user is not None:
            request.code_purpose = purpose  # the adapter's message: activated, or changed
            set_password_by_code(
                request=request, user=process.user, password=form.cleaned_data["password1"]
            )
            process.finish()
            return redirect("login")
    return render(
        request,
        template,
        {
            "form": form,
            "code_confirmed": form.code_ok,
            "password_min_length": settings.PASSWORD_MIN_LENGTH,
        },
    )


@open_before_nda
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def nda(request):
    version = current_nda_version()
    next_url = safe_next_url(request, "portal:home")
    if nda_accepted(request):
        return HttpResponseRedirect(next_url)
    form = NdaForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accept_nda(request=request, version=version)
        return HttpResponseRedirect(next_url)
    # No company switcher or tabs before the NDA: nothing of the portal shows yet.
    context = {"form": form, "version": version, "next": next_url}
    return render(
        request, "accounts/nda.html", {**context, "companies": [], "active_company": None}
    )


@not_activity  # a GET only asks; the user's explicit POST is what extends the session
@open_before_nda
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_status(request):
    """The session warning's endpoint (static/js/session-warning.js): GET says how many
    seconds the session has left without counting as activity; POST ("Stay logged in", with
    the CSRF token) starts the idle clock again. No personal data in the answer."""
    from .middleware import extend_session

    left = extend_session(request) if request.method == "POST" else seconds_left(request)
    response = JsonResponse({"seconds_left": left})
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def admin_login(request, extra_context=None):
    """Replaces the Django admin's own login form, which would bypass allauth's rate limits
    and the second factor: everyone logs in through the portal login."""
    from django.contrib.auth.views import redirect_to_login

    from .decorators import staff_mfa_done

    if not request.user.is_authenticated:
        return redirect_to_login(safe_next_url(request, "admin:index"))
    if not request.user.is_staff:
        record(AuditAction.ACCESS_REFUSED, request=request, area="admin")
        raise Http404
    if not staff_mfa_done(request):
        return redirect("staff_second_factor")
    return HttpResponseRedirect(safe_next_url(request, "admin:index"))


@never_cache
@login_required
def staff_second_factor(request):
    """Union staff need a second factor: set up TOTP, or log in again with it."""
    from allauth.mfa.utils import is_mfa_enabled

    from .decorators import staff_mfa_done

    if not request.user.is_staff:
        raise Http404
    if staff_mfa_done(request):
        return redirect(safe_next_url(request, "backoffice:overview"))
    has_totp = is_mfa_enabled(request.user)
    return render(request, "accounts/staff_second_factor.html", {"has_totp": has_totp})
