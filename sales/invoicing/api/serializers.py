"""Invoices, payments and credit notes API (docs/api.md `invoices`, `credit-notes`): parse, call
sales.invoicing.services, present (architecture §5.2). Money is written by the services only, so
every money column here is read-only.

The serializers; the viewsets are in api/views.py.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import DataSerializer, RoundedDecimalField, reference
from core.fields import MONEY, QUANTITY, RATE
from sales.common.choices import PaymentMethod
from sales.invoicing import services
from sales.invoicing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from sales.orders.api.serializers import SalesOrderSerializer
from sales.orders.models import SalesOrder

# --- serializers ------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    order_line_id = serializers.IntegerField(read_only=True, allow_null=True)
    product_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "position", "order_line_id", "product_id", "description",
                  "description_ar", "quantity", "unit", "unit_price", "discount_percent",
                  "discount_amount", "tax_rate", "taxable", "base_amount", "line_discount",
                  "line_total", "tax_amount"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    """A refund as the credit note and the invoice list it."""

    credit_note_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "credit_note_id", "amount", "refund_date", "method", "reference",
                  "status"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    customer_id = serializers.IntegerField(read_only=True)
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_number = serializers.CharField(source="order.number", read_only=True, default=None,
                                         allow_null=True)
    sales_person_id = serializers.IntegerField(read_only=True, allow_null=True)
    posted_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    items = InvoiceLineSerializer(source="lines", many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "status", "order_id", "order_number", "customer_id",
                  "customer_name", "customer_name_ar", "customer_vat_number",
                  "billing_address_snapshot", "sales_person_id", "invoice_date", "due_date",
                  "payment_terms", "currency", "discount_type", "discount_value",
                  "shipping_cost", "notes", "notes_ar", "items", "subtotal",
                  "discount_amount", "after_discount", "tax_amount", "total",
                  "total_in_words", "total_in_words_en", "down_payments_applied",
                  "amount_paid", "amount_refunded", "credit_notes_total", "amount_due",
                  "refunds", "is_overdue",
                  "posted_at", "posted_by_id", "paid_at", "cancellation_reason",
                  "cancelled_at", "allowed_transitions", "created_at", "updated_at"]
        read_only_fields = fields

    def get_allowed_transitions(self, invoice: Invoice) -> list[str]:
        return services.invoice_allowed_targets(invoice=invoice)


class InvoiceLineChoiceSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)


class InvoiceFromOrderSerializer(serializers.Serializer):
    """`POST /sales-orders/:id/invoice`: the order is in the path."""

    lines = InvoiceLineChoiceSerializer(many=True, required=False, max_length=500, help_text=_(
        "Quantities to invoice; left out, every uninvoiced (or, delivered-only, delivered) "
        "quantity."))
    delivered_only = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="",
                                  max_length=5000)
    notes_ar = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=5000)


class InvoiceCreateSerializer(InvoiceFromOrderSerializer):
    """`POST /invoices`: the same, naming the order."""

    order_id = reference(SalesOrder, "order", required=True, allow_null=False, help_text=_(
        "A confirmed sales order of the firm."))


class PaymentSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField(read_only=True)
    recorded_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice_id", "amount", "payment_date", "method", "reference", "notes",
                  "status", "recorded_by_id", "voided_at", "void_reason", "created_at"]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    amount = RoundedDecimalField(**MONEY, min_value=0)
    payment_date = serializers.DateField(required=False, allow_null=True, default=None,
                                         help_text=_("Today (the firm's) when left out."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices,
                                     default=PaymentMethod.BANK_TRANSFER)
    reference = serializers.CharField(required=False, allow_blank=True, default="",
                                      max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True, default="",
                                  max_length=5000)


class RefundCreateSerializer(serializers.Serializer):
    """`POST /credit-notes/:id/refund`: its fields are refund_record's arguments."""

    amount = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                 default=None, help_text=_(
                                     "Left out: everything refundable now (the credit note's "
                                     "total less its refunds, at most what the customer has "
                                     "overpaid on the invoice)."))
    date = serializers.DateField(required=False, allow_null=True, default=None,
                                 help_text=_("Today (the firm's) when left out."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices,
                                     default=PaymentMethod.BANK_TRANSFER)
    reference = serializers.CharField(required=False, allow_blank=True, default="",
                                      max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True, default="",
                                  max_length=5000)


class CreditNoteLineSerializer(serializers.ModelSerializer):
    invoice_line_id = serializers.IntegerField(read_only=True, allow_null=True)
    product_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = CreditNoteLine
        fields = ["id", "position", "invoice_line_id", "product_id", "description",
                  "description_ar", "quantity", "unit_price", "tax_rate", "taxable",
                  "line_total", "tax_amount"]
        read_only_fields = fields


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField(read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    customer_id = serializers.IntegerField(read_only=True)
    posted_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    items = CreditNoteLineSerializer(source="lines", many=True, read_only=True)
    amount_refunded = serializers.DecimalField(**MONEY, read_only=True, help_text=_(
        "Paid back against the credit note: its recorded refunds."))
    refunds = RefundSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = CreditNote
        fields = ["id", "number", "status", "invoice_id", "invoice_number", "customer_id",
                  "customer_name", "customer_name_ar", "customer_vat_number", "credit_date",
                  "reason", "reason_ar", "source_reference", "currency", "items", "subtotal",
                  "tax_amount", "total", "total_in_words", "total_in_words_en",
                  "amount_refunded", "refunds", "posted_at", "posted_by_id",
                  "cancellation_reason", "cancelled_at", "allowed_transitions", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_allowed_transitions(self, note: CreditNote) -> list[str]:
        return services.credit_note_allowed_targets(credit_note=note)


class CreditNoteLineInputSerializer(serializers.Serializer):
    """One line to credit: a quantity of an invoice line, or a free amount."""

    invoice_line_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text=_(
            "A line of the invoice: its quantity is credited at the line's net unit price "
            "(after its own and the document's discounts) unless unitPrice is given. Left "
            "out, the line is a free amount (description, unitPrice, taxRate)."))
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=500)
    description_ar = serializers.CharField(required=False, allow_blank=True, default="",
                                           max_length=500)
    quantity = RoundedDecimalField(**QUANTITY, min_value=0, required=False, default=1)
    unit_price = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                     default=None, help_text=_("Net of VAT."))
    tax_rate = RoundedDecimalField(**RATE, min_value=0, max_value=100, required=False,
                                   allow_null=True, default=None, help_text=_(
                                       "Free lines only; the firm's default VAT when left "
                                       "out."))
    taxable = serializers.BooleanField(required=False, default=True)


