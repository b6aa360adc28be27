"""Generic staff pages the domain apps configure: list, detail, form (with formsets),
delete, transition; and the small helpers their pages share.

They hold no business rules: filtering comes from the app's FilterSet, writes go to the
app's services, permissions from the role groups, and rows through core.scoping.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import generic

from .errors import ApplicationError
from .filters import search_queryset, searchable_fields
from .forms import DATE, ReferenceSelect, apply_errors
from .models import DocumentEvent, User
from .scoping import scope_for
from .services import document_transition, transition_targets

PAGE_SIZE = 25


def local_name(row: Any) -> str:
    """A row's Arabic name in Arabic when it has one, else its name."""
    if get_language() == "ar" and getattr(row, "name_ar", ""):
        return row.name_ar
    return str(row)


def status_badge(value: str, label: Any) -> str:
    return format_html('<span class="badge-status badge-status-{}">{}</span>', value, label)


def safe_next(request, fallback: str) -> str:
    """The `next` the page was opened with, when it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def error_text(error: Exception) -> str:
    """A refusal as one line for a flash message."""
    if isinstance(error, ApplicationError):
        return str(error.message)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


# --- list filters --------------------------------------------------------------------------


def user_choices(user: User) -> list[tuple]:
    """The firm's users, for a filter select."""
    return [(row.pk, str(row)) for row in User.objects.filter(firm_id=user.firm_id)
            .order_by("first_name", "last_name", "username")]


def reference_choices(model: type[models.Model], label: Callable[[Any], str] = local_name, *,
                      prepare: Callable[[models.QuerySet], models.QuerySet] | None = None
                      ) -> Callable[[User], list[tuple]]:
    """The firm's rows of `model` for a filter select; `prepare` narrows or joins the rows
    (e.g. select_related for the label)."""
    def choices(user: User) -> list[tuple]:
        rows = model._default_manager.filter(firm_id=user.firm_id)
        if prepare is not None:
            rows = prepare(rows)
        return [(row.pk, label(row)) for row in rows]
    return choices


class PageFilter:
    """The app's FilterSet as a list page shows it: only `fields`, in that order, with the
    id filters as selects of the firm's rows. The filtering itself is the FilterSet's.

    An instance, not a function: set as a view's `filterset_class`, a function would be
    bound to the view."""

    def __init__(self, filterset_class: type, *, fields: list[str],
                 references: dict[str, Callable[[User], list[tuple]]] | None = None) -> None:
        self.filterset_class, self.fields = filterset_class, fields
        self.references = references or {}

    def __call__(self, data, *, queryset, request):
        filterset = self.filterset_class(data, queryset=queryset, request=request)
        form = filterset.form
        form.fields = {name: form.fields[name] for name in self.fields if name in form.fields}
        for name, field in form.fields.items():
            field.label = capfirst(field.label)
            if name in self.references:
                field.widget = ReferenceSelect(choices=[("", "—"),
                                                        *self.references[name](request.user)])
            elif isinstance(field, django_forms.DateField):
                field.widget = DATE
        return filterset


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A list column: header, how to read the cell, and the API sort key that orders it."""

    label: Any
    value: str | Callable[[Any], Any]
    sort: str | None = None
    link: bool = False

    def read(self, row: models.Model) -> Any:
        if callable(self.value):
            return self.value(row)
        value: Any = row
        for part in self.value.split("."):
            value = getattr(value, part, None)
            if value is None:
                return ""
        display = getattr(row, f"get_{self.value}_display", None)
        return display() if display and "." not in self.value else value


@dataclass(frozen=True)
class TransitionButton:
    """How a transition shows on a detail page; `permission` None means the view's own."""

    label: Any
    style: str = "primary"
    permission: str | None = None
    reason_required: bool = False


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Logged in, role permission (403 otherwise), rows of the user's firm only (404)."""

    model: type[models.Model]
    raise_exception = True
    # Never the model's name: a page about a User would otherwise replace the template's
    # `user` (the person logged in) with the user being shown.
    context_object_name = "object"
    url_namespace = ""  # "core", "crm", ...: URL names are <namespace>:<model>_<action>
    select_related: tuple[str, ...] = ()

    def handle_no_permission(self):
        # Anonymous visitors go to the login page; logged-in users without the role get 403.
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), self.get_login_url(),
                                     self.get_redirect_field_name())
        return super().handle_no_permission()

    def get_queryset(self):
        queryset = scope_for(self.model._default_manager.all(), user=self.request.user)
        return queryset.select_related(*self.select_related) if self.select_related \
            else queryset

    def url(self, action: str, *args: Any) -> str | None:
        try:
            return reverse(f"{self.url_namespace}:{self.model._meta.model_name}_{action}",
                           args=args)
        except NoReverseMatch:
            return None

    def can(self, permission: str) -> bool:
        return self.request.user.has_perm(permission)

    def perm(self, operation: str) -> str:
        return f"{self.model._meta.app_label}.{operation}_{self.model._meta.model_name}"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = self.model._meta.verbose_name
        context["verbose_name_plural"] = self.model._meta.verbose_name_plural
        return context


