"""Employer views: "Innsending" (the form and its receipt) and "Innsendte lister det siste
året". Employers never download a submitted file; staff do that in the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trekkportal.accounts.decorators import company_required
from trekkportal.accounts.expiry import keeps_form, not_activity, take_kept_form
from trekkportal.lib.periods import Period
from trekkportal.lib.sizes import format_size
from trekkportal.portal.body_limit import limit_request_body

from . import services
from .forms import ColumnMappingForm, SubmissionForm
from .selectors import (
    RECEIPT_ISSUES,
    earlier_submissions_by_period,
    get_submission_for_user,
    get_submitted_file_for_user,
    recent_submissions,
    with_first_issues,
)
from .services import SubmissionFailed, submit_list
from .uploads import sanitize_filename
from .validation import too_large_together

PAGE_SIZE = 25
# Room for the form's other fields and the multipart framing around the files.
BODY_MARGIN = 1024 * 1024


def _too_large(request):
    form = _new_form(request)
    messages.error(request, too_large_together())
    return render(request, "submissions/innsending.html", _form_context(request, form), status=413)


def _body_limit() -> int:
    return settings.SUBMISSION_MAX_TOTAL_SIZE + BODY_MARGIN


# Posted after the session expired: the non-file fields are kept, the files named.
KEPT_FIELDS = ("period", "contact_email", "comment", "is_correction")


@keeps_form(back_to="submissions:innsending", fields=KEPT_FIELDS, files="files")
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
                    is_correction=data["is_correction"],
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
        # A browser cannot be given chosen files back: say which ones to add again.
        dropped = [sanitize_filename(f.name) for f in request.FILES.getlist("files")]
    else:
        dropped = []
        form = _new_form(request)
        status = 200
    context = {**_form_context(request, form), "dropped_files": dropped}
    return render(request, "submissions/innsending.html", context, status=status)


# The company a form was opened for, by its idempotency key: the active company lives in
# the session, so a switch in another tab (or a revoked grant) would otherwise file the
# list under a different company than the one the page showed.
FORM_COMPANIES_SESSION_KEY = "submission_form_companies"
FORM_COMPANIES_KEPT = 20


def _new_form(request) -> SubmissionForm:
    kept = take_kept_form(request, "submissions:innsending", request.company.pk)
    initial = {"contact_email": request.user.email}
    initial.update({name: kept[name] for name in KEPT_FIELDS if kept.get(name)})
    form = SubmissionForm(initial=initial)
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


def _form_context(request, form):
    return {
        "form": form,
        "earlier": _earlier(request),
        "accept_pdf": settings.SUBMISSION_ACCEPT_PDF,
        "max_file_size": format_size(settings.SUBMISSION_MAX_FILE_SIZE),
        "limits": {
            "files": settings.SUBMISSION_MAX_FILES,
            "file_bytes": settings.SUBMISSION_MAX_FILE_SIZE,
            "total_bytes": settings.SUBMISSION_MAX_TOTAL_SIZE,
        },
        "max_total_size": format_size(settings.SUBMISSION_MAX_TOTAL_SIZE),
        "accept": ",".join(
            f".{ext}"
            for ext in ("xlsx", "xls", "ods", "csv", "txt")
            + (("pdf",) if settings.SUBMISSION_ACCEPT_PDF else ())
        ),
    }


def _earlier(request) -> list[dict[str, str]]:
    """The periods the company has sent a list for, with the date: the form asks whether
    a second list for one of them is a correction."""
    language = get_language() or settings.LANGUAGE_CODE
    return [
        {"period": iso, "name": Period.parse(iso).long_name(language), "date": date}
        for iso, date in sorted(earlier_submissions_by_period(request.company).items())[::-1]
    ]


@require_GET
@company_required
def receipt(request, pk: int):
    submission = with_first_issues(get_submission_for_user(request, pk))
    return _render_receipt(request, submission)


@not_activity  # the receipt polls it by itself: the user may have left the desk
@require_GET
@company_required
def receipt_status(request, pk: int):
    """The receipt's progress as JSON, for the script that updates it without a reload.
    States and counts only: no names, no identity numbers."""
    submission = get_submission_for_user(request, pk)
    files = list(submission.files.all())
    response = JsonResponse(
        {
            "finished": all(file.is_finished for file in files),
            "files": [
                {
                    "id": file.pk,
                    "state": file.state,
                    "label": str(file.get_state_display()),
                    "rows": file.rows,
                    "invalid": file.invalid_rows,
                }
                for file in files
            ],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@company_required  # first: refused without a company before the method is looked at
@require_POST
def choose_columns(request, pk: int, file_pk: int):
    """The receipt's "which column is which" form for one file (works without JS)."""
    submitted_file = get_submitted_file_for_user(request, pk, file_pk)
    form = ColumnMappingForm(submitted_file, request.POST)
    if form.is_valid():
        try:
            services.choose_columns(
                submitted_file=submitted_file,
                columns=form.cleaned_data["columns"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Thank you. We are reading %(name)s again with the columns you chose.")
                % {"name": submitted_file.original_name},
            )
            return redirect("submissions:receipt", pk=pk)
    submission = with_first_issues(get_submission_for_user(request, pk))
    return _render_receipt(request, submission, forms={submitted_file.pk: form}, status=400)


def _render_receipt(request, submission, *, forms=None, status=200):
    """The receipt: facts, each file's state, problems, and for a file whose columns could
    not be told from its headers, the form to choose them."""
    forms = forms or {}
    period_name = submission.period_value.long_name(get_language() or settings.LANGUAGE_CODE)
    files = list(submission.files.all())
    for file in files:
        file.mapping_form = (
            forms.get(file.pk) or ColumnMappingForm(file)
            if file.preview and file.is_finished
            else None
        )
    return render(
        request,
        "submissions/receipt.html",
        {
            "submission": submission,
            "files": files,
            "period_name": period_name,
            "pending": any(not file.is_finished for file in files),
            "issue_limit": RECEIPT_ISSUES,
        },
        status=status,
    )


@require_GET
@company_required
def innsendte(request):
    paginator = Paginator(recent_submissions(request.company), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("side"))
    return render(request, "submissions/innsendte.html", {"page": page})
