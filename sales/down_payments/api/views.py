"""Down payments API (docs/api.md `down-payments`): parse, call
sales.down_payments.services, present. Amounts, status, the invoice and the payment fields
are the services'; the source is given once, as `sourceType` + `sourceId`.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from core.fields import MONEY
from core.kit.api import DocumentViewSet
from core.scoping import scope_for
from crm.models import Customer
from sales.down_payments import services
from sales.down_payments.actions import DOWN_PAYMENT_ACTIONS
from sales.down_payments.api.serializers import DownPaymentSerializer
from sales.down_payments.filters import DownPaymentFilter
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund
from sales.invoicing.models import Invoice

VIEW = ["sales.view_downpayment"]
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


class DownPaymentViewSet(DocumentViewSet):
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
    # The actions (generate_invoice, record_payment, apply, refund, cancel) and their
    # permissions come from the declaration.
    document_actions = DOWN_PAYMENT_ACTIONS
    required_permissions = {"stats": VIEW, "customer": VIEW, "available_for": VIEW}

    @property
    def data_key(self) -> str:
        return ACTION_KEYS.get(getattr(self, "action", None), "down_payment")


    def perform_create(self, serializer):
        down_payment = services.down_payment_create(
            firm=self.request.user.firm, actor=self.request.user,
            **dict(serializer.validated_data))
        return self.fresh(down_payment)

    def perform_update(self, serializer):
        down_payment = services.down_payment_update(
            down_payment=serializer.instance, actor=self.request.user,
            **dict(serializer.validated_data))
        return self.fresh(down_payment)

    def perform_destroy(self, instance):
        services.down_payment_delete(down_payment=instance, actor=self.request.user)

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

