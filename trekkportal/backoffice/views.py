"""The union staff's back office. Every view is ``staff_required`` (404 for anyone else,
before the method is even looked at) and has one shape: guard → selector or access
helper → form → service → redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trekkportal.accounts.decorators import staff_required
from trekkportal.accounts.models import CompanyAccess, User
from trekkportal.accounts.nda import current_nda_version
from trekkportal.accounts.services import (
    add_user_and_invite,
    get_user_by_email,
    grant_access,
    invite_user,
    publish_nda,
    revoke_access,
)
from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.letters.forms import published_message
from trekkportal.letters.models import LetterBatch
from trekkportal.letters.selectors import (
    batch_letters,
    batches_for_staff,
    company_letters,
    get_batch_for_staff,
    get_letter_for_staff,
    pending_changes,
)
from trekkportal.letters.services import (
    discard_batch,
    letter_filename,
    open_letter_for_staff,
    publish_batch,
    publish_uploaded_letter,
    queue_letter_batch,
)
from trekkportal.letters.views import pdf_attachment
from trekkportal.lib.periods import Period
from trekkportal.lib.redirects import safe_next_url
from trekkportal.mail.models import Reminder
from trekkportal.mail.reminders import overdue_period, remind_company
from trekkportal.members.imports import import_members
from trekkportal.members.services import reveal_member_nin
from trekkportal.members.staging import discard_file, stage_file, staged_file
from trekkportal.reconciliation.models import MissingDeduction
from trekkportal.reconciliation.selectors import (
    answers_for_staff,
    company_findings,
    get_unmatched_line_for_staff,
    member_missing_deductions,
    unmatched_lines,
)
from trekkportal.reconciliation.services import (
    dismiss_unmatched_line,
    mark_answer_handled,
    mark_line_not_a_member,
    move_employment_for_line,
)
from trekkportal.submissions.selectors import attach_first_issues, get_submitted_file_for_staff
from trekkportal.submissions.storage import download_response

from . import exports
from .forms import (
    STATE_LABELS,
    AnswerFilterForm,
    AuditFilterForm,
    CompanyLetterForm,
    GrantAccessForm,
    LettersPublishForm,
    MemberImportConfirmForm,
    MemberImportForm,
    MemberSearchForm,
    NdaForm,
    NewUserForm,
    OverviewFilterForm,
    UnmatchedFilterForm,
)
from .selectors import (
    audit_events,
    companies_for_period,
    company_submissions,
    deadline_of,
    filter_companies,
    get_company_for_staff,
    get_member_for_staff,
    member_lines,
    missing_lists,
    parse_period,
    period_counts,
    search_members,
    twelve_months,
)

PAGE_SIZE = 50
COMPANY_ROWS = 50  # utrukne and unmatched lines shown on a company page, newest first
CHART_HEIGHT = 160
PERIOD_CHOICES = 36  # months offered in the period picker (any other can be typed in the URL)


def _period_choices(today, chosen: Period) -> list[Period]:
    current = Period.of(today)
    periods = [current.shift(-i) for i in range(PERIOD_CHOICES)]
    if chosen not in periods:
        periods.append(chosen)
    return periods


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _overview_query(request):
    today = timezone.localdate()
    form = OverviewFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    period = parse_period(data.get("periode"), today=today)
    searched = companies_for_period(period, today=today, q=data.get("q", ""))
    companies = filter_companies(searched, state=data.get("tilstand", ""))
    return today, form, period, searched, companies


@staff_required
@require_GET
def overview(request):
    """Period overview: every company's state for a period (last month by default)."""
    today, form, period, searched, companies = _overview_query(request)
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("side"))
    months = twelve_months(period)
    query = {k: v for k, v in request.GET.items() if k != "side" and v}
    return render(
        request,
        "backoffice/overview.html",
        {
            "form": form,
            "period": period,
            "period_name": period.long_name(_language()),
            "periods": [(p.iso, p.long_name(_language())) for p in _period_choices(today, period)],
            "deadline": deadline_of(period),
            "counts": period_counts(searched),
            "page": page,
            "query": urlencode(query),
            "export_query": urlencode(query),
            "months": months,
            "bars": _bars(months),
            "missing_bars": _missing_bars(months),
            "state_labels": STATE_LABELS,
        },
    )


def _bars(months) -> list[dict]:
    width = 40
    return [
        {
            "label": month.period.mmyy,
            "rate": month.rate,
            "x": 10 + i * (width + 8),
            "height": month.rate * CHART_HEIGHT // 100,
            "y": 10 + CHART_HEIGHT - month.rate * CHART_HEIGHT // 100,
            "text_x": 10 + i * (width + 8) + width // 2,
        }
        for i, month in enumerate(months)
    ]


