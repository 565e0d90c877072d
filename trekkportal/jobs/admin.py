from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .models import Job, ScheduledRun


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "status", "attempts", "max_attempts", "run_after", "finished_at"]
    list_filter = ["status", "name"]
    search_fields = ["name"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what ran; finished jobs are swept after 30 days

    @admin.action(description=_("Run the selected failed jobs again"))
    def retry(self, request, queryset):
        count = queryset.filter(status=Job.Status.FAILED).update(
            status=Job.Status.QUEUED, attempts=0, run_after=timezone.now(), finished_at=None
        )
        record(AuditAction.JOBS_RETRIED, request=request, count=count)
        self.message_user(
            request,
            gettext("Jobs queued again: %(count)d") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["schedule", "slot", "job", "created_at"]
    list_filter = ["schedule"]
    readonly_fields = ["schedule", "slot", "job", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
