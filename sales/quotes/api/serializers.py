"""sales API serializers: parse and present only; every write goes through sales.quotes.services.

References are `<thing>Id` fields looked up among the caller's firm's rows, so another firm's
id is a 400 naming the field. Stored totals, line amounts, pricing traces, warnings and the
approval state are read-only: the services compute them (business-rules §2, §10).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import ModelSerializer, ReasonSerializer, RoundedDecimalField, reference
from core.fields import MONEY
from core.models import User
from crm.models import Customer, Lead, SalesPerson
from pricing.models import PriceList, Product
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine, QuoteVersion
from sales.quotes.services import quote_allowed_targets

AUDIT_FIELDS = ["created_at", "updated_at"]
LINE_AMOUNTS = ["position", "base_amount", "line_discount", "line_total", "tax_amount",
                "cost_price", "pricing_trace"]


class QuoteLineSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    product_id = reference(Product, "product", help_text=_(
        "Priced by the price resolver when no unit price is given."))
    description = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                        help_text=_("The product's name when left empty."))
    unit = serializers.CharField(max_length=20, required=False)
    unit_price = RoundedDecimalField(**MONEY, min_value=0, required=False, allow_null=True,
                                     help_text=_(
                                         "Left out for a product: the resolved price. A "
                                         "different price is an override (settings decide)."))
    tax_rate = RoundedDecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100,
                                   required=False, allow_null=True,
                                   help_text=_("The product's, else the firm's VAT."))
    is_reward = serializers.BooleanField(required=False, default=False, help_text=_(
        "A reward line the pricing rules added; sent back, it is recomputed, not kept."))

    class Meta:
        model = QuoteLine
        fields = ["id", "product_id", "description", "description_ar", "quantity", "unit",
                  "unit_price", "discount_percent", "discount_amount", "tax_rate", "taxable",
                  "price_override_reason", "is_reward", *LINE_AMOUNTS]
        read_only_fields = ["id", *LINE_AMOUNTS]


class QuoteSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    customer_id = reference(Customer, "customer")
    customer_name = serializers.CharField(source="customer.name", read_only=True,
                                          default=None, allow_null=True)
    lead_id = reference(Lead, "lead")
    lead_name = serializers.CharField(source="lead.display_name", read_only=True,
                                      default=None, allow_null=True)
    owner_id = reference(User, "owner")
    sales_person_id = reference(SalesPerson, "sales_person")
    price_list_id = reference(PriceList, "price_list", help_text=_(
        "Forces this price list for the lines; left out, the resolver picks."))
    approved_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    items = QuoteLineSerializer(source="lines", many=True, required=False, max_length=500)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = ["id", "number", "status", "version", "customer_id", "customer_name",
                  "lead_id", "lead_name", "contact_name", "contact_email", "contact_phone",
                  "owner_id", "sales_person_id", "price_list_id", "promo_code", "quote_date",
                  "valid_until", "probability", "currency", "discount_type", "discount_value",
                  "shipping_cost", "terms", "terms_ar", "notes", "notes_ar", "items",
                  "subtotal", "discount_amount", "after_discount", "tax_amount", "total",
                  "weighted_value", "total_in_words", "total_in_words_en", "warnings",
                  "needs_approval", "approval_reasons", "approved_by_id", "approved_at",
                  "sent_at", "viewed_at", "accepted_at", "rejected_at", "expired_at",
                  "converted_at", "rejection_reason", "allowed_transitions", *AUDIT_FIELDS]
        read_only_fields = ["number", "status", "version", "subtotal", "discount_amount",
                            "after_discount", "tax_amount", "total", "weighted_value",
                            "total_in_words", "total_in_words_en", "warnings",
                            "needs_approval", "approval_reasons", "approved_at", "sent_at",
                            "viewed_at", "accepted_at", "rejected_at", "expired_at",
                            "converted_at", "rejection_reason"]
        validators: list = []

    def get_allowed_transitions(self, quote: Quote) -> list[str]:
        return quote_allowed_targets(quote=quote)

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not attrs.get("customer") and not attrs.get("lead") \
                and not self.context.get("preview"):
            raise serializers.ValidationError(
                {"customer_id": [_("A quote is for a customer or a lead.")]})
        # core's ModelSerializer names fields in errors as the API does.
        return super().validate(attrs)


class QuoteCalculationSerializer(serializers.Serializer):
    """A quote priced without saving: every total, the lines with their amounts and traces."""

    items = QuoteLineSerializer(many=True)
    subtotal = serializers.DecimalField(**MONEY)
    discount_amount = serializers.DecimalField(**MONEY)
    after_discount = serializers.DecimalField(**MONEY)
    tax_amount = serializers.DecimalField(**MONEY)
    shipping_cost = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    weighted_value = serializers.DecimalField(**MONEY, allow_null=True)
    total_in_words = serializers.CharField()
    total_in_words_en = serializers.CharField()
    warnings = serializers.ListField(child=serializers.DictField())
    needs_approval = serializers.BooleanField()
    approval_reasons = serializers.ListField(child=serializers.DictField())


class QuoteTransitionSerializer(ReasonSerializer):
    """A target status, with an optional reason."""

    status = serializers.ChoiceField(choices=QuoteStatus.choices)


def _restored(model: type[models.Model], row: dict) -> models.Model:
    """An unsaved row of `model` from an archived snapshot (JSON values back to Python)."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return model(**{name: fields[name].to_python(value) for name, value in row.items()
                    if name in fields})


class QuoteSnapshotSerializer(QuoteSerializer):
    """An archived version as the live quote is shown: the same fields and number formats,
    nothing internal (firm, public link token, who created it)."""

    items = QuoteLineSerializer(source="snapshot_lines", many=True, read_only=True)

    class Meta(QuoteSerializer.Meta):
        # Names of today's customer and lead and the moves possible now are not the version's.
        fields = [name for name in QuoteSerializer.Meta.fields
                  if name not in ("customer_name", "lead_name", "allowed_transitions")]
        read_only_fields = fields


class QuoteVersionSerializer(serializers.ModelSerializer):
    archived_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = QuoteVersion
        fields = ["id", "version", "status", "total", "archived_by_id", "archived_at",
                  "reason", "snapshot"]
        read_only_fields = fields

    @extend_schema_field(QuoteSnapshotSerializer)
    def get_snapshot(self, version: QuoteVersion) -> dict:
        quote = _restored(Quote, version.snapshot.get("quote", {}))
        quote.snapshot_lines = [_restored(QuoteLine, row)
                                for row in version.snapshot.get("lines", [])]
        return QuoteSnapshotSerializer(quote, context=self.context).data


class QuoteConvertSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[("order", _("Sales order")),
                                          ("invoice", _("Invoice"))], default="order")


class QuoteSendSerializer(serializers.Serializer):
    to = serializers.ListField(child=serializers.EmailField(), required=False, max_length=20,
                               help_text=_("Addresses; left out, the quote's contact."))
    message = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=5000)
    language = serializers.ChoiceField(choices=["en", "ar", "both"], required=False,
                                       allow_null=True, default=None, help_text=_(
                                           "Left out, the firm's document language."))
