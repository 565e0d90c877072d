"""Employer views: "Innsending" (the form and its receipt) and "Innsendte lister det siste
året". Employers never download a submitted file; staff do that in the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from trekkportal.accounts.decorators import company_required
from trekkportal.portal.body_limit import limit_request_body

from .display import format_size
from .forms import SubmissionForm
from .selectors import (
    RECEIPT_ISSUES,
    get_submission_for_user,
    recent_submissions,
    with_first_issues,
)
from .services import SubmissionFailed, submit_list
from .validation import too_large_together

PAGE_SIZE = 25
# Room for the form's other fields and the multipart framing around the files.
BODY_MARGIN = 1024 * 1024


def _too_large(request):
    form = _new_form(request)
    messages.error(request, too_large_together())
    return render(request, "submissions/innsending.html", _form_context(form), status=413)


def _body_limit() -> int:
    return settings.SUBMISSION_MAX_TOTAL_SIZE + BODY_MARGIN


@require_http_methods(["GET", "POST"])
@company_required
@limit_request_body(_body_limit, too_large=company_required(_too_large))
def innsending(request):
    if request.method == "POST":
        if not _opened_for_active_company(request):
            messages.error(
                request,
                _(
                    "The form was opened while you worked for another company, so nothing "
                    "was sent. You now work for %(name)s: check that this is right and send "
                    "the list again."
                )
                % {"name": request.company.name},
            )
            return redirect("submissions:innsending")
        form = SubmissionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                submission = submit_list(
                    company=request.company,
                    period=data["period"],
                    files=data["files"],
                    comment=data["comment"],
                    contact_email=data["contact_email"],
                    acting_user=request.user,
                    idempotency_key=data["idempotency_key"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error("files", error)
            except SubmissionFailed:
                form.add_error(
                    None,
                    _("Something went wrong while saving. Nothing was stored. Please try again."),
                )
            else:
                return redirect("submissions:receipt", pk=submission.pk)
        status = 503 if form.non_field_errors() else 400
    else:
        form = _new_form(request)
        status = 200
    return render(request, "submissions/innsending.html", _form_context(form), status=status)


# The company a form was opened for, by its idempotency key: the active company lives in
# the session, so a switch in another tab (or a revoked grant) would otherwise file the
# list under a different company than the one the page showed.
FORM_COMPANIES_SESSION_KEY = "submission_form_companies"
FORM_COMPANIES_KEPT = 20


def _new_form(request) -> SubmissionForm:
    form = SubmissionForm(initial={"contact_email": request.user.email})
    opened = request.session.get(FORM_COMPANIES_SESSION_KEY, {})
    opened[str(form.initial["idempotency_key"])] = request.company.pk
    request.session[FORM_COMPANIES_SESSION_KEY] = dict(list(opened.items())[-FORM_COMPANIES_KEPT:])
    return form


def _opened_for_active_company(request) -> bool:
    """False when this session opened the posted form for another company (a form this
    session does not know, say from before a new login, is let through)."""
    key = request.POST.get("idempotency_key", "")
    opened_for = request.session.get(FORM_COMPANIES_SESSION_KEY, {}).get(key)
    return opened_for is None or opened_for == request.company.pk


def _form_context(form):
    return {
        "form": form,
        "accept_pdf": settings.SUBMISSION_ACCEPT_PDF,
        "max_file_size": format_size(settings.SUBMISSION_MAX_FILE_SIZE),
        "max_total_size": format_size(settings.SUBMISSION_MAX_TOTAL_SIZE),
        "accept": ",".join(
            f".{ext}"
            for ext in ("xlsx", "xls", "ods", "csv", "txt")
            + (("pdf",) if settings.SUBMISSION_ACCEPT_PDF else ())
        ),
    }


@require_GET
@company_required
def receipt(request, pk: int):
    submission = with_first_issues(get_submission_for_user(request, pk))
    period_name = submission.period_value.long_name(get_language() or settings.LANGUAGE_CODE)
    pending = any(not file.is_finished for file in submission.files.all())
    return render(
        request,
        "submissions/receipt.html",
        {
            "submission": submission,
            "period_name": period_name,
            "pending": pending,
            "issue_limit": RECEIPT_ISSUES,
        },
    )


@require_GET
@company_required
def innsendte(request):
    paginator = Paginator(recent_submissions(request.company), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("side"))
    return render(request, "submissions/innsendte.html", {"page": page})
