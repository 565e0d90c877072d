from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trekkportal.portal.admin import ReadOnlyAdminMixin

from .models import Job, ScheduledRun
from .services import retry_failed_jobs


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "name", "status", "attempts", "max_attempts", "run_after", "finished_at"]
    list_filter = ["status", "name"]
    search_fields = ["name"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in Job._meta.fields]

    @admin.action(description=_("Run the selected failed jobs again"))
    def retry(self, request, queryset):
        count = retry_failed_jobs(jobs=queryset, request=request)
        self.message_user(
            request,
            gettext("Jobs queued again: %(count)d") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["schedule", "slot", "job", "created_at"]
    list_filter = ["schedule"]
    readonly_fields = ["schedule", "slot", "job", "created_at"]
