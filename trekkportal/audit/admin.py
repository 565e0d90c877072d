from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trekkportal.portal.admin import ReadOnlyAdminMixin

from .actions import AuditAction
from .models import AuditEvent


class ActionFilter(admin.SimpleListFilter):
    """Filter on the enumeration, by its labels, whether or not an action has happened yet."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return AuditAction.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "action", "actor_label", "company", "object_type", "object_id")
    list_filter = (ActionFilter,)
    search_fields = ("action", "actor_label", "company__name", "company__orgnr")
    list_select_related = ("company",)
    date_hierarchy = "created_at"
