"""The member register in the admin: every change goes through ``members.services``.

Identity numbers are shown masked; a full number can be searched for (through the keyed
hash, never stored or compared in plain text) and shown on request, audited. The forms
here only collect input: ``save_model`` calls the services (``register_member``,
``update_member``, ``start_employment``, ``end_employment``, ``open_layoff``,
``end_layoff``), which write the audit events and the member changes. Nothing is deleted
here, and member changes are read-only (the letters are made of them).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from trekkportal.accounts.models import Company
from trekkportal.lib.identity import InvalidNin, normalise_nin, parse_nin
from trekkportal.lib.nincrypt import nin_hash
from trekkportal.lib.periods import Period
from trekkportal.portal.admin import ReadOnlyAdminMixin

from .models import Employment, Layoff, Member, MemberChange
from .services import (
    UPDATABLE_FIELDS,
    end_employment,
    end_layoff,
    find_member_by_nin,
    open_layoff,
    register_member,
    reveal_member_nin,
    start_employment,
    update_member,
)


class PeriodField(forms.Field):
    """A month typed as YYYY-MM, MMYY, MM.YYYY or "mars 2026"."""

    widget = forms.TextInput(attrs={"size": 10, "maxlength": 20})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("A month, e.g. 2026-03."))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        try:
            return Period.parse(value[:20])
        except ValueError:
            raise forms.ValidationError(_("Enter a month, e.g. 2026-03.")) from None


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


class EmploymentInline(ReadOnlyInline):
    model = Employment
    fields = ("company", "from_period", "to_period")
    readonly_fields = fields


class LayoffInline(ReadOnlyInline):
    model = Layoff
    fields = ("company", "from_period", "to_period")
    readonly_fields = fields


class MemberChangeInline(ReadOnlyInline):
    model = MemberChange
    fields = ("created_at", "company", "kind", "reason", "period", "created_by")
    readonly_fields = fields
    show_change_link = False


class MemberAddForm(forms.ModelForm):
    nin = forms.CharField(label=_("national identity number"), max_length=20)
    company = forms.ModelChoiceField(
        label=_("employed at"), queryset=Company.objects.all(), required=False
    )
    from_month = PeriodField(label=_("employed from"), required=False)

    class Meta:
        model = Member
        fields = ("name", "birth_date", "member_no", "joined", "payment")
        fields += ("dues_percent", "dues_amount")

    def clean_nin(self):
        try:
            value = parse_nin(self.cleaned_data["nin"]).value
        except InvalidNin:
            raise forms.ValidationError(
                _("This is not a valid national identity number.")
            ) from None
        if find_member_by_nin(value) is not None:
            raise forms.ValidationError(_("A member with this identity number is registered."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("company") and not data.get("from_month"):
            self.add_error("from_month", _("Say from which month the member works there."))
        return data


class MemberChangeForm(forms.ModelForm):
    resigned = forms.DateField(
        label=_("resigned"),
        required=False,
        help_text=_("Resigning stops deduction after this month."),
    )

    class Meta:
        model = Member
        fields = UPDATABLE_FIELDS


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "nin_masked", "member_no", "birth_date", "payment", "resigned")
    list_filter = ("payment", "resigned")
    search_fields = ("name", "name_key", "member_no", "nin_masked")
    search_help_text = _(
        "Name, member number, birth date (DDMMYY) or a full national identity number."
    )
    inlines = (EmploymentInline, LayoffInline, MemberChangeInline)
    readonly_fields = ("nin_masked", "resigned_on", "created_at", "updated_at")
    # adds "Show the full number (logged)" to the object tools: a POST to reveal_view
    change_form_template = "admin/members/member/change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MemberChangeForm if obj is not None else MemberAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("nin", *MemberAddForm.Meta.fields, "company", "from_month")
        return ("nin_masked", *UPDATABLE_FIELDS, "resigned_on", "resigned")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        """A full identity number is looked up by its keyed hash, nothing else."""
        digits = normalise_nin(search_term)
        if len(digits) == 11 and digits.isdigit():
            return queryset.filter(nin_hash=nin_hash(digits)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("resigned"))
    def resigned_on(self, obj):
        return obj.resigned or "-"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            values = {name: data[name] for name in UPDATABLE_FIELDS if name in data}
            member = update_member(
                member=obj, acting_user=request.user, resigned=data.get("resigned"), **values
            )
        else:
            member = register_member(
                nin=data["nin"],
                name=data["name"],
                birth_date=data.get("birth_date"),
                member_no=data.get("member_no") or "",
                joined=data.get("joined"),
                payment=data["payment"],
                dues_percent=data.get("dues_percent"),
                dues_amount=data.get("dues_amount"),
                acting_user=request.user,
            )
            if data.get("company"):
                start_employment(
                    member=member,
                    company=data["company"],
                    from_period=data["from_month"],
                    acting_user=request.user,
                    reason=MemberChange.Reason.JOINED,
                )
        member.refresh_from_db()
        obj.__dict__.update({k: v for k, v in member.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def save_formset(self, request, form, formset, change):
        """The inlines are read-only: nothing in them is ever saved from here (employments
        and lay-offs have their own pages, which call the services). ``save(commit=False)``
        only tells the admin's history that nothing changed."""
        formset.save(commit=False)

    def get_urls(self):
        return [
            path(
                "<int:pk>/reveal/",
                self.admin_site.admin_view(require_POST(self.reveal_view)),
                name="members_member_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        member = get_object_or_404(Member, pk=pk)
        nin = reveal_member_nin(member=member, acting_user=request.user, request=request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Identity number of %(name)s") % {"name": member.name},
            "member": member,
            "nin": nin,
        }
        response = TemplateResponse(request, "admin/members/member/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response


class EmploymentAddForm(forms.ModelForm):
    from_month = PeriodField(label=_("from period"))

    class Meta:
        model = Employment
        fields = ("member", "company")


class EmploymentEndForm(forms.ModelForm):
    last_month = PeriodField(label=_("last month at the company"))

    class Meta:
        model = Employment
        fields = ()


class SpanAdmin(admin.ModelAdmin):
    """An employment or a lay-off: opened, then ended once (by its service), never
    edited after that or deleted."""

    @staticmethod
    def span_fields(obj):
        if obj.to_period is None:
            return ("member", "company", "from_period", "last_month")
        return ("member", "company", "from_period", "to_period")

    def get_readonly_fields(self, request, obj=None):
        return ("member", "company", "from_period", "to_period") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.to_period is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Employment)
class EmploymentAdmin(SpanAdmin):
    """Adding an employment starts it (a move when the member works elsewhere); an open
    employment can be ended. Nothing else is edited, nothing deleted."""

    list_display = ("member", "company", "from_period", "to_period")
    list_filter = ("to_period",)
    list_select_related = ("member", "company")
    search_fields = ("member__name", "member__member_no", "company__name", "company__orgnr")
    autocomplete_fields = ("member", "company")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EmploymentEndForm if obj is not None else EmploymentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("member", "company", "from_month") if obj is None else self.span_fields(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = end_employment(
                member=obj.member,
                company=obj.company,
                last_period=data["last_month"],
                acting_user=request.user,
            )
        else:
            saved = start_employment(
                member=data["member"],
                company=data["company"],
                from_period=data["from_month"],
                acting_user=request.user,
            )
        if saved is not None:
            obj.pk, obj.from_period, obj.to_period = saved.pk, saved.from_period, saved.to_period
            obj._state.adding = False


class LayoffAddForm(forms.ModelForm):
    from_month = PeriodField(label=_("first month laid off"))
    to_month = PeriodField(label=_("last month laid off"), required=False)

    class Meta:
        model = Layoff
        fields = ("member", "company")

    def clean(self):
        data = super().clean()
        member, company = data.get("member"), data.get("company")
        employed = Employment.objects.filter(member=member, company=company)
        if member and company and not employed.exists():
            raise forms.ValidationError(_("The member has no employment at this company."))
        start, end = data.get("from_month"), data.get("to_month")
        if start and end and end < start:
            self.add_error("to_month", _("The lay-off cannot end before it starts."))
        return data


class LayoffEndForm(forms.ModelForm):
    last_month = PeriodField(label=_("last month laid off"))

    class Meta:
        model = Layoff
        fields = ()


@admin.register(Layoff)
class LayoffAdmin(SpanAdmin):
    list_display = ("member", "company", "from_period", "to_period")
    list_select_related = ("member", "company")
    search_fields = ("member__name", "member__member_no", "company__name", "company__orgnr")
    autocomplete_fields = ("member", "company")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = LayoffEndForm if obj is not None else LayoffAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "company", "from_month", "to_month")
        return self.span_fields(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = end_layoff(layoff=obj, last_period=data["last_month"], acting_user=request.user)
        else:
            saved = open_layoff(
                member=data["member"],
                company=data["company"],
                from_period=data["from_month"],
                to_period=data.get("to_month"),
                acting_user=request.user,
            )
        obj.pk, obj.from_period, obj.to_period = saved.pk, saved.from_period, saved.to_period
        obj._state.adding = False


@admin.register(MemberChange)
class MemberChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Start/stop of deduction as the services wrote them: read-only, never deleted."""

    list_display = ("created_at", "company", "member", "kind", "reason", "period", "created_by")
    list_filter = ("kind", "reason", "period")
    list_select_related = ("company", "member", "created_by")
    search_fields = ("company__name", "company__orgnr", "member__name", "member__member_no")
    date_hierarchy = "created_at"