class CreditNoteCreateSerializer(serializers.Serializer):
    invoice_id = reference(Invoice, "invoice", required=True, allow_null=False, help_text=_(
        "A posted invoice of the firm (paid or not)."))
    reason = serializers.CharField(max_length=2000, help_text=_("Why the credit is given."))
    reason_ar = serializers.CharField(required=False, allow_blank=True, default="",
                                      max_length=2000)
    source_reference = serializers.CharField(required=False, allow_blank=True, default="",
                                             max_length=60)
    lines = CreditNoteLineInputSerializer(many=True, max_length=500)

    def validate_lines(self, lines: list) -> list:
        if not lines:
            raise serializers.ValidationError(_("Give at least one line to credit."))
        return lines


# --- answers holding more than the resource's own object -------------------------------------


class OrderInvoicedSerializer(DataSerializer):
    """`POST /sales-orders/:id/invoice`: the draft invoice made."""

    invoice = InvoiceSerializer()


class PaymentRecordedSerializer(DataSerializer):
    """`POST /invoices/:id/payments`: the payment and the invoice it changed."""

    payment = PaymentSerializer()
    invoice = InvoiceSerializer()


class QuoteConvertedSerializer(DataSerializer):
    """`POST /quotes/:id/convert`: the sales order made (`to: order`) or its invoice
    (`to: invoice`)."""

    order = SalesOrderSerializer(required=False)
    invoice = InvoiceSerializer(required=False)
