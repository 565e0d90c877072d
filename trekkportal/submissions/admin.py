"""Union staff see every submission here and download its files byte for byte (audited).

Submissions are the legal record: the admin shows them read-only; nothing is added,
changed or deleted here.
"""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record
from trekkportal.lib.filesafety import neutralise_cell
from trekkportal.lib.nincrypt import decrypt_nin
from trekkportal.lib.sizes import format_size
from trekkportal.portal.admin import ReadOnlyAdminMixin

from .models import LINE_FIELDS, ColumnMapping, DeductionLine, ParseIssue, Submission, SubmittedFile
from .selectors import get_submitted_file_for_staff
from .storage import download_response

LINES_PER_PAGE = 100


class SubmittedFileInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SubmittedFile
    extra = 0
    fields = (
        "download",
        "size",
        "sha256",
        "state",
        "rows",
        "invalid_rows",
        "total_amount",
        "lines",
    )
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _download_link(obj)

    @admin.display(description=_("columns chosen by the employer"))
    def chosen_columns(self, obj):
        return _chosen_columns(obj.column_mapping)

    @admin.display(description=_("lines and problems"))
    def lines(self, obj):
        return _lines_link(obj)


def _lines_link(submitted_file: SubmittedFile):
    if submitted_file.pk is None or submitted_file.rows is None:
        return "-"
    url = reverse("admin:submissions_submittedfile_lines", args=[submitted_file.pk])
    return format_html(
        '<a href="{}">{}</a>',
        url,
        gettext("Show the lines and problems (%(rows)s rows, %(invalid)s with problems)")
        % {"rows": submitted_file.rows, "invalid": submitted_file.invalid_rows or 0},
    )


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


def _chosen_columns(mapping: ColumnMapping | None):
    if mapping is None:
        return "-"
    return format_html(
        "<ul>{}</ul><p>{}</p>",
        format_html_join(
            "",
            "<li>{}: “{}”</li>",
            ((_field_label(field), mapping.header_of(i)) for field, i in mapping.columns.items()),
        ),
        gettext("Chosen by %(who)s on %(when)s.")
        % {
            "who": mapping.chosen_by.email if mapping.chosen_by else "-",
            "when": date_format(timezone.localtime(mapping.chosen_at), "d.m.Y H:i"),
        },
    )


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What employers said their columns hold, by company and header shape (read-only:
    an employer changes it from the receipt)."""

    list_display = ("company", "chosen_columns", "chosen_by", "chosen_at")
    list_select_related = ("company", "chosen_by")
    search_fields = ("company__name", "company__orgnr")
    fields = ("company", "chosen_columns", "chosen_by", "chosen_at", "shape")
    readonly_fields = fields

    @admin.display(description=_("columns"))
    def chosen_columns(self, obj):
        return _chosen_columns(obj)


@admin.register(SubmittedFile)
class SubmittedFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    @admin.display(description=_("Size"), ordering="size")
    def file_size(self, obj: SubmittedFile) -> str:
        return format_size(obj.size)

    list_display = ("original_name", "submission", "file_size", "state", "rows", "total_amount")
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
        "format",
        "detected_columns",
        "chosen_columns",
        "lines_and_problems",
    )
    fields = readonly_fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return _download_link(obj)

    @admin.display(description=_("columns detected"))
    def detected_columns(self, obj):
        if not obj.columns:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: “{}”</li>",
                ((_field_label(field), header) for field, header in obj.columns.items()),
            ),
        )

    @admin.display(description=_("columns chosen by the employer"))
    def chosen_columns(self, obj):
        return _chosen_columns(obj.column_mapping)

    @admin.display(description=_("lines and problems"))
    def lines_and_problems(self, obj):
        return _lines_link(obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="submissions_submittedfile_download",
            ),
            path(
                "<int:pk>/lines/",
                self.admin_site.admin_view(self.lines_view),
                name="submissions_submittedfile_lines",
            ),
            path(
                "<int:pk>/lines.csv",
                self.admin_site.admin_view(self.lines_csv_view),
                name="submissions_submittedfile_lines_csv",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        submitted_file = get_submitted_file_for_staff(request, pk)
        return download_response(
            submitted_file=submitted_file, acting_user=request.user, request=request
        )

    def lines_view(self, request, pk: int):
        """The stored lines of a file, 100 a page, each with its problems; identity numbers
        masked. A fixed number of queries whatever the file's size. Audited."""
        submitted_file = get_submitted_file_for_staff(request, pk)
        if not self.has_view_permission(request, submitted_file):
            raise PermissionDenied
        paginator = Paginator(
            DeductionLine.objects.filter(submitted_file=submitted_file).order_by("row", "pk"),
            LINES_PER_PAGE,
        )
        page = paginator.get_page(request.GET.get("p"))
        lines = list(page.object_list)
        by_row: dict[int, list[ParseIssue]] = {}
        if lines:
            for issue in ParseIssue.objects.filter(
                submitted_file=submitted_file, row__in=[line.row for line in lines]
            ).order_by("row", "pk"):
                by_row.setdefault(issue.row, []).append(issue)
        rows = [(line, line.nin_masked, by_row.get(line.row, [])) for line in lines]
        file_issues = list(
            ParseIssue.objects.filter(submitted_file=submitted_file, row=None).order_by("pk")
        )
        record(
            AuditAction.SUBMISSION_LINES_VIEWED,
            actor=request.user,
            company=submitted_file.submission.company,
            obj=submitted_file,
            request=request,
            page=page.number,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Lines in %(name)s") % {"name": submitted_file.original_name},
            "submitted_file": submitted_file,
            "page": page,
            "rows": rows,
            "file_issues": file_issues,
        }
        return TemplateResponse(request, "admin/submissions/submittedfile/lines.html", context)

    def lines_csv_view(self, request, pk: int):
        """Every line with the full identity number, for staff: cells neutralised (E13),
        audited, never cached."""
        submitted_file = get_submitted_file_for_staff(request, pk)
        if not self.has_view_permission(request, submitted_file):
            raise PermissionDenied
        record(
            AuditAction.SUBMISSION_LINES_EXPORTED,
            actor=request.user,
            company=submitted_file.submission.company,
            obj=submitted_file,
            request=request,
            rows=submitted_file.rows,
        )
        lines = (
            DeductionLine.objects.filter(submitted_file=submitted_file)
            .order_by("row", "pk")
            .iterator(chunk_size=2000)
        )
        response = StreamingHttpResponse(
            _csv_rows(lines, submitted_file), content_type="text/csv; charset=utf-8"
        )
        name = f"linjer-{submitted_file.pk}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# Every field of a line except the keys and the parser's flags about the identity number.
