"""Union staff publish uploaded letters, run, preview, publish and discard generated
batches here. Every change goes through ``letters.services``; the admin's own add, change
and delete are off (a published letter is a record: it leaves only through the purge)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import PublishLetterForm, published_message
from .models import Letter, LetterBatch, LetterChange
from .selectors import batch_letters, get_letter_for_staff
from .services import (
    discard_batch,
    letter_filename,
    open_letter_for_staff,
    publish_batch,
    queue_letter_batch,
)
from .views import pdf_attachment


def _preview_link(letter: Letter):
    url = reverse("admin:letters_letter_preview", args=[letter.pk])
    return format_html('<a href="{}">{}</a>', url, gettext("Show the PDF"))


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ("created_at", "company", "subject", "is_published", "downloaded", "preview")
    list_filter = ("is_published", "batch__kind", "created_at")
    list_select_related = ("company",)
    search_fields = ("company__name", "company__orgnr", "subject")
    date_hierarchy = "created_at"
    fields = (
        "company",
        "subject",
        "batch",
        "created_at",
        "is_published",
        "first_downloaded_at",
        "starts",
        "stops",
        "size",
        "sha256",
        "preview",
    )
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("downloaded before?"), boolean=True)
    def downloaded(self, obj):
        return obj.was_downloaded

    @admin.display(description=_("PDF"))
    def preview(self, obj):
        return _preview_link(obj) if obj.pk else "-"

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="letters_letter_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        letter = get_letter_for_staff(request, pk)
        if not self.has_view_permission(request, letter):
            raise PermissionDenied
        handle = open_letter_for_staff(letter=letter, acting_user=request.user, request=request)
        return pdf_attachment(handle, filename=letter_filename(letter))

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add letter" publishes an uploaded PDF to the companies named."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PublishLetterForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            batch = form.publish(acting_user=request.user, request=request)
            if batch is not None:
                messages.success(request, published_message(batch))
                return redirect("admin:letters_letter_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Publish a letter"),
            "form": form,
        }
        return TemplateResponse(request, "admin/letters/letter/publish.html", context)


class LetterInline(admin.TabularInline):
    model = Letter
    extra = 0
    fields = ("company", "subject", "starts", "stops", "preview")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company")

    @admin.display(description=_("PDF"))
    def preview(self, obj):
        return _preview_link(obj)


@admin.register(LetterBatch)
class LetterBatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "state", "letter_count", "published_at")
    list_filter = ("kind", "state")
    fields = ("kind", "state", "created_at", "created_by", "published_at", "published_by")
    readonly_fields = fields
    inlines = [LetterInline]
    change_form_template = "admin/letters/letterbatch/change_form.html"
    change_list_template = "admin/letters/letterbatch/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(letter_total=Count("letters"))

    @admin.display(description=_("letters"), ordering="letter_total")
    def letter_count(self, obj):
        return obj.letter_total

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="letters_batch_run"),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="letters_batch_publish",
            ),
            path(
                "<int:pk>/discard/",
                self.admin_site.admin_view(self.discard_view),
                name="letters_batch_discard",
            ),
            *super().get_urls(),
        ]

    def _staff_batch(self, request, pk: int) -> LetterBatch:
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        batch = LetterBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise PermissionDenied
        return batch

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = LetterBatch.objects.filter(pk=object_id).first()
        changes = []
        if batch is not None:
            changes = list(
                LetterChange.objects.filter(batch=batch)
                .select_related("change__member", "letter__company")
                .order_by("letter__company__name", "change__kind", "change__member__name")
            )
        extra = {**(extra_context or {}), "batch_changes": changes, "batch": batch}
        if batch is not None:
            extra["batch_letters"] = batch_letters(batch)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def run_view(self, request):
        """Queue the batch run for the worker; the draft appears in this list."""
        if request.method != "POST":
            return redirect("admin:letters_letterbatch_changelist")
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        if not queue_letter_batch(acting_user=request.user):
            messages.info(request, gettext("There are no new member changes to write about."))
        else:
            messages.success(
                request,
                gettext(
                    "The letters are being written. The draft appears in this list when it is "
                    "ready (about a minute for 2,000 companies): check it, then publish it."
                ),
            )
        return redirect("admin:letters_letterbatch_changelist")

    def publish_view(self, request, pk: int):
        return self._act(request, pk, publish_batch, gettext("The batch is published."))

    def discard_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            discard_batch,
            gettext("The batch is discarded; its member changes go into the next run."),
        )

    def _act(self, request, pk, service, done_message):
        if request.method != "POST":
            return redirect("admin:letters_letterbatch_change", pk)
        batch = self._staff_batch(request, pk)
        try:
            service(batch=batch, acting_user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done_message)
        return redirect("admin:letters_letterbatch_change", pk)
