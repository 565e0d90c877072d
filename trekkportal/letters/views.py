"""Employer views: "Brev fra forbundet" (the list) and a letter's download. Staff publish,
run batches and preview in the admin (``letters/admin.py``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trekkportal.accounts.decorators import company_required

from .selectors import company_letters, get_letter_for_user
from .services import download_letter, letter_filename

PAGE_SIZE = 25


@require_GET
@company_required
def brev(request):
    paginator = Paginator(company_letters(request.company), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("side"))
    return render(request, "letters/brev.html", {"page": page})


@require_GET
@company_required
def download(request, pk: int):
    letter = get_letter_for_user(request, pk)
    handle = download_letter(letter=letter, acting_user=request.user, request=request)
    return pdf_attachment(handle, filename=letter_filename(letter))


def pdf_attachment(handle, *, filename: str) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
