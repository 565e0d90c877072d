"""Union staff see every submission here and download its files byte for byte (audited).

Submissions are the legal record: the admin shows them read-only; nothing is added,
changed or deleted here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Submission, SubmittedFile
from .selectors import get_submitted_file_for_staff
from .services import download_file

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "pdf": "application/pdf",
}


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SubmittedFileInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SubmittedFile
    extra = 0
    fields = ("download", "size", "sha256", "state", "rows", "invalid_rows", "total_amount")
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _download_link(obj)


def _download_link(submitted_file: SubmittedFile):
    url = reverse("admin:submissions_submittedfile_download", args=[submitted_file.pk])
    return format_html('<a href="{}">{}</a>', url, submitted_file.original_name)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("submitted_at", "company", "period_mmyy", "file_count", "submitted_by")
    list_filter = ("submitted_at", "period")
    list_select_related = ("company", "submitted_by")
    search_fields = ("company__name", "company__orgnr", "contact_email")
    date_hierarchy = "submitted_at"
    inlines = [SubmittedFileInline]
    fields = ("company", "period_mmyy", "submitted_at", "submitted_by", "contact_email", "comment")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    @admin.display(description=_("period"), ordering="period")
    def period_mmyy(self, obj):
        return obj.period_value.mmyy

    @admin.display(description=_("files"))
    def file_count(self, obj):
        return len(obj.files.all())


@admin.register(SubmittedFile)
class SubmittedFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "submission", "size", "state", "rows", "total_amount")
    list_filter = ("state", "kind")
    list_select_related = ("submission__company",)
    search_fields = ("original_name", "sha256", "submission__company__name")
    readonly_fields = (
        "download",
        "submission",
        "kind",
        "size",
        "sha256",
        "storage_name",
        "state",
        "rows",
        "valid_rows",
        "invalid_rows",
        "total_amount",
        "parse_error",
        "parsed_at",
    )
    fields = readonly_fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _download_link(obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="submissions_submittedfile_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        submitted_file = get_submitted_file_for_staff(request, pk)
        handle = download_file(
            submitted_file=submitted_file, acting_user=request.user, request=request
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=submitted_file.original_name,
            content_type=CONTENT_TYPES.get(submitted_file.kind, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response