class StaffListView(StaffMixin, generic.ListView):
    template_name = "core/staff/list.html"
    filterset_class: type | None = None
    columns: list[Column] = []
    sort_fields: dict[str, str] = {}
    default_sort = "-pk"
    search_fields: list[str] = []
    api_list_url_name = ""  # CSV export uses the API list with the same filters
    paginate_by = None
    # (label, url name, permission): pages next to this list, shown to those who may open them.
    related_links: list[tuple[Any, str, str]] = []

    def get_permission_required(self):
        return [self.perm("view")]

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset,
                                                  request=self.request)
            # An invalid filter shows its error on the form and lists nothing.
            queryset = self.filterset.qs if self.filterset.is_bound else queryset
            if self.filterset.is_bound and not self.filterset.is_valid():
                queryset = queryset.none()
        queryset = search_queryset(queryset, searchable_fields(self),
                                   self.request.GET.get("search", ""))
        ordering = self.default_sort
        sort_by = self.request.GET.get("sortBy")
        if sort_by in self.sort_fields:
            desc = self.request.GET.get("sortOrder") == "desc"
            ordering = ("-" if desc else "") + self.sort_fields[sort_by]
        return queryset.order_by(ordering, "-pk" if ordering.startswith("-") else "pk")

    def get_context_data(self, **kwargs: Any) -> dict:
        queryset = self.object_list
        paginator = Paginator(queryset, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        context = super().get_context_data(object_list=page.object_list, **kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        current_sort, current_order = self.request.GET.get("sortBy"), self.request.GET.get(
            "sortOrder", "asc")
        headers = []
        for column in self.columns:
            header = {"label": column.label, "sort_url": None, "sorted": None}
            if column.sort:
                sort_params = params.copy()
                sort_params["sortBy"] = column.sort
                flip = current_sort == column.sort and current_order == "asc"
                sort_params["sortOrder"] = "desc" if flip else "asc"
                header["sort_url"] = "?" + sort_params.urlencode()
                header["sorted"] = current_order if current_sort == column.sort else None
            headers.append(header)
        context.update({
            "page_obj": page,
            "headers": headers,
            "rows": [{"object": row, "url": self.detail_url(row),
                      "cells": [{"value": column.read(row), "link": column.link}
                                for column in self.columns]} for row in page.object_list],
            "filter": self.filterset,
            "search": self.request.GET.get("search", ""),
            "searchable": bool(searchable_fields(self)),
            "query": params.urlencode(),
            "create_url": self.url("create") if self.can(self.perm("add")) else None,
            "csv_url": self.csv_url(params),
            "related_links": [{"label": label, "url": reverse(url_name)}
                              for label, url_name, permission in self.related_links
                              if self.can(permission)],
        })
        return context

    def detail_url(self, row: models.Model) -> str | None:
        return self.url("detail", row.pk)

    def csv_url(self, params) -> str | None:
        if not self.api_list_url_name:
            return None
        export = params.copy()
        export["format"] = "csv"
        try:
            return reverse(self.api_list_url_name) + "?" + export.urlencode()
        except NoReverseMatch:
            return None  # the API list is not mounted: no dead export button


class StaffDetailView(StaffMixin, generic.DetailView):
    template_name = "core/staff/detail.html"
    fields: list[Column] = []
    transitions: dict[str, TransitionButton] = {}
    status_field = "status"

    def get_permission_required(self):
        return [self.perm("view")]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update({
            "fields": [{"label": field.label, "value": field.read(obj)} for field in self.fields],
            "timeline": timeline(obj),
            "edit_url": self.url("update", obj.pk) if self.can(self.perm("change")) else None,
            # Where the resource has a delete page and the role may delete.
            "delete_url": self.url("delete", obj.pk) if self.can(self.perm("delete")) else None,
            "list_url": self.url("list"),
            "transition_buttons": self.transition_buttons(obj),
        })
        return context

    def transition_buttons(self, obj: models.Model) -> list[dict]:
        """The transitions the state machine allows now and the user's role may press."""
        if not self.transitions:
            return []
        available = transition_targets(obj, field=self.status_field)
        buttons = []
        for name, button in self.transitions.items():
            if name in available and self.can(button.permission or self.perm("change")):
                buttons.append({"name": name, "label": button.label, "style": button.style,
                                "url": self.url("transition", obj.pk, name)})
        return buttons


def timeline(obj: models.Model) -> list[dict]:
    """History rows (field changes) and document events, newest first, with their actors."""
    entries = []
    history = getattr(obj, "history", None)
    if history is not None:
        records = list(history.select_related("history_user").order_by("-history_id")[:100])
        for record, previous in zip(records, [*records[1:], None], strict=True):
            changes = []
            if previous is not None:
                delta = record.diff_against(previous)
                changes = [{"field": _field_label(obj, change.field), "old": change.old,
                            "new": change.new} for change in delta.changes]
            entries.append({"kind": "history", "time": record.history_date,
                            "actor": record.history_user,
                            "action": record.get_history_type_display(),
                            "reason": record.history_change_reason or "", "changes": changes})
    events = DocumentEvent.objects.filter(
        firm_id=getattr(obj, "firm_id", None), object_id=obj.pk,
        content_type__app_label=obj._meta.app_label, content_type__model=obj._meta.model_name,
    ).select_related("actor")
    for event in events:
        entries.append({"kind": "event", "time": event.created_at, "actor": event.actor,
                        "action": event.action, "from": event.from_status,
                        "to": event.to_status, "reason": event.reason,
                        "details": event.details})
    return sorted(entries, key=lambda entry: entry["time"], reverse=True)


def _field_label(obj: models.Model, name: str) -> str:
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field removed since the change was recorded
        return name


class StaffFormView(StaffMixin, generic.edit.ModelFormMixin, generic.edit.ProcessFormView,
                    generic.base.TemplateResponseMixin):
    """Create (no pk in the URL) or edit a record, optionally with formsets, saved by one
    service call in `save(form)`; the service's field errors show beside the fields (and
    formset rows) they name."""

    template_name = "core/staff/form.html"
    formset_labels: dict[str, Any] = {}

    def get_permission_required(self):
        return [self.perm("change" if "pk" in self.kwargs else "add")]

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def get_formsets(self) -> dict[str, django_forms.BaseFormSet]:
        return {}

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.formsets = self.get_formsets()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        self.formsets = self.get_formsets()
        # save() fills this with each formset's row forms, so row errors find their row.
        self.row_forms: dict[str, list] = {}
        valid = [form.is_valid(), *(formset.is_valid() for formset in self.formsets.values())]
        return self.form_valid(form) if all(valid) else self.form_invalid(form)

    def get_initial(self) -> dict:
        # "New activity for this lead" links prefill fields through the query string.
        return {**super().get_initial(), **{
            name: value for name, value in self.request.GET.items()
            if name in getattr(self.form_class, "base_fields", {})}}

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def firm(self):
        return self.request.user.firm

    def formset_kwargs(self) -> dict:
        return {"data": self.request.POST if self.request.method == "POST" else None,
                "form_kwargs": {"user": self.request.user}}

    def save(self, form) -> models.Model:
        raise NotImplementedError("each form view names the service it calls")

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ApplicationError as error:
            form.add_error(None, str(error.message))
            return self.form_invalid(form)
        except ValidationError as error:
            apply_errors(form, error, getattr(self, "row_forms", {}), self.formset_labels)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return safe_next(self.request, self.url("detail", self.object.pk) or self.url("list"))

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["formsets"] = [{"name": name, "label": self.formset_labels.get(name, name),
                                "formset": formset}
                               for name, formset in getattr(self, "formsets", {}).items()]
        context["next"] = safe_next(self.request, "")
        context["cancel_url"] = context["next"] or (
            self.url("detail", self.object.pk) if self.object else self.url("list"))
        return context


class StaffDeleteView(StaffMixin, generic.DetailView):
    """GET: confirm; POST: the service deletes (`perform`), or the page says why not."""

    template_name = "core/staff/confirm_delete.html"
    # What else goes with the record, said on the confirmation page.
    delete_note: Any = ""

    def get_permission_required(self):
        return [self.perm("delete")]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.url("detail", self.object.pk)
        context["delete_note"] = self.delete_note
        return context

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            target = self.perform(obj)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(self.url("detail", obj.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(target)

    def perform(self, obj) -> str:
        """Delete through the app's service; answer where to go next."""
        raise NotImplementedError("each delete view names the service it calls")


class StaffTransitionView(StaffMixin, generic.DetailView):
    """GET: confirm the step (with a reason); POST: run it through the service."""

    template_name = "core/staff/transition.html"
    detail_view: type[StaffDetailView]

    def get_permission_required(self):
        return [self.perm("view")]

    def dispatch(self, request, *args, **kwargs):
        self.button = self.detail_view.transitions.get(kwargs["transition"])
        if self.button is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self) -> bool:
        return super().has_permission() and self.can(self.button.permission or self.perm("change"))

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update({"button": self.button, "transition": self.kwargs["transition"],
                        "target": transition_targets(
                            obj, field=self.detail_view.status_field).get(
                            self.kwargs["transition"]),
                        "current": getattr(obj, self.detail_view.status_field),
                        "cancel_url": self.url("detail", obj.pk)})
        return context

    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        reason = request.POST.get("reason", "").strip()
        if self.button.reason_required and not reason:
            self.object = obj
            context = self.get_context_data(object=obj, reason_error=_("Give a reason."))
            return self.render_to_response(context, status=400)
        try:
            self.perform(obj, transition=kwargs["transition"], reason=reason)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": self.button.label})
        return HttpResponseRedirect(self.url("detail", obj.pk))

    def perform(self, obj: models.Model, *, transition: str, reason: str) -> None:
        """Apps with a service per transition override this to call it."""
        document_transition(instance=obj, transition=transition, actor=self.request.user,
                            reason=reason, field=self.detail_view.status_field)


def pages(prefix: str, model: str, list_view, detail_view, form_view) -> list:
    """The four staff pages every resource has: list, create, detail, update (URL names
    <model>_<action>, architecture §5.11)."""
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{model}_list"),
        path(f"{prefix}/new/", form_view.as_view(), name=f"{model}_create"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{model}_detail"),
        path(f"{prefix}/<int:pk>/edit/", form_view.as_view(), name=f"{model}_update"),
    ]