def _missing_bars(months) -> list[dict]:
    width, top = 40, max([m.open_missing for m in months] + [1])
    bars = []
    for i, month in enumerate(months):
        height = month.open_missing * CHART_HEIGHT // top
        bars.append(
            {
                "label": month.period.mmyy,
                "value": month.open_missing,
                "x": 10 + i * (width + 8),
                "height": height,
                "y": 10 + CHART_HEIGHT - height,
                "text_x": 10 + i * (width + 8) + width // 2,
            }
        )
    return bars


@staff_required
@require_GET
def overview_export(request, fmt: str):
    _today, _form, period, _searched, companies = _overview_query(request)
    record(
        AuditAction.BACKOFFICE_EXPORTED,
        request=request,
        list="period_overview",
        period=period.iso,
        format=fmt,
    )
    rows = exports.overview_rows(companies)
    name = f"oversikt-{period.iso}"
    if fmt == "csv":
        return exports.csv_response(name, exports.overview_header(), rows)
    return exports.xlsx_response(name, period.iso, exports.overview_header(), rows)


# Company page ------------------------------------------------------------------------------


@staff_required
@require_GET
def company(request, pk: int):
    company = get_company_for_staff(pk)
    accesses = list(
        CompanyAccess.objects.filter(company=company)
        .select_related("user", "granted_by")
        .order_by("user__email")
    )
    page = Paginator(company_submissions(company), 10).get_page(request.GET.get("side"))
    attach_first_issues([file for s in page.object_list for file in s.files.all()], limit=5)
    reminders = list(Reminder.objects.filter(company=company).order_by("-period")[:12])
    missing = list(
        MissingDeduction.objects.filter(company=company)
        .select_related("member", "answered_by")
        .order_by("-period", "member__name")[:COMPANY_ROWS]
    )
    unmatched = list(company_findings(company)[:COMPANY_ROWS])
    letters = list(company_letters(company)[:COMPANY_ROWS])
    return render(
        request,
        "backoffice/company.html",
        {
            "company": company,
            "missing": missing,
            "unmatched": unmatched,
            "letters": letters,
            "letter_form": CompanyLetterForm(),
            "company_rows": COMPANY_ROWS,
            "accesses": accesses,
            "page": page,
            "reminders": reminders,
            "grant_form": GrantAccessForm(),
            "new_user_form": NewUserForm(),
        },
    )


