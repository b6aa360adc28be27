"""Down payments API (docs/api.md `down-payments`): parse, call
sales.down_payments.services, present. Amounts, status, the invoice and the payment fields
are the services'; the source is given once, as `sourceType` + `sourceId`.

The serializers; the viewsets are in api/views.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import ModelSerializer, RoundedDecimalField
from core.fields import MONEY
from core.scoping import scope_for
from sales.common.choices import PaymentMethod
from sales.down_payments import services
from sales.down_payments.choices import DownPaymentSource
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.models import Quote


class DownPaymentApplicationSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}
    invoice_id = serializers.IntegerField(read_only=True, allow_null=True)
    applied_amount = RoundedDecimalField(source="amount", read_only=True, **MONEY)
    applied_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = DownPaymentApplication
        fields = ["id", "invoice_id", "invoice_number", "invoice_total", "applied_amount",
                  "applied_at", "applied_by_id"]
        read_only_fields = fields


class DownPaymentRefundSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}
    created_by_id = serializers.IntegerField(read_only=True, allow_null=True)

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
    quote_id = serializers.IntegerField(read_only=True, allow_null=True)
    sales_order_id = serializers.IntegerField(read_only=True, allow_null=True)
    source_total_amount = RoundedDecimalField(source="source_total", read_only=True, **MONEY)
    customer_id = serializers.IntegerField(read_only=True)
    invoice_id = serializers.IntegerField(read_only=True, allow_null=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True,
                                           default=None, allow_null=True)
    invoice_date = serializers.DateField(source="invoice.invoice_date", read_only=True,
                                         default=None, allow_null=True)
    percentage_value = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0,
                                           max_value=100, required=False, allow_null=True)
    fixed_amount = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True)
    vat_rate = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100,
                                   required=False, allow_null=True,
                                   help_text=_("Left out: the firm's VAT rate."))
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text=_("Left out: the requested date."))
    requested_date = serializers.DateField(required=False, allow_null=True)
    # Empty until the down payment is paid.
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, allow_blank=True,
                                             read_only=True)
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


# The action bodies (sales.down_payments.actions): their validated fields are the services'
# keyword arguments; the kit adds the reason.


class RecordPaymentSerializer(serializers.Serializer):
    paid_date = serializers.DateField(required=False, allow_null=True)
    payment_method = serializers.ChoiceField(source="method", choices=PaymentMethod.choices,
                                             default=PaymentMethod.BANK_TRANSFER)
    payment_reference = serializers.CharField(source="reference", max_length=100,
                                              required=False, allow_blank=True, default="")
    amount = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                 help_text=_("Must be the whole amount when given."))


class ApplySerializer(serializers.Serializer):
    invoice_id = serializers.IntegerField(source="invoice", min_value=1, allow_null=True)
    amount = RoundedDecimalField(**MONEY, min_value=0)

    def validate_invoice_id(self, value: int) -> Invoice:
        invoice = scope_for(Invoice.objects.all(), user=self.context["request"].user).filter(
            pk=value).first()
        if invoice is None:
            raise serializers.ValidationError(_("No such invoice."))
        return invoice


class RefundSerializer(serializers.Serializer):
    amount = RoundedDecimalField(**MONEY, min_value=0)
    refund_date = serializers.DateField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=PaymentMethod.choices,
                                     default=PaymentMethod.BANK_TRANSFER)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                      default="")
