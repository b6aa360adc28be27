"""Down payment staff pages: list, detail (amounts, VAT split, applications, refunds, the
actions as forms, history), form, delete. They parse, call sales.down_payments.services and
present (architecture §5.2)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.forms import ReasonForm
from core.staff import (
    Column,
    PageFilter,
    StaffDeleteView,
    StaffDetailView,
    StaffFormView,
    StaffListView,
    error_text,
    reference_choices,
    status_badge,
)
from crm.models import Customer
from sales.down_payments import services
from sales.down_payments.choices import (
    DOWN_PAYMENT_AVAILABLE_STATUSES,
    DownPaymentSource,
    DownPaymentStatus,
)
from sales.down_payments.filters import DownPaymentFilter
from sales.down_payments.forms import (
    ApplyForm,
    DownPaymentForm,
    RecordPaymentForm,
    RefundForm,
)
from sales.down_payments.models import DownPayment


class DownPaymentMixin:
    url_namespace = "sales"
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
        Column(_("Status"), lambda row: status_badge(row.status, row.get_status_display()),
               sort="status"),
        Column(_("Requested"), "requested_date", sort="requestedDate"),
        Column(_("Due"), "due_date", sort="dueDate"),
        Column(_("Amount"), "amount", sort="amount"),
        Column(_("Remaining"), "remaining_amount", sort="remainingAmount"),
    ]


# Actions on the detail page: name -> (label, form class, statuses it applies in).
ACTIONS = {
    "generate-invoice": (_("Generate invoice"), ReasonForm, [DownPaymentStatus.DRAFT]),
    "record-payment": (_("Record payment"), RecordPaymentForm, [DownPaymentStatus.PENDING]),
    "apply": (_("Apply to an invoice"), ApplyForm, DOWN_PAYMENT_AVAILABLE_STATUSES),
    "refund": (_("Refund"), RefundForm, DOWN_PAYMENT_AVAILABLE_STATUSES),
    "cancel": (_("Cancel down payment"), ReasonForm,
               [DownPaymentStatus.DRAFT, DownPaymentStatus.PENDING]),
}


def action_form(name: str, down_payment: DownPayment, user, data=None):
    form_class = ACTIONS[name][1]
    kwargs: dict[str, Any] = {"prefix": name.replace("-", "_")}
    if form_class is ApplyForm:
        kwargs.update(down_payment=down_payment, user=user)
    elif form_class is RefundForm:
        kwargs["down_payment"] = down_payment
    return form_class(data, **kwargs)


class DownPaymentDetailView(DownPaymentMixin, StaffDetailView):
    template_name = "sales/downpayment_detail.html"
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
        Column(_("Terms and conditions"), "terms"),
        Column(_("Arabic terms and conditions"), "terms_ar"),
        Column(_("Notes"), "notes"),
        Column(_("Arabic notes"), "notes_ar"),
        Column(_("Internal notes"), "internal_notes"),
        Column(_("Cancellation reason"), "cancellation_reason"),
        Column(_("Created by"), "created_by"),
        Column(_("Created"), "created_at"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        down_payment = self.object
        if down_payment.status != DownPaymentStatus.DRAFT:
            context["edit_url"] = None
            context["delete_url"] = None
        bound = kwargs.get("bound_forms", {})
        actions = []
        if self.can("sales.change_downpayment"):
            for name, (label, _form, statuses) in ACTIONS.items():
                if down_payment.status in statuses:
                    actions.append({
                        "name": name, "label": label,
                        "url": self.url("action", down_payment.pk, name),
                        "form": bound.get(name) or action_form(name, down_payment,
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


class DownPaymentActionView(DownPaymentDetailView):
    """POST one of the detail page's action forms; the service does the work. An invalid
    form shows again on the page (400); a refusal by the service comes back as a message."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.change_downpayment"]

    def post(self, request, *args, **kwargs):
        name = kwargs["action"]
        if name not in ACTIONS:
            raise Http404
        down_payment = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = action_form(name, down_payment, request.user, data=request.POST)
        if not form.is_valid():
            self.object = down_payment
            context = self.get_context_data(object=down_payment, bound_forms={name: form})
            return self.render_to_response(context, status=400)
        try:
            self.perform(name, down_payment, form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[name][0]})
        return HttpResponseRedirect(self.url("detail", down_payment.pk))

    def perform(self, name: str, down_payment: DownPayment, data: dict) -> None:
        actor = self.request.user
        if name == "generate-invoice":
            services.down_payment_generate_invoice(down_payment=down_payment, actor=actor,
                                                   reason=data["reason"])
        elif name == "record-payment":
            services.down_payment_record_payment(down_payment=down_payment, actor=actor,
                                                 paid_date=data["paid_date"],
                                                 method=data["method"],
                                                 reference=data["reference"])
        elif name == "apply":
            services.down_payment_apply(down_payment=down_payment, invoice=data["invoice"],
                                        amount=data["amount"], actor=actor)
        elif name == "refund":
            services.down_payment_refund(down_payment=down_payment, amount=data["amount"],
                                         reason=data["reason"], actor=actor,
                                         refund_date=data["refund_date"],
                                         method=data["method"], reference=data["reference"])
        else:
            services.down_payment_cancel(down_payment=down_payment, actor=actor,
                                         reason=data["reason"])


class DownPaymentFormView(DownPaymentMixin, StaffFormView):
    form_class = DownPaymentForm

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object is not None and self.object.status != DownPaymentStatus.DRAFT:
            messages.error(request, _("Only a draft down payment can be changed."))
            return HttpResponseRedirect(self.url("detail", self.object.pk))
        return super().get(request, *args, **kwargs)

    def save(self, form) -> DownPayment:
        changes, actor = form.changes(), self.request.user
        if self.object is None:
            return services.down_payment_create(firm=self.firm(), actor=actor, **changes)
        changes.pop("quote", None)
        changes.pop("sales_order", None)
        return services.down_payment_update(down_payment=self.object, actor=actor, **changes)


class DownPaymentDeleteView(DownPaymentMixin, StaffDeleteView):
    delete_note = _("Only a draft can be deleted; its history keeps who deleted it.")

    def perform(self, obj: DownPayment) -> str:
        services.down_payment_delete(down_payment=obj, actor=self.request.user)
        return self.url("list")