# The export is the one place a list's full identity numbers are decrypted (audited); the
# column is headed by the masked field's name ("national identity number").
CSV_FIELDS = tuple(
    name
    for name in LINE_FIELDS
    if name
    not in {"id", "submitted_file_id", "nin_encrypted", "nin_hash", "nin_restored", "nin_uncertain"}
)


class _Echo:
    def write(self, value):
        return value


def _csv_rows(lines, submitted_file):
    """Semicolon-separated with decimal commas (what Norwegian Excel opens), UTF-8 BOM."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(
        [str(DeductionLine._meta.get_field(name).verbose_name) for name in CSV_FIELDS]
    )
    for line in lines:
        yield writer.writerow(
            [
                line.row,
                decrypt_nin(line.nin_encrypted) if line.nin_encrypted else "",
                line.birth_date.strftime("%d.%m.%Y") if line.birth_date else "",
                neutralise_cell(line.name),
                neutralise_cell(line.employee_no),
                neutralise_cell(line.member_no),
                _csv_amount(line.base_amount),
                _csv_amount(line.amount),
                _csv_amount(line.union_amount),
                _csv_amount(line.club_amount),
                line.period.strftime("%m%y") if line.period else "",
                gettext("yes") if line.valid else gettext("no"),
            ]
        )


def _csv_amount(value):
    return "" if value is None else number_format(value, 2, use_l10n=True, force_grouping=False)


COLUMN_LABELS = {
    "nin": _("national identity number"),
    "surname": _("surname"),
    "first_name": _("first name"),
}


def _field_label(field: str) -> str:
    if field in COLUMN_LABELS:
        return str(COLUMN_LABELS[field])
    try:
        return str(DeductionLine._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field
