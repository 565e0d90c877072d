"""The employer's "Utrukne": members registered at the company who were not deducted, and
their answers. No identity number is ever shown here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from trekkportal.accounts.decorators import company_required
from trekkportal.accounts.expiry import keeps_form, take_kept_form

from .forms import AnswerForm, prefix_for
from .selectors import (
    answered_missing_deductions,
    get_missing_deduction_for_user,
    open_missing_deductions,
)
from .services import answer_missing_deduction

PAGE_SIZE = 25


@require_GET
@company_required
def utrukne(request):
    return _render_list(request)


def _answer_fields(pk: int) -> tuple[str, ...]:
    prefix = prefix_for(pk)
    return (f"{prefix}-status", f"{prefix}-comment")


@keeps_form(back_to="portal:utrukne", fields=_answer_fields)  # posted after expiry
@company_required  # outermost: without a company even a GET is refused (403), not 405
@require_POST
def answer(request, pk: int):
    missing = get_missing_deduction_for_user(request, pk)
    form = AnswerForm(request.POST, prefix=prefix_for(missing.pk))
    if form.is_valid():
        try:
            answer_missing_deduction(
                missing_deduction=missing,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Thank you. The status of %(name)s has been sent to the union.")
                % {"name": missing.member.name},
            )
        return redirect("portal:utrukne")
    return _render_list(request, bound=(missing.pk, form), status=400)


def _render_list(request, *, bound=None, status=200):
    open_page = Paginator(open_missing_deductions(request.company), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    answered_page = Paginator(answered_missing_deductions(request.company), PAGE_SIZE).get_page(
        request.GET.get("besvart")
    )
    kept = take_kept_form(request, "portal:utrukne", request.company.pk) if bound is None else {}
    rows = []
    for missing in open_page.object_list:
        prefix = prefix_for(missing.pk)
        if bound is not None and bound[0] == missing.pk:
            form = bound[1]
        else:
            initial = {
                name: kept[f"{prefix}-{name}"]
                for name in ("status", "comment")
                if kept.get(f"{prefix}-{name}")
            }
            form = AnswerForm(prefix=prefix, initial=initial)
        rows.append((missing, form))
    return render(
        request,
        "reconciliation/utrukne.html",
        {
            "open_page": open_page,
            "rows": rows,
            "answered_page": answered_page,
            "other": "other",
        },
        status=status,
    )
