from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from trekkportal.audit.actions import AuditAction
from trekkportal.audit.services import record

from .forms import AdminUserCreationForm
from .models import Company, CompanyAccess, NdaAcceptance, NdaVersion, User
from .services import deactivate_user, publish_nda


class CompanyAccessInline(admin.TabularInline):
    model = CompanyAccess
    fk_name = "company"
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("granted_at", "granted_by")


class UserAccessInline(CompanyAccessInline):
    fk_name = "user"
    autocomplete_fields = ("company",)


class AuditedAdminMixin:
    """The admin changes data through the same rules as everything else: audited."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = AuditAction(f"{obj._meta.model_name}.{'changed' if change else 'added'}")
        record(action, request=request, obj=obj, fields=sorted(form.changed_data))

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, CompanyAccess) and instance.pk is None:
                instance.granted_by = request.user
            instance.save()
            if isinstance(instance, CompanyAccess):
                record(
                    AuditAction.ACCESS_GRANTED,
                    request=request,
                    company=instance.company,
                    obj=instance.user,
                )
        for instance in formset.deleted_objects:
            if isinstance(instance, CompanyAccess):
                record(
                    AuditAction.ACCESS_REVOKED,
                    request=request,
                    company=instance.company,
                    obj=instance.user,
                )
            instance.delete()
        formset.save_m2m()


@admin.register(Company)
class CompanyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "orgnr", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "orgnr")
    inlines = [CompanyAccessInline]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "language")
    search_fields = ("email", "name")
    inlines = [UserAccessInline]
    fieldsets = (
        (None, {"fields": ("email", "name", "language")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "language")}),)
    readonly_fields = ("last_login", "date_joined")
    add_form = AdminUserCreationForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_unusable_password()  # the user activates by one-time code
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            deactivate_user(user=obj, acting_user=request.user)  # ends their sessions now


@admin.register(NdaVersion)
class NdaVersionAdmin(admin.ModelAdmin):
    """Union staff publish a new NDA text; every user must accept it at their next
    request. Versions are never edited or deleted once published (acceptances point at
    them): publish a new one instead."""

    list_display = ("version", "published_at", "acceptance_count")
    fields = ("text",)
    readonly_fields = ()

    def get_fields(self, request, obj=None):
        return ("version", "published_at", "text") if obj else ("text",)

    def get_readonly_fields(self, request, obj=None):
        return ("version", "published_at", "text") if obj else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(accepted_by=Count("acceptances"))

    @admin.display(description=_("acceptances"), ordering="accepted_by")
    def acceptance_count(self, obj) -> int:
        return obj.accepted_by

    def get_changeform_initial_data(self, request):
        latest = NdaVersion.objects.order_by("-version").first()
        return {"text": latest.text if latest else ""}

    def save_model(self, request, obj, form, change):
        if change:
            return  # published versions are read-only
        published = publish_nda(text=form.cleaned_data["text"], acting_user=request.user)
        obj.pk, obj.version, obj.published_at = (
            published.pk,
            published.version,
            published.published_at,
        )


@admin.register(NdaAcceptance)
class NdaAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("user", "version", "accepted_at")
    list_filter = ("version",)
    search_fields = ("user__email",)
    list_select_related = ("user", "version")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