@staff_required
@require_POST
def company_grant(request, pk: int):
    company = get_company_for_staff(pk)
    form = GrantAccessForm(request.POST)
    if form.is_valid():
        try:
            user = get_user_by_email(form.cleaned_data["email"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if grant_access(user=user, company=company, acting_user=request.user):
                messages.success(
                    request,
                    _("%(email)s may now act for %(company)s.")
                    % {"email": user.email, "company": company.name},
                )
            else:
                messages.info(request, _("%(email)s already had access.") % {"email": user.email})
    else:
        messages.error(request, _("Enter the e-mail address of a registered user."))
    return redirect("backoffice:company", pk=company.pk)


@staff_required
@require_POST
def company_revoke(request, pk: int, user_pk: int):
    company = get_company_for_staff(pk)
    user = _user_of(company, user_pk)
    revoke_access(user=user, company=company, acting_user=request.user)
    messages.success(
        request,
        _("%(email)s no longer has access to %(company)s.")
        % {"email": user.email, "company": company.name},
    )
    return redirect("backoffice:company", pk=company.pk)


@staff_required
@require_POST
def company_new_user(request, pk: int):
    company = get_company_for_staff(pk)
    form = NewUserForm(request.POST)
    if form.is_valid():
        try:
            user = add_user_and_invite(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                company=company,
                acting_user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(email)s is registered and has been sent how to activate the account.")
                % {"email": user.email},
            )
    else:
        messages.error(request, _("Enter a valid e-mail address."))
    return redirect("backoffice:company", pk=company.pk)


@staff_required
@require_POST
def company_invite(request, pk: int, user_pk: int):
    company = get_company_for_staff(pk)
    user = _user_of(company, user_pk)
    if invite_user(user=user, company=company, acting_user=request.user):
        messages.success(
            request, _("The activation e-mail was sent to %(email)s.") % {"email": user.email}
        )
    else:
        messages.info(
            request,
            _("%(email)s has already activated the account (or is deactivated).")
            % {"email": user.email},
        )
    return redirect("backoffice:company", pk=company.pk)


def _user_of(company, user_pk: int) -> User:
    """A user with access to ``company``; 404 otherwise."""
    user = User.objects.filter(pk=user_pk, company_accesses__company=company).first()
    if user is None:
        raise Http404
    return user


@staff_required
@require_GET
def file_download(request, pk: int):
    submitted_file = get_submitted_file_for_staff(request, pk)
    return download_response(
        submitted_file=submitted_file, acting_user=request.user, request=request
    )


# Missing lists -----------------------------------------------------------------------------


def _missing_period(request, today) -> Period:
    value = request.GET.get("periode") or request.POST.get("periode")
    if value:
        try:
            return Period.parse(value)
        except ValueError:
            pass
    return overdue_period(today)


@staff_required
@require_GET
def missing(request):
    """Companies without a list past the deadline, and whether they were reminded."""
    today = timezone.localdate()
    period = _missing_period(request, today)
    page = Paginator(missing_lists(period), PAGE_SIZE).get_page(request.GET.get("side"))
    deadline = deadline_of(period)
    return render(
        request,
        "backoffice/missing.html",
        {
            "period": period,
            "period_name": period.long_name(_language()),
            "periods": [
                (p.iso, p.long_name(_language()))
                for p in _period_choices(today, period)
                if deadline_of(p) < today
            ],
            "deadline": deadline,
            "overdue": today > deadline,
            "page": page,
        },
    )


@staff_required
@require_POST
def missing_remind(request, pk: int):
    company = get_company_for_staff(pk)
    today = timezone.localdate()
    period = _missing_period(request, today)
    if today <= deadline_of(period):
        messages.error(request, _("The deadline for this period has not passed yet."))
    elif remind_company(company=company, period=period, acting_user=request.user, request=request):
        messages.success(request, _("%(company)s was reminded.") % {"company": company.name})
    else:
        messages.info(
            request,
            _(
                "No reminder was sent: %(company)s has submitted, was already reminded for "
                "this period, or has no active user."
            )
            % {"company": company.name},
        )
    return redirect(f"{_url('backoffice:missing')}?{urlencode({'periode': period.iso})}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


# Audit log ---------------------------------------------------------------------------------


def _audit_query(request):
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    events = audit_events(
        actor=data.get("bruker", ""),
        company=data.get("bedrift", ""),
        action=data.get("handling", ""),
        date_from=data.get("fra"),
        date_to=data.get("til"),
    )
    return form, events


@staff_required
@require_GET
def audit_log(request):
    form, events = _audit_query(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("side"))
    labels = dict(AuditAction.choices)
    for event in page.object_list:
        event.label = labels.get(event.action, event.action)
        event.details = " ".join(f"{k}={v}" for k, v in sorted(event.data.items()))
    query = {k: v for k, v in request.GET.items() if k != "side" and v}
    return render(
        request, "backoffice/audit.html", {"form": form, "page": page, "query": urlencode(query)}
    )


@staff_required
@require_GET
def audit_export(request):
    _form, events = _audit_query(request)
    record(AuditAction.BACKOFFICE_EXPORTED, request=request, list="audit_log", format="csv")
    rows = exports.audit_rows(events.iterator(chunk_size=2000))
    return exports.csv_response("revisjonslogg", exports.audit_header(), rows)


# NDA ---------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def nda(request):
    version = current_nda_version()
    form = NdaForm(request.POST or None, initial={"text": version.text})
    if request.method == "POST" and form.is_valid():
        new = publish_nda(text=form.cleaned_data["text"], acting_user=request.user)
        messages.success(
            request,
            _("Version %(version)s is published: everyone must accept it again.")
            % {"version": new.version},
        )
        return redirect("backoffice:nda")
    return render(request, "backoffice/nda.html", {"form": form, "version": version})


# Members -----------------------------------------------------------------------------------

IMPORT_SESSION_KEY = "backoffice_member_import"


@staff_required
@require_GET
def members(request):
    form = MemberSearchForm(request.GET)
    form.is_valid()
    q = form.cleaned_data.get("q", "")
    page = Paginator(search_members(q), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "backoffice/members.html",
        {"form": form, "page": page, "q": q, "query": urlencode({"q": q} if q else {})},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def member(request, pk: int):
    """One member: masked identity number unless staff ask to see it (POST, audited, never
    cached), employments, lay-offs, changes and the lines that carried the number."""
    member = get_member_for_staff(pk)
    revealed = None
    if request.method == "POST":
        revealed = reveal_member_nin(member=member, acting_user=request.user, request=request)
    response = render(
        request,
        "backoffice/member.html",
        {
            "member": member,
            "revealed": revealed,
            "lines": member_lines(member),
            "missing": member_missing_deductions(member),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def member_import(request):
    """Upload → a dry run (the same summary and errors as ``import_members``) → confirm."""
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        period = form.cleaned_data["periode"]
        summary = import_members(
            file=data,
            filename=upload.name,
            dry_run=True,
            acting_user=request.user,
            period=period,
        )
        _discard_staged(request)
        if summary.file_problem is None and not summary.nothing_to_change:
            request.session[IMPORT_SESSION_KEY] = {
                "name": stage_file(data),
                "filename": upload.name[:255],
                "period": period.iso if period else "",
            }
        return render(
            request,
            "backoffice/member_import_preview.html",
            _summary_context(summary, upload.name)
            | {
                "confirm_form": MemberImportConfirmForm(),
                "staged": IMPORT_SESSION_KEY in request.session,
            },
        )
    return render(request, "backoffice/member_import.html", {"form": form})


@staff_required
@require_POST
def member_import_confirm(request):
    staged = request.session.get(IMPORT_SESSION_KEY)
    data = staged_file(staged["name"]) if staged else None
    if data is None:
        messages.error(request, _("There is no checked file to apply. Upload it again."))
        return redirect("backoffice:member_import")
    form = MemberImportConfirmForm(request.POST)
    form.is_valid()
    summary = import_members(
        file=data,
        filename=staged["filename"],
        apply_valid=form.cleaned_data.get("apply_valid", False),
        acting_user=request.user,
        period=Period.parse(staged["period"]) if staged["period"] else None,
    )
    _discard_staged(request)
    return render(
        request,
        "backoffice/member_import_done.html",
        _summary_context(summary, staged["filename"]),
    )


def _discard_staged(request) -> None:
    staged = request.session.pop(IMPORT_SESSION_KEY, None)
    if staged:
        discard_file(staged["name"])


def _summary_context(summary, filename: str) -> dict:
    problems = [
        {"row": p.row, "masked": p.masked, "message": p.message(_)} for p in summary.problems[:200]
    ]
    return {
        "summary": summary,
        "filename": filename,
        "problems": problems,
        "more_problems": max(0, len(summary.problems) - len(problems)),
        "file_problem": summary.file_problem.message(_) if summary.file_problem else "",
    }


# Utrukne answers ---------------------------------------------------------------------------


@staff_required
@require_GET
def answers(request):
    """The companies' newest answers to utrukne; "Ansatt" ones stand out (the member is
    still employed but was not deducted: a follow-up with the company)."""
    form = AnswerFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    handled = {"ja": True, "alle": None}.get(data.get("behandlet") or "nei", False)
    queryset = answers_for_staff(status=data.get("svar", ""), handled=handled)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("side"))
    query = {k: v for k, v in request.GET.items() if k != "side" and v}
    return render(
        request,
        "backoffice/answers.html",
        {
            "form": form,
            "page": page,
            "query": urlencode(query),
            "employed": MissingDeduction.Status.EMPLOYED,
        },
    )


@staff_required
@require_POST
def answer_handled(request, pk: int):
    missing_deduction = MissingDeduction.objects.select_related("company").filter(pk=pk).first()
    if missing_deduction is None:
        raise Http404
    if mark_answer_handled(
        missing_deduction=missing_deduction, acting_user=request.user, request=request
    ):
        messages.success(request, _("The answer is marked as followed up."))
    else:
        messages.info(request, _("The answer was already followed up, or is not answered."))
    return redirect(safe_next_url(request, "backoffice:answers"))


# Unmatched lines ---------------------------------------------------------------------------


@staff_required
@require_GET
def unmatched(request):
    """The period's open unmatched lines across companies (last month by default), with
    the likely reason, the member the number points to and the actions."""
    today = timezone.localdate()
    form = UnmatchedFilterForm(request.GET)
    form.is_valid()
    period = parse_period(form.cleaned_data.get("periode"), today=today)
    q = form.cleaned_data.get("q", "")
    page = Paginator(unmatched_lines(period=period, q=q), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    query = urlencode({"periode": period.iso, **({"q": q} if q else {})})
    return render(
        request,
        "backoffice/unmatched.html",
        {
            "form": form,
            "page": page,
            "period": period,
            "period_name": period.long_name(_language()),
            "periods": [(p.iso, p.long_name(_language())) for p in _period_choices(today, period)],
            "query": query,
            "here": f"{_url('backoffice:unmatched')}?{query}",
        },
    )


UNMATCHED_DONE = {
    move_employment_for_line: gettext_lazy("The member's employment is moved to %(company)s."),
    mark_line_not_a_member: gettext_lazy("The line is marked as not a member."),
    dismiss_unmatched_line: gettext_lazy("The line is dismissed."),
}


def _resolve_unmatched(request, pk: int, service):
    finding = get_unmatched_line_for_staff(request, pk)
    try:
        service(finding=finding, acting_user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        company = finding.reconciliation.company
        messages.success(request, UNMATCHED_DONE[service] % {"company": company.name})
    return redirect(safe_next_url(request, "backoffice:unmatched"))


@staff_required
@require_POST
def unmatched_move(request, pk: int):
    return _resolve_unmatched(request, pk, move_employment_for_line)


@staff_required
@require_POST
def unmatched_not_member(request, pk: int):
    return _resolve_unmatched(request, pk, mark_line_not_a_member)


@staff_required
@require_POST
def unmatched_dismiss(request, pk: int):
    return _resolve_unmatched(request, pk, dismiss_unmatched_line)


# Letters -----------------------------------------------------------------------------------


@staff_required
@require_POST
def company_letter(request, pk: int):
    """Publish an uploaded PDF to this company (``letters.services.publish_uploaded_letter``:
    checked as a PDF, stored, the company's users e-mailed, audited)."""
    company = get_company_for_staff(pk)
    form = CompanyLetterForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["pdf"]
        try:
            publish_uploaded_letter(
                companies=[company],
                data=upload,
                name=upload.name,
                subject=form.cleaned_data["subject"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The letter is published to %(company)s.") % {"company": company.name}
            )
    else:
        messages.error(request, _("Give the letter a subject and choose a PDF."))
    return redirect("backoffice:company", pk=company.pk)


@staff_required
@require_GET
def letter_preview(request, pk: int):
    letter = get_letter_for_staff(request, pk)
    handle = open_letter_for_staff(letter=letter, acting_user=request.user, request=request)
    return pdf_attachment(handle, filename=letter_filename(letter))


# The letters page ----------------------------------------------------------------------------


def _letters_page(request, form, *, status: int = 200):
    page = Paginator(batches_for_staff(), 20).get_page(request.GET.get("side"))
    return render(
        request,
        "backoffice/letters.html",
        {"form": form, "page": page, "pending": pending_changes().count()},
        status=status,
    )


@staff_required
@require_GET
def letters(request):
    """Publish an uploaded PDF to every company or the ones named; write letters from the
    register's changes; every batch with its letters downloaded."""
    return _letters_page(request, LettersPublishForm())


@staff_required
@require_POST
def letters_publish(request):
    form = LettersPublishForm(request.POST, request.FILES)
    if form.is_valid():
        batch = form.publish(acting_user=request.user, request=request)
        if batch is not None:
            messages.success(request, published_message(batch))
            return redirect("backoffice:letters_batch", pk=batch.pk)
    return _letters_page(request, form, status=400)


@staff_required
@require_POST
def letters_run(request):
    """Queue the letters for the register's new changes; the draft appears when ready."""
    if queue_letter_batch(acting_user=request.user):
        messages.success(
            request,
            _(
                "The letters are being written. The draft appears in this list when it is "
                "ready (about a minute for 2,000 companies): check it, then publish it."
            ),
        )
    else:
        messages.info(request, _("There are no new member changes to write about."))
    return redirect("backoffice:letters")


@staff_required
@require_GET
def letters_batch(request, pk: int):
    """One batch: each company's letter (preview), its changes and whether downloaded."""
    batch = get_batch_for_staff(request, pk)
    page = Paginator(batch_letters(batch), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "backoffice/letters_batch.html",
        {"batch": batch, "page": page, "draft": batch.state == LetterBatch.State.DRAFT},
    )


def _act_on_batch(request, pk: int, service, done: str):
    batch = get_batch_for_staff(request, pk)
    try:
        service(batch=batch, acting_user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("backoffice:letters_batch", pk=batch.pk)


@staff_required
@require_POST
def letters_batch_publish(request, pk: int):
    return _act_on_batch(request, pk, publish_batch, _("The batch is published."))


@staff_required
@require_POST
def letters_batch_discard(request, pk: int):
    return _act_on_batch(
        request,
        pk,
        discard_batch,
        _("The batch is discarded; its member changes go into the next run."),
    )
