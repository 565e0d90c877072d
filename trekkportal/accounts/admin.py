"""The accounts admin goes through the same services as the commands: adding a company or
a user, changing them, granting and revoking access, deactivating and publishing the NDA
all call ``services`` (orgnr normalisation, the staff flag's permissions, sessions ended
on deactivation, the audit trail). A test per model holds the admin to it."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from trekkportal.portal.admin import ReadOnlyAdminMixin

from . import services
from .forms import AdminUserCreationForm
from .models import Company, CompanyAccess, NdaAcceptance, NdaVersion, User


class CompanyAccessInline(admin.TabularInline):
    """Grants are added or removed (``grant_access``/``revoke_access``), never edited."""

    model = CompanyAccess
    fk_name = "company"
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("granted_at", "granted_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UserAccessInline(CompanyAccessInline):
    fk_name = "user"
    autocomplete_fields = ("company",)


class AccessGrantsThroughServices:
    """The access inlines save through ``grant_access`` and ``revoke_access``."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not CompanyAccess:
            return super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for grant in formset.save(commit=False):
            services.grant_access(user=grant.user, company=grant.company, acting_user=request.user)
        for grant in formset.deleted_objects:
            services.revoke_access(user=grant.user, company=grant.company, acting_user=request.user)
        return None


def _become(obj, saved) -> None:
    """Let the admin's own object be the one a service saved (for inlines and the log)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj.refresh_from_db()


class CompanyAdminForm(forms.ModelForm):
    # Typed as people write it ("923 456 783"); stored as 9 digits by clean_orgnr.
    orgnr = forms.CharField(label=Company._meta.get_field("orgnr").verbose_name, max_length=20)

    class Meta:
        model = Company
        fields = ("name", "orgnr", "is_active")

    def clean_orgnr(self) -> str:
        return services.clean_orgnr(self.cleaned_data["orgnr"])


@admin.register(Company)
class CompanyAdmin(AccessGrantsThroughServices, admin.ModelAdmin):
    form = CompanyAdminForm
    list_display = ("name", "orgnr", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "orgnr")
    inlines = [CompanyAccessInline]

    def get_fields(self, request, obj=None):
        return ("name", "orgnr", "is_active") if obj else ("name", "orgnr")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.change_company(
                company=Company.objects.get(pk=obj.pk),
                name=data["name"],
                orgnr=data["orgnr"],
                is_active=data["is_active"],
                acting_user=request.user,
            )
            obj.refresh_from_db()
        else:
            saved = services.add_company(
                orgnr=data["orgnr"], name=data["name"], acting_user=request.user
            )
            _become(obj, saved)


@admin.register(User)
class UserAdmin(AccessGrantsThroughServices, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "language")
    search_fields = ("email", "name")
    inlines = [UserAccessInline]
    # The e-mail address is the login: it is not changed here. The staff flag carries
    # every permission (services.add_user), so there are no separate permission fields.
    fieldsets = (
        (None, {"fields": ("email", "name", "language")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "language")}),)
    readonly_fields = ("email", "is_superuser", "last_login", "date_joined")
    add_form = AdminUserCreationForm

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def user_change_password(self, request, id, form_url=""):
        """Passwords are set by their owner with a one-time code (``set_password_by_code``),
        never by staff: Django's "change password" page is closed."""
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.change_user(
                user=User.objects.get(pk=obj.pk),
                name=data["name"],
                language=data["language"],
                is_active=data["is_active"],
                is_staff=data["is_staff"],
                acting_user=request.user,
            )
            obj.refresh_from_db()
        else:
            saved = services.add_user(
                email=data["email"],
                name=data["name"],
                language=data["language"],
                acting_user=request.user,
            )
            _become(obj, saved)


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
        published = services.publish_nda(text=form.cleaned_data["text"], acting_user=request.user)
        obj.pk, obj.version, obj.published_at = (
            published.pk,
            published.version,
            published.published_at,
        )


@admin.register(NdaAcceptance)
class NdaAcceptanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "version", "accepted_at")
    list_filter = ("version",)
    search_fields = ("user__email",)
    list_select_related = ("user", "version")
