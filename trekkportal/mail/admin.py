from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .delivery import deliver_email
from .models import OutboxMessage, Reminder


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Every e-mail the portal queued: the record of what was sent, to whom and when."""

    list_display = ["created_at", "template_name", "to", "company", "status", "attempts", "sent_at"]
    list_filter = ["status", "template_name", "language"]
    search_fields = ["to", "company__name", "company__orgnr", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["company"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request, queryset):
        count = 0
        with transaction.atomic():
            for message in queryset.filter(status=OutboxMessage.Status.FAILED):
                message.status = OutboxMessage.Status.QUEUED
                message.save(update_fields=["status"])
                deliver_email.enqueue(message_id=message.pk)
                count += 1
            record(AuditAction.MAIL_SENT_AGAIN, request=request, count=count)
        self.message_user(
            request,
            gettext("E-mails queued again: %(count)d") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Who was reminded of a missing list, per period (union staff)."""

    list_display = ["period", "company", "company_orgnr", "deadline", "recipients", "created_at"]
    list_filter = ["period"]
    search_fields = ["company__name", "company__orgnr", "period"]
    list_select_related = ["company"]
    readonly_fields = ["company", "period", "deadline", "recipients", "created_at"]

    @admin.display(description=_("organisation number"), ordering="company__orgnr")
    def company_orgnr(self, obj):
        return obj.company.orgnr

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted reminder would be sent again
