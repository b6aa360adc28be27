"""Down payments API (docs/api.md `down-payments`): parse, call
sales.services.down_payments, present. Amounts, status, the invoice and the payment fields
are the services'; the source is given once, as `sourceType` + `sourceId`."""

from django.db import models
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from core.api.serializers import ModelSerializer, RoundedDecimalField
from core.api.viewsets import TenantModelViewSet
from core.scoping import scope_for
from crm.models import Customer

from ..choices import DownPaymentSource, PaymentMethod
from ..filters_down_payments import DownPaymentFilter
from ..models import (
    DownPayment,
    DownPaymentApplication,
    DownPaymentRefund,
    Invoice,
    Quote,
    SalesOrder,
)
from ..services import down_payments as services

CHANGE, VIEW = ["sales.change_downpayment"], ["sales.view_downpayment"]
MONEY = {"max_digits": 14, "decimal_places": 2}
ACTION_KEYS = {"stats": "stats"}


class DownPaymentApplicationSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}
    invoice_id = serializers.IntegerField(read_only=True)
    applied_amount = RoundedDecimalField(source="amount", read_only=True, **MONEY)
    applied_by_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = DownPaymentApplication
        fields = ["id", "invoice_id", "invoice_number", "invoice_total", "applied_amount",
                  "applied_at", "applied_by_id"]
        read_only_fields = fields


class DownPaymentRefundSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}
    created_by_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = DownPaymentRefund
        fields = ["id", "amount", "refund_date", "method", "reference", "reason", "created_at",
                  "created_by_id"]
        read_only_fields = fields


class DownPaymentSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    down_payment_number = serializers.CharField(source="number", read_only=True)
    source_type = serializers.ChoiceField(choices=DownPaymentSource.choices, required=False,
                                          help_text=_("quote or sales_order; set at creation."))
    source_id = serializers.IntegerField(min_value=1, required=False, help_text=_(
        "The quote's or sales order's id; set at creation."))
    quote_id = serializers.IntegerField(read_only=True)
    sales_order_id = serializers.IntegerField(read_only=True)
    source_total_amount = RoundedDecimalField(source="source_total", read_only=True, **MONEY)
    customer_id = serializers.IntegerField(read_only=True)
    invoice_id = serializers.IntegerField(read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True,
                                           default=None)
    invoice_date = serializers.DateField(source="invoice.invoice_date", read_only=True,
                                         default=None)
    percentage_value = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0,
                                           max_value=100, required=False, allow_null=True)
    fixed_amount = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True)
    vat_rate = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100,
                                   required=False, allow_null=True,
                                   help_text=_("Left out: the firm's VAT rate."))
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text=_("Left out: the requested date."))
    requested_date = serializers.DateField(required=False, allow_null=True)
    applications = DownPaymentApplicationSerializer(many=True, read_only=True)
    refunds = DownPaymentRefundSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = DownPayment
        fields = ["id", "number", "down_payment_number", "status", "type", "percentage_value",
                  "fixed_amount", "amount", "currency", "vat_rate", "amount_excluding_vat",
                  "vat_amount", "source_type", "source_id", "quote_id", "sales_order_id",
                  "source_number", "source_total_amount", "customer_id", "customer_name",
                  "customer_name_ar", "invoice_id", "invoice_number", "invoice_date",
                  "paid_amount", "paid_date", "payment_method", "payment_reference",
                  "applied_amount", "refunded_amount", "remaining_amount", "requested_date",
                  "due_date", "terms", "terms_ar", "notes", "notes_ar", "internal_notes",
                  "applications", "refunds", "cancelled_at", "cancellation_reason",
                  "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = ["number", "status", "amount", "currency", "amount_excluding_vat",
                            "vat_amount", "source_number", "customer_name",
                            "customer_name_ar", "paid_amount", "paid_date", "payment_method",
                            "payment_reference", "applied_amount", "refunded_amount",
                            "remaining_amount", "cancelled_at", "cancellation_reason",
                            "created_at", "updated_at"]

    def get_allowed_transitions(self, down_payment: DownPayment) -> list[str]:
        return services.down_payment_allowed_targets(down_payment=down_payment)

    def to_representation(self, instance: DownPayment) -> dict:
        data = super().to_representation(instance)
        data["source_type"] = instance.source_type
        data["source_id"] = instance.quote_id or instance.sales_order_id
        return data

    def validate(self, attrs: dict) -> dict:
        source_type, source_id = attrs.pop("source_type", None), attrs.pop("source_id", None)
        if self.instance is not None:
            if source_type is not None or source_id is not None:
                current = (self.instance.source_type,
                           self.instance.quote_id or self.instance.sales_order_id)
                if (source_type or current[0], source_id or current[1]) != current:
                    raise serializers.ValidationError({"source_id": [_(
                        "The source of a down payment cannot be changed.")]})
        else:
            attrs.update(self._source(source_type, source_id))
        for name in ("vat_rate", "due_date", "requested_date"):
            if name in attrs and attrs[name] is None:
                attrs.pop(name)
        return super().validate(attrs)

    def _source(self, source_type, source_id) -> dict:
        errors = {}
        if source_type is None:
            errors["source_type"] = [_("This field is required.")]
        if source_id is None:
            errors["source_id"] = [_("This field is required.")]
        if errors:
            raise serializers.ValidationError(errors)
        model = Quote if source_type == DownPaymentSource.QUOTE else SalesOrder
        user = self.context["request"].user
        source = scope_for(model._default_manager.all(), user=user).filter(pk=source_id).first()
        if source is None:
            raise serializers.ValidationError({"source_id": [_("No such document.")]})
        return {"quote": source if model is Quote else None,
                "sales_order": source if model is SalesOrder else None}


class RecordPaymentSerializer(serializers.Serializer):
    paid_date = serializers.DateField(required=False, allow_null=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices,
                                             default=PaymentMethod.BANK_TRANSFER)
    payment_reference = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                              default="")
    amount = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                 help_text=_("Must be the whole amount when given."))
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class ApplySerializer(serializers.Serializer):
    invoice_id = serializers.IntegerField(min_value=1)
    amount = RoundedDecimalField(**MONEY, min_value=0)


class RefundSerializer(serializers.Serializer):
    amount = RoundedDecimalField(**MONEY, min_value=0)
    reason = serializers.CharField(max_length=2000)
    refund_date = serializers.DateField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=PaymentMethod.choices,
                                     default=PaymentMethod.BANK_TRANSFER)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                      default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


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

    @extend_schema(request=ReasonSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"], url_path="generate-invoice")
    def generate_invoice(self, request, pk=None):
        """draft → pending: the down-payment invoice is issued (posted) to the customer."""
        payload = _parse(ReasonSerializer, request)
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

    @extend_schema(request=ReasonSerializer, responses=DownPaymentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """draft or pending → cancelled (a pending one's invoice is cancelled too)."""
        payload = _parse(ReasonSerializer, request)
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
