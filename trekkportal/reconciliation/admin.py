"""Union staff see the reconciliation here, read-only: per company and period the expected
members, those deducted, the utrukne (open, answered, resolved) and the lines for staff
(unmatched, with the reason, and amounts far from the dues); per period the totals across
companies ("Totals per period"). Answers come from the companies; re-running is
``manage.py reconcile``. The back office builds its pages on the same selectors."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trekkportal.portal.admin import ReadOnlyAdminMixin

from . import selectors
from .models import LineFinding, MissingDeduction, Reconciliation


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


def _filtered_link(model: str, reconciliation: Reconciliation, text) -> str:
    url = reverse(f"admin:reconciliation_{model}_changelist")
    return format_html(
        '<a href="{}?reconciliation__id__exact={}">{}</a>', url, reconciliation.pk, text
    )


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = (
        "company",
        "period_mmyy",
        "state",
        "expected",
        "deducted",
        "missing",
        "missing_open",
        "missing_answered",
        "missing_resolved",
        "unmatched",
        "flagged",
        "reconciled_at",
    )
    list_filter = ("state", "period")
    list_select_related = ("company",)
    search_fields = ("company__name", "company__orgnr")
    fields = (
        "company",
        "period_mmyy",
        "state",
        "held_back_because",
        "expected",
        "deducted",
        "missing",
        "missing_open",
        "missing_answered",
        "missing_resolved",
        "unmatched",
        "flagged",
        "lines",
        "reconciled_at",
        "updated_at",
        "missing_deductions_link",
        "findings_link",
    )
    readonly_fields = fields
    change_list_template = "admin/reconciliation/reconciliation/change_list.html"

    def get_queryset(self, request):
        return selectors.with_missing_counts(super().get_queryset(request))

    @admin.display(description=_("period"), ordering="period")
    def period_mmyy(self, obj):
        return obj.period_value.mmyy

    @admin.display(description=_("utrukne open"), ordering="missing_open")
    def missing_open(self, obj):
        return obj.missing_open

    @admin.display(description=_("utrukne answered"), ordering="missing_answered")
    def missing_answered(self, obj):
        return obj.missing_answered

    @admin.display(description=_("utrukne resolved"), ordering="missing_resolved")
    def missing_resolved(self, obj):
        return obj.missing_resolved

    @admin.display(description=_("missing deductions"))
    def missing_deductions_link(self, obj):
        return _filtered_link("missingdeduction", obj, _("Show the missing deductions"))

    @admin.display(description=_("line findings"))
    def findings_link(self, obj):
        return _filtered_link("linefinding", obj, _("Show the line findings"))

    def get_urls(self):
        return [
            path(
                "totals/",
                self.admin_site.admin_view(self.totals_view),
                name="reconciliation_reconciliation_totals",
            ),
            *super().get_urls(),
        ]

    def totals_view(self, request):
        """Per period across companies: the sums of the figures (two queries)."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/reconciliation/reconciliation/totals.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Totals per period across all companies"),
                "totals": list(selectors.period_totals()),
            },
        )


@admin.register(MissingDeduction)
class MissingDeductionAdmin(ReadOnlyAdmin):
    list_display = (
        "period_mmyy",
        "company",
        "member_name",
        "birth_date",
        "state",
        "status",
        "comment",
        "answered_at",
        "answered_by",
        "resolution",
    )
    list_filter = ("state", "status", "period")
    list_select_related = ("company", "member", "answered_by")
    search_fields = ("company__name", "company__orgnr", "member__name", "member__member_no")
    fields = (
        "company",
        "period_mmyy",
        "member",
        "birth_date",
        "state",
        "created_at",
        "notified_at",
        "status",
        "comment",
        "answered_at",
        "answered_by",
        "resolution",
        "resolved_at",
    )
    readonly_fields = fields

    @admin.display(description=_("period"), ordering="period")
    def period_mmyy(self, obj):
        return obj.period_value.mmyy

    @admin.display(description=_("name"), ordering="member__name")
    def member_name(self, obj):
        return obj.member.name

    @admin.display(description=_("birth date"), ordering="member__birth_date")
    def birth_date(self, obj):
        return obj.member.birth_date


@admin.register(LineFinding)
class LineFindingAdmin(ReadOnlyAdmin):
    list_display = (
        "period_mmyy",
        "company",
        "kind",
        "reason",
        "file",
        "row",
        "nin_masked",
        "name",
        "amount",
        "expected_amount",
        "member",
        "resolution",
        "resolved_at",
        "resolved_by",
    )
    list_filter = ("kind", "reason", "resolution", "reconciliation__period")
    list_select_related = (
        "reconciliation__company",
        "line__submitted_file",
        "member",
        "resolved_by",
    )
    search_fields = ("reconciliation__company__name", "reconciliation__company__orgnr")
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("period"), ordering="reconciliation__period")
    def period_mmyy(self, obj):
        return obj.reconciliation.period_value.mmyy

    @admin.display(description=_("company"), ordering="reconciliation__company__name")
    def company(self, obj):
        return obj.reconciliation.company

    @admin.display(description=_("file"))
    def file(self, obj):
        return obj.line.submitted_file.original_name

    @admin.display(description=_("row"))
    def row(self, obj):
        return obj.line.row

    @admin.display(description=_("national identity number"))
    def nin_masked(self, obj):
        return obj.line.nin_masked

    @admin.display(description=_("name"))
    def name(self, obj):
        return obj.line.name

    @admin.display(description=_("amount deducted"))
    def amount(self, obj):
        return obj.line.amount
