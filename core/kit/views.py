"""Staff pages of a document, driven by its action declaration: the buttons a user may press
on the detail page and the confirm page (reason and input form) that performs one."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import generic

from core.errors import ApplicationError
from core.forms import ReasonForm
from core.staff import StaffDetailView, StaffMixin, error_text

from .actions import DocumentAction, DocumentActions


def status_label(document, status: str | None, *, field: str = "status") -> str | None:
    """The translated label of a value of the document's status field."""
    if not status:
        return None
    return str(dict(document._meta.get_field(field).flatchoices).get(status, status))


class DocumentDetailView(StaffDetailView):
    """A document's page (templates/core/staff/document_detail.html and the document's own
    template extending it): its buttons are the declared actions the user may press now."""

    template_name = "core/staff/document_detail.html"
    document_actions: DocumentActions
    tabs: tuple[str, ...] = ("lines", "details", "history")

    def transition_buttons(self, obj) -> list[dict]:
        return [{"name": action.name, "label": action.label, "style": action.style,
                 "url": self.url("transition", obj.pk, action.name)}
                for action in self.document_actions.for_user(document=obj,
                                                             user=self.request.user)]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab")
        context["active_tab"] = tab if tab in self.tabs else self.tabs[0]
        return context


class DocumentActionView(StaffMixin, generic.DetailView):
    """GET: the confirm page of one declared action (its reason and input); POST: its service.

    The action must be one the user may press now (else back to the document with a message);
    the service still decides, so a race between two users ends in the service's refusal."""

    template_name = "core/staff/transition.html"
    document_actions: DocumentActions

    def get_permission_required(self):
        return [self.perm("view")]

    def dispatch(self, request, *args, **kwargs):
        self.action: DocumentAction | None = self.document_actions.get(kwargs["transition"])
        if self.action is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self) -> bool:
        return super().has_permission() and self.can(self.action.permission)

    def available(self, document) -> bool:
        return self.action in self.document_actions.for_user(document=document,
                                                             user=self.request.user)

    def build_form(self, document, data=None, files=None):
        """The action's input form, or a reason form when it takes only a reason; `files`
        for a form that takes uploads (a proof of delivery)."""
        form_class = self.action.form or ReasonForm
        kwargs: dict[str, Any] = {"data": data, "files": files}
        if getattr(form_class, "takes_document", False):
            kwargs.update(document=document, user=self.request.user)
        form = form_class(**kwargs)
        reason = form.fields.get("reason")
        if reason is not None:
            if self.action.reason == "none":
                del form.fields["reason"]
            else:
                reason.required = self.action.reason == "required"
        return form

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.available(self.object):
            messages.error(request, _("This step is not possible from the document's status."))
            return HttpResponseRedirect(self.url("detail", self.object.pk))
        return self.render_to_response(self.get_context_data(form=self.build_form(self.object)))

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        document, action = self.object, self.action
        field = self.document_actions.status_field
        context.update({
            "button": action, "transition": action.name,
            "current": status_label(document, getattr(document, field), field=field),
            "target": status_label(document, action.target_status(document), field=field),
            "cancel_url": self.url("detail", document.pk),
        })
        return context

    def post(self, request, *args, **kwargs):
        document = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        self.object = document
        form = self.build_form(document, data=request.POST, files=request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = dict(form.cleaned_data)
        reason = (data.pop("reason", "") or "").strip()
        try:
            result = self.document_actions.perform(self.action, document=document,
                                                   actor=request.user, reason=reason, data=data)
        except (ApplicationError, ValidationError) as error:
            return self.refused(document, form, error)
        changed = result if isinstance(result, type(document)) else document
        messages.success(request, self.action.success_message(changed)
                         or _("Done: %(action)s.") % {"action": self.action.label})
        return HttpResponseRedirect(self.url("detail", document.pk))

    def refused(self, document, form, error: Exception):
        """The service said no: back to the document with its message (a page whose form
        can show the refusal beside its fields answers it there instead)."""
        messages.error(self.request, error_text(error))
        return HttpResponseRedirect(self.url("detail", document.pk))
