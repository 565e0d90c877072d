from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.portal.admin import ReadOnlyAdminMixin

from .models import OutboxMessage, Reminder
from .services import send_failed_again


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every e-mail the portal queued: the record of what was sent, to whom and when."""

    list_display = ["created_at", "template_name", "to", "company", "status", "attempts", "sent_at"]
    list_filter = ["status", "template_name", "language"]
    search_fields = ["to", "company__name", "company__orgnr", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request, queryset):
        count = send_failed_again(messages=queryset, request=request)
        self.message_user(
            request,
            gettext("E-mails queued again: %(count)d") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who was reminded of a missing list, per period (union staff)."""

    list_display = ["period", "company", "company_orgnr", "deadline", "recipients", "created_at"]
    list_filter = ["period"]
    search_fields = ["company__name", "company__orgnr", "period"]
    list_select_related = ["company"]
    readonly_fields = ["company", "period", "deadline", "recipients", "created_at"]

    @admin.display(description=_("organisation number"), ordering="company__orgnr")
    def company_orgnr(self, obj):
        return obj.company.orgnr
