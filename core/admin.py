"""Admin for core models. Non-superusers see and edit only their own firm's rows."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .errors import ApplicationError
from .models import DocumentEvent, Firm, SalesSettings, Sequence, User
from .sales_settings import SECTIONS


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's history pages look rows up themselves; they open only rows this
    admin's queryset reaches (reverting is disabled in settings: writes go through services)."""

    def history_view(self, request, object_id, extra_context=None):
        self._reachable(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._reachable(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _reachable(self, request, object_id) -> None:
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404


class FirmChoicesMixin:
    """Foreign keys and many-to-many fields offer only rows of the admin's firm."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        model = db_field.related_model
        if not request.user.is_superuser and field is not None:
            if model is Firm:
                field.queryset = field.queryset.filter(pk=request.user.firm_id)
            elif any(f.name == "firm" for f in model._meta.fields):
                field.queryset = field.queryset.filter(firm_id=request.user.firm_id)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        model = db_field.related_model
        if not request.user.is_superuser and field is not None and any(
                f.name == "firm" for f in model._meta.fields):
            field.queryset = field.queryset.filter(firm_id=request.user.firm_id)
        return field


class FirmScopedAdmin(FirmChoicesMixin, ScopedHistoryAdmin):
    """History admin limited to the user's firm; new rows join it; foreign keys offer only its
    rows. Superusers see every firm."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(firm_id=request.user.firm_id)

    def save_model(self, request, obj, form, change):
        if not change and getattr(obj, "firm_id", None) is None:
            obj.firm_id = request.user.firm_id
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
            if not change:
                obj.created_by = request.user
        super().save_model(request, obj, form, change)




def adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved object the row a service created (the inlines, the log entry
    and the redirect need its primary key and values)."""
    obj.__dict__.update({name: value for name, value in saved.__dict__.items()
                         if not name.startswith("_")})
    obj._state.adding = False
    obj._state.db = saved._state.db


def form_values(form, *, change: bool) -> dict[str, Any]:
    """What the admin form changed (everything on add), as a service takes it."""
    names = form.changed_data if change else list(form.cleaned_data)
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class FirmScopedInline(FirmChoicesMixin, admin.TabularInline):
    """Child rows of the admin's firm: foreign keys offer only its rows; new rows join it."""

    extra = 0


class InlineFirmMixin:
    """Give new inline rows their parent's firm (the firm column is not on the form)."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if getattr(instance, "firm_id", None) is None:
                instance.firm_id = form.instance.firm_id
            instance.save()
        formset.save_m2m()


class ServiceDeleteMixin:
    """Deleting goes through the app's service, as on the pages and the API: it takes along
    what links to the row without a foreign key (activities, notifications) and refuses,
    naming them, rows other records still use. The admin's confirmation page lists those
    first."""

    def delete_with_service(self, obj, actor) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        try:
            self.delete_with_service(obj, request.user)
        except ApplicationError as error:
            request._delete_refused = True
            self.message_user(request, str(error.message), messages.ERROR)

    def response_delete(self, request, obj_display, obj_id):
        # A refused delete goes back to the row it kept, without Django's "deleted" message.
        if getattr(request, "_delete_refused", False):
            opts = self.model._meta
            return HttpResponseRedirect(reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj_id],
                current_app=self.admin_site.name))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)


class NoWritesMixin:
    """An admin or an inline that looks and never adds, changes or deletes: the rows are
    written only by their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyFirmAdmin(NoWritesMixin, FirmScopedAdmin):
    """Rows written only by services (audit logs, notifications): look, never touch."""


@admin.register(Firm)
class FirmAdmin(ScopedHistoryAdmin):
    list_display = ["name", "name_ar", "slug", "currency", "vat_number", "is_active"]
    search_fields = ["name", "name_ar", "slug", "vat_number"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(pk=request.user.firm_id)


class UserAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            try:
                services.user_check_admin_kept(user=self.instance, role=cleaned.get("role"),
                                               is_active=cleaned.get("is_active"))
            except ApplicationError as error:
                raise ValidationError(str(error.message)) from error
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin, FirmScopedAdmin):
    form = type("UserChangeForm", (UserAdminForm, DjangoUserAdmin.form), {})
    list_display = ["username", "first_name", "last_name", "firm", "role", "is_active"]
    list_filter = ["role", "is_active", "firm"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Firm and role"), {"fields": ["firm", "role", "language", "email_notifications"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Firm and role"), {"fields": ["firm", "role"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # A firm's admin never reaches a superuser, even one attached to their firm.
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def get_list_filter(self, request):
        # Listing firms would show other tenants' names.
        return self.list_filter if request.user.is_superuser else ["role", "is_active"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # A firm's admin manages roles, not Django's superuser flags and raw permissions.
        hidden = {"is_superuser", "groups", "user_permissions", "is_staff", "firm"}
        return [(title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for title, options in fieldsets]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # others deactivate: names stay on documents

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.firm_id = request.user.firm_id
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Group membership follows the role, whatever the form posted.
        form.instance.sync_role_group()


@admin.register(SalesSettings)
class SalesSettingsAdmin(FirmScopedAdmin):
    list_display = ["firm", "updated_at", "updated_by"]
    # Read-only here: settings change through the settings page and API, which validate.
    readonly_fields = ["created_at", "updated_at", *SECTIONS]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # one per firm, created on first use


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(firm_id=request.user.firm_id)


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    list_display = ["firm", "document_type", "period", "last_number"]
    list_filter = ["document_type"]


@admin.register(DocumentEvent)
class DocumentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "content_type", "object_id", "action", "from_status",
                    "to_status", "actor"]
    list_filter = ["content_type", "action"]
    search_fields = ["reason", "action"]


class ReadOnlyInline(NoWritesMixin, FirmScopedInline):
    """An inline that shows rows only: they change through their services' actions. Every
    field it shows is read-only, and it offers no blank rows."""

    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields or super().get_readonly_fields(request, obj)
