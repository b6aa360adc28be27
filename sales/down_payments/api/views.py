"""Down payments API (docs/api.md `down-payments`): parse, call
sales.down_payments.services, present. Amounts, status, the invoice and the payment fields
are the services'; the source is given once, as `sourceType` + `sourceId`.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from core.api.viewsets import TenantModelViewSet
from core.fields import MONEY
from core.scoping import scope_for
from crm.models import Customer
from sales.down_payments import services
from sales.down_payments.api.serializers import (
    ApplySerializer,
    DownPaymentReasonSerializer,
    DownPaymentSerializer,
    RecordPaymentSerializer,
    RefundSerializer,
)
from sales.down_payments.filters import DownPaymentFilter
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund
from sales.invoicing.models import Invoice

CHANGE, VIEW = ["sales.change_downpayment"], ["sales.view_downpayment"]
ACTION_KEYS = {"stats": "stats"}

STATS = inline_serializer("DownPaymentStats", {
    "count": serializers.IntegerField(),
    "by_status": serializers.ListField(child=serializers.DictField()),
    "total_requested": serializers.DecimalField(**MONEY),
    "total_paid": serializers.DecimalField(**MONEY),
    "total_applied": serializers.DecimalField(**MONEY),
    "total_refunded": serializers.DecimalField(**MONEY),
    "total_available": serializers.DecimalField(**MONEY),
})


class DownPaymentViewSet(TenantModelViewSet):
    """Down payments on quotes and sales orders. Only drafts are edited or deleted (409
    otherwise); the status moves through the actions: generate-invoice (→ pending),
    record-payment (→ paid), apply (→ partially/fully applied), refund, cancel."""

    queryset = DownPayment.objects.select_related("invoice").prefetch_related(
        Prefetch("applications", queryset=DownPaymentApplication.objects.order_by(
            "applied_at", "pk")),
        Prefetch("refunds", queryset=DownPaymentRefund.objects.order_by("refund_date", "pk")))
    serializer_class = DownPaymentSerializer
    filterset_class = DownPaymentFilter
    data_key_plural = "down_payments"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number",
                   "downPaymentNumber": "number", "requestedDate": "requested_date",
                   "dueDate": "due_date", "amount": "amount", "status": "status",
                   "paidAmount": "paid_amount", "remainingAmount": "remaining_amount",
                   "customerName": "customer_name", "updatedAt": "updated_at"}
    default_sort = "-created_at"
    required_permissions = {
        "generate_invoice": CHANGE, "record_payment": CHANGE, "apply": CHANGE,
        "refund": CHANGE, "cancel": CHANGE, "stats": VIEW, "customer": VIEW,
        "available_for": VIEW,
    }

    @property
    def data_key(self) -> str:
        return ACTION_KEYS.get(getattr(self, "action", None), "down_payment")

    def _fresh(self, down_payment: DownPayment) -> DownPayment:
        return self.get_queryset().get(pk=down_payment.pk)

    def perform_create(self, serializer):
        down_payment = services.down_payment_create(
            firm=self.request.user.firm, actor=self.request.user,
            **dict(serializer.validated_data))
        return self._fresh(down_payment)

    def perform_update(self, serializer):
        down_payment = services.down_payment_update(
            down_payment=serializer.instance, actor=self.request.user,
            **dict(serializer.validated_data))
        return self._fresh(down_payment)

    def perform_destroy(self, instance):
        services.down_payment_delete(down_payment=instance, actor=self.request.user)

    # --- actions ------------------------------------------------------------------------

    def _answer(self, down_payment: DownPayment, message):
        return self.one(self._fresh(down_payment), message=message)

    @extend_schema(request=DownPaymentReasonSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"], url_path="generate-invoice")
    def generate_invoice(self, request, pk=None):
        """draft → pending: the down-payment invoice is issued (posted) to the customer."""
        payload = _parse(DownPaymentReasonSerializer, request)
        moved = services.down_payment_generate_invoice(
            down_payment=self.get_object(), actor=request.user, reason=payload["reason"])
        return self._answer(moved, _("Down payment invoice generated"))

    @extend_schema(request=RecordPaymentSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"], url_path="record-payment")
    def record_payment(self, request, pk=None):
        """pending → paid: the whole amount was received (also recorded on its invoice)."""
        payload = _parse(RecordPaymentSerializer, request)
        moved = services.down_payment_record_payment(
            down_payment=self.get_object(), actor=request.user,
            paid_date=payload.get("paid_date"), method=payload["payment_method"],
            reference=payload["payment_reference"], amount=payload.get("amount"),
            reason=payload["reason"])
        return self._answer(moved, _("Down payment recorded as paid"))

    @extend_schema(request=ApplySerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        """Set part of the down payment against a posted regular invoice of the customer
        (400 `amount_exceeds_remaining`, `amount_exceeds_due`)."""
        down_payment = self.get_object()
        payload = _parse(ApplySerializer, request)
        invoice = scope_for(Invoice.objects.all(), user=request.user).filter(
            pk=payload["invoice_id"]).first()
        if invoice is None:
            raise serializers.ValidationError({"invoice_id": [_("No such invoice.")]})
        application = services.down_payment_apply(down_payment=down_payment, invoice=invoice,
                                                  amount=payload["amount"],
                                                  actor=request.user)
        return self._answer(application.down_payment, _("Down payment applied to the invoice"))

    @extend_schema(request=RefundSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Give back paid money not applied (400 `refund_exceeds_available`)."""
        down_payment = self.get_object()
        payload = _parse(RefundSerializer, request)
        services.down_payment_refund(down_payment=down_payment, amount=payload["amount"],
                                     reason=payload["reason"], actor=request.user,
                                     refund_date=payload.get("refund_date"),
                                     method=payload["method"], reference=payload["reference"])
        return self._answer(down_payment, _("Down payment refunded"))

    @extend_schema(request=DownPaymentReasonSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """draft or pending → cancelled (a pending one's invoice is cancelled too)."""
        payload = _parse(DownPaymentReasonSerializer, request)
        moved = services.down_payment_cancel(down_payment=self.get_object(),
                                             actor=request.user, reason=payload["reason"])
        return self._answer(moved, _("Down payment cancelled"))

    # --- reading ------------------------------------------------------------------------

    @extend_schema(responses=STATS)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts and amounts per status, and the totals requested, paid, applied, refunded
        and still available, over the down payments the caller may see."""
        queryset = self.filter_queryset(self.get_queryset())
        return self.envelope({"stats": services.down_payment_stats(down_payments=queryset)})

    @extend_schema(responses=DownPaymentSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"customer/(?P<customer_id>[0-9]+)")
    def customer(self, request, customer_id=None):
        """The customer's down payments (404 for a customer the caller cannot reach)."""
        customer = get_object_or_404(scope_for(Customer.objects.all(), user=request.user),
                                     pk=customer_id)
        queryset = self.get_queryset().filter(customer=customer).order_by("-requested_date",
                                                                          "-pk")
        return self._page(queryset)

    @extend_schema(responses=DownPaymentSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"available-for/(?P<invoice_id>[0-9]+)")
    def available_for(self, request, invoice_id=None):
        """The down payments this invoice can take: its customer's, paid or partially
        applied, with something remaining (none unless it is a posted regular invoice)."""
        invoice = get_object_or_404(scope_for(Invoice.objects.all(), user=request.user),
                                    pk=invoice_id)
        queryset = services.down_payments_available_for(down_payments=self.get_queryset(),
                                                        invoice=invoice)
        return self._page(queryset)

    def _page(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _parse(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
