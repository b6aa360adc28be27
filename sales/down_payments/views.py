"""Down payment staff pages: list, detail (amounts, VAT split, applications, refunds, the
actions as forms, history), form, delete. They parse, call sales.down_payments.services and
present (architecture §5.2)."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.forms import ReasonForm
from core.kit.actions import DocumentAction
from core.kit.views import DocumentActionView, DocumentDetailView
from core.staff import (
    Column,
    PageFilter,
    StaffListView,
    reference_choices,
)
from crm.models import Customer
from sales.common.columns import STATUS_COLUMN, TEXT_FIELDS
from sales.common.views import DraftDeleteView, DraftDetailMixin, DraftFormView, SalesMixin
from sales.down_payments import services
from sales.down_payments.actions import DOWN_PAYMENT_ACTIONS
from sales.down_payments.choices import DownPaymentSource
from sales.down_payments.filters import DownPaymentFilter
from sales.down_payments.forms import DownPaymentForm
from sales.down_payments.models import DownPayment


class DownPaymentMixin(SalesMixin):
    model = DownPayment


def _source(down_payment: DownPayment) -> str:
    return down_payment.source_number


class DownPaymentListView(DownPaymentMixin, StaffListView):
    filterset_class = PageFilter(
        DownPaymentFilter, fields=["status", "customer", "source_type", "type", "start_date",
                                   "end_date", "has_remaining"],
        references={"customer": reference_choices(Customer, lambda row: row.name)})
    api_list_url_name = "sales-api:downpayment-list"
    search_fields = DownPaymentFilter.search_fields
    sort_fields = {"number": "number", "requestedDate": "requested_date",
                   "dueDate": "due_date", "amount": "amount", "status": "status",
                   "remainingAmount": "remaining_amount", "createdAt": "created_at"}
    default_sort = "-created_at"
    columns = [
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Customer"), "customer_name", link=True),
        Column(_("Source"), _source),
        STATUS_COLUMN,
        Column(_("Requested"), "requested_date", sort="requestedDate"),
        Column(_("Due"), "due_date", sort="dueDate"),
        Column(_("Amount"), "amount", sort="amount"),
        Column(_("Remaining"), "remaining_amount", sort="remainingAmount"),
    ]


class DownPaymentDetailView(DownPaymentMixin, DraftDetailMixin, DocumentDetailView):
    """The actions are forms in the side panel (not header buttons): the declared ones the
    user may press now, each posting to DownPaymentActionView."""

    template_name = "sales/downpayment_detail.html"
    document_actions = DOWN_PAYMENT_ACTIONS
    tabs = ("applications", "refunds", "details", "history")
    select_related = ("customer", "quote", "sales_order", "invoice", "created_by")
    fields = [
        Column(_("Customer"), "customer"),
        Column(_("Source"), lambda row: f"{DownPaymentSource(row.source_type).label} "
                                        f"{row.source_number}"),
        Column(_("Source total"), "source_total"),
        Column(_("Type"), "type"),
        Column(_("Percentage"), "percentage_value"),
        Column(_("Requested"), "requested_date"),
        Column(_("Due"), "due_date"),
        Column(_("Down payment invoice"), "invoice"),
        Column(_("Paid on"), "paid_date"),
        Column(_("Payment method"), "payment_method"),
        Column(_("Payment reference"), "payment_reference"),
        *TEXT_FIELDS,
        Column(_("Internal notes"), "internal_notes"),
        Column(_("Cancellation reason"), "cancellation_reason"),
        Column(_("Created by"), "created_by"),
        Column(_("Created"), "created_at"),
    ]

    def transition_buttons(self, obj: DownPayment) -> list[dict]:
        return []  # the side panel's forms are the actions

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        down_payment = self.object
        bound = kwargs.get("bound_forms", {})
        actions = []
        for action in self.document_actions.for_user(document=down_payment,
                                                     user=self.request.user):
            path = action_path(action.name)
            actions.append({
                "name": path, "label": action.label, "style": action.style,
                "url": self.url("action", down_payment.pk, path),
                "form": bound.get(path) or action_form(action, down_payment,
                                                       self.request.user)})
        context.update({
            "down_payment": down_payment,
            "actions": actions,
            "open_action": next(iter(bound), None),
            "applications": list(down_payment.applications.select_related(
                "applied_by", "invoice")),
            "refunds": list(down_payment.refunds.select_related("created_by")),
        })
        return context


def action_path(name: str) -> str:
    """An action's name in the page URLs, as in the API's: record_payment → record-payment."""
    return name.replace("_", "-")


def action_form(action: DocumentAction, down_payment: DownPayment, user, data=None):
    """The action's form on the detail page, prefixed by the action's name (several forms
    share the page): its input form, or a reason form."""
    form_class = action.form or ReasonForm
    kwargs: dict[str, Any] = {"prefix": action.name}
    if getattr(form_class, "takes_document", False):
        kwargs.update(document=down_payment, user=user)
    return form_class(data, **kwargs)


class DownPaymentActionView(DownPaymentMixin, DocumentActionView):
    """POST one of the detail page's action forms; the service does the work. An invalid
    form shows again on the detail page (400); a refusal by the service comes back as a
    message."""

    http_method_names = ["post"]
    document_actions = DOWN_PAYMENT_ACTIONS

    def dispatch(self, request, *args, **kwargs):
        name = kwargs.pop("action")
        if "_" in name:
            raise Http404
        return super().dispatch(request, *args, transition=name.replace("-", "_"), **kwargs)

    def build_form(self, document, data=None, files=None):
        return action_form(self.action, document, self.request.user, data=data)

    def render_to_response(self, context, **response_kwargs):
        # Only an invalid form is rendered: the detail page, with that form open.
        detail = DownPaymentDetailView()
        detail.setup(self.request, *self.args, **self.kwargs)
        detail.object = self.object
        context = detail.get_context_data(
            object=self.object, bound_forms={action_path(self.action.name): context["form"]})
        return detail.render_to_response(context, **response_kwargs)


class DownPaymentFormView(DownPaymentMixin, DraftFormView):
    form_class = DownPaymentForm
    not_draft_message = _("Only a draft down payment can be changed.")

    def save(self, form) -> DownPayment:
        changes, actor = form.changes(), self.request.user
        if self.object is None:
            return services.down_payment_create(firm=self.firm(), actor=actor, **changes)
        changes.pop("quote", None)
        changes.pop("sales_order", None)
        return services.down_payment_update(down_payment=self.object, actor=actor, **changes)


class DownPaymentDeleteView(DownPaymentMixin, DraftDeleteView):
    delete_note = _("Only a draft can be deleted; its history keeps who deleted it.")

    def delete_document(self, down_payment: DownPayment) -> None:
        services.down_payment_delete(down_payment=down_payment, actor=self.request.user)
