"""The employer portal's frame: the home redirect and the company switcher (the tabs'
pages are their apps' views: "Brev" is ``letters.views``, "Utrukne" is
``reconciliation.views``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from trekkportal.accounts.decorators import company_required, open_before_nda
from trekkportal.accounts.services import switch_company
from trekkportal.lib.redirects import safe_next_url

from .health import run_checks


@require_GET
@company_required
def home(request):
    return redirect("submissions:innsending")


@require_POST
@login_required
def switch(request):
    company = switch_company(request=request, company_id=request.POST.get("company", ""))
    if company is None:
        messages.error(request, _("You do not have access to that company."))
    else:
        messages.success(request, _("You are now working for %(name)s.") % {"name": company.name})
    return HttpResponseRedirect(safe_next_url(request, "portal:home"))


@open_before_nda
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the portal's SVG icon."""
    from django.templatetags.static import static

    response = HttpResponsePermanentRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@open_before_nda
@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 when this process can serve, 503 when not. Only the names of
    the checks and ok/fail: no data, no version, no reasons (the `status` command has them)."""
    checks = run_checks()
    healthy = all(check.ok for check in checks)
    body = {
        "status": "ok" if healthy else "fail",
        "checks": {check.name: "ok" if check.ok else "fail" for check in checks},
    }
    return JsonResponse(body, status=200 if healthy else 503)
