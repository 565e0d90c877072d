"""The employer portal's frame: the home redirect and the company switcher (the tabs'
pages are their apps' views: "Brev" is ``letters.views``, "Utrukne" is
``reconciliation.views``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trekkportal.accounts.decorators import company_required
from trekkportal.accounts.services import switch_company


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
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "portal:home"
    return redirect(next_url)
