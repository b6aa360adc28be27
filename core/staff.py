"""Generic staff pages the domain apps configure: list, detail, form, transition.

They hold no business rules: filtering comes from the app's FilterSet, writes go to the
app's services, permissions from the role groups, and rows through core.scoping.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from .errors import ApplicationError
from .filters import search_queryset, searchable_fields
from .models import DocumentEvent
from .scoping import scope_for
from .services import document_transition, transition_targets

PAGE_SIZE = 25


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

    def handle_no_permission(self):
        # Anonymous visitors go to the login page; logged-in users without the role get 403.
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), self.get_login_url(),
                                     self.get_redirect_field_name())
        return super().handle_no_permission()

    def get_queryset(self):
        return scope_for(self.model._default_manager.all(), user=self.request.user)

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
        })
        return context

    def detail_url(self, row: models.Model) -> str | None:
        return self.url("detail", row.pk)

    def csv_url(self, params) -> str | None:
        if not self.api_list_url_name:
            return None
        export = params.copy()
        export["format"] = "csv"
        return reverse(self.api_list_url_name) + "?" + export.urlencode()


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
    """Create (no pk in the URL) or edit; `save(form)` calls the app's service."""

    template_name = "core/staff/form.html"

    def get_permission_required(self):
        return [self.perm("change" if "pk" in self.kwargs else "add")]

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return None
        return super().get_object(queryset)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form) -> models.Model:
        raise NotImplementedError("each form view names the service it calls")

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ApplicationError as error:
            form.add_error(None, str(error.message))
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.url("detail", self.object.pk) or self.url("list")

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = (self.url("detail", self.object.pk) if self.object
                                 else self.url("list"))
        return context


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
