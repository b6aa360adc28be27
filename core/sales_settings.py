"""The sections of a firm's sales settings: fields, defaults and validation.

Each section is a DRF serializer, so the REST API and the staff page validate the same way.
Values are stored snake_case in SalesSettings' JSON columns; a key that is missing there
reads as its default here.
"""

import logging
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .choices import DocumentType, PaymentTerms, ResetPeriod
from .money import CURRENCY_PRECISION

logger = logging.getLogger(__name__)

PERCENT = {"max_digits": 7, "decimal_places": 4, "min_value": Decimal("0"),
           "max_value": Decimal("100")}
AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0"),
          "allow_null": True, "default": None}
ROUNDING = [("none", _("None")), ("up", _("Up")), ("down", _("Down")), ("nearest", _("Nearest"))]
TAX_ROUNDING = ROUNDING[1:]
LANGUAGE = [("en", _("English")), ("ar", _("Arabic")), ("both", _("English and Arabic"))]
TEMPLATE = [("standard", _("Standard"))]


class UserIdsField(serializers.ListField):
    """Ids of users of the settings' own firm (approvers); others are refused, not dropped."""

    child = serializers.IntegerField(min_value=1)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        kwargs.setdefault("max_length", 50)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[int]:
        ids = sorted(set(super().to_internal_value(data)))
        firm = self.context.get("firm")
        if ids and firm is not None:
            found = set(firm.users.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
            unknown = [pk for pk in ids if pk not in found]
            if unknown:
                raise serializers.ValidationError(
                    _("No active user of this firm has the id(s) %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))}
                )
        return ids


class GeneralSection(serializers.Serializer):
    default_currency = serializers.ChoiceField(choices=sorted(CURRENCY_PRECISION), default="SAR")
    default_payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices,
                                                    default=PaymentTerms.NET_30)
    default_payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, default=30)
    require_customer_on_quote = serializers.BooleanField(default=True)
    require_customer_on_order = serializers.BooleanField(default=True)
    allow_negative_prices = serializers.BooleanField(default=False)
    rounding_method = serializers.ChoiceField(choices=ROUNDING, default="nearest")
    rounding_precision = serializers.IntegerField(min_value=0, max_value=4, default=2)


class QuotesSection(serializers.Serializer):
    default_validity_days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    require_approval = serializers.BooleanField(default=False)
    approval_threshold = serializers.DecimalField(**AMOUNT)
    approvers = UserIdsField()
    send_reminder_before_expiry = serializers.BooleanField(default=True)
    reminder_days_before = serializers.IntegerField(min_value=0, max_value=90, default=3)
    allow_convert_to_order = serializers.BooleanField(default=True)
    allow_convert_to_invoice = serializers.BooleanField(default=True)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("reminder_days_before", 0) >= attrs.get("default_validity_days", 30):
            raise serializers.ValidationError({"reminder_days_before": _(
                "The reminder must come before the quote expires: use fewer days than the "
                "validity.")})
        return attrs


class OrdersSection(serializers.Serializer):
    require_approval = serializers.BooleanField(default=False)
    approval_threshold = serializers.DecimalField(**AMOUNT)
    approvers = UserIdsField()
    allow_partial_delivery = serializers.BooleanField(default=True)
    allow_partial_invoicing = serializers.BooleanField(default=True)
    auto_create_delivery_note = serializers.BooleanField(default=False)
    require_delivery_before_invoice = serializers.BooleanField(default=False)
    allow_backorders = serializers.BooleanField(default=True)


class PricingSection(serializers.Serializer):
    default_price_list_id = serializers.IntegerField(min_value=1, allow_null=True, default=None)
    allow_price_override = serializers.BooleanField(default=True)
    require_price_override_reason = serializers.BooleanField(default=False)
    show_cost_price = serializers.BooleanField(default=False)
    show_margin = serializers.BooleanField(default=True)
    minimum_margin_percent = serializers.DecimalField(**PERCENT, default=Decimal("10"))
    warn_below_minimum_margin = serializers.BooleanField(default=True)
    enforce_price_list = serializers.BooleanField(default=False)


class DiscountsSection(serializers.Serializer):
    max_line_discount_percent = serializers.DecimalField(**PERCENT, default=Decimal("20"))
    max_order_discount_percent = serializers.DecimalField(**PERCENT, default=Decimal("15"))
    require_discount_approval = serializers.BooleanField(default=False)
    discount_approval_threshold = serializers.DecimalField(**PERCENT, default=Decimal("10"))
    discount_approvers = UserIdsField()
    allow_coupon_codes = serializers.BooleanField(default=True)
    allow_loyalty_redemption = serializers.BooleanField(default=False)


class CommissionsSection(serializers.Serializer):
    enabled = serializers.BooleanField(default=True)
    default_plan_id = serializers.IntegerField(min_value=1, allow_null=True, default=None)
    calculate_on = serializers.ChoiceField(
        choices=[("invoice", _("Invoice")), ("payment", _("Payment")), ("order", _("Order"))],
        default="invoice")
    auto_calculate = serializers.BooleanField(default=True)
    settlement_frequency = serializers.ChoiceField(
        choices=[("monthly", _("Monthly")), ("quarterly", _("Quarterly"))], default="monthly")
    require_approval = serializers.BooleanField(default=True)
    approvers = UserIdsField()


class DeliverySection(serializers.Serializer):
    default_shipping_method = serializers.CharField(max_length=60, allow_blank=True, default="")
    default_carrier = serializers.CharField(max_length=60, allow_blank=True, default="")
    track_deliveries = serializers.BooleanField(default=True)
    require_delivery_confirmation = serializers.BooleanField(default=True)
    allow_partial_delivery = serializers.BooleanField(default=True)
    calculate_shipping_cost = serializers.BooleanField(default=False)
    free_shipping_threshold = serializers.DecimalField(**AMOUNT)


class ReturnsSection(serializers.Serializer):
    enabled = serializers.BooleanField(default=True)
    default_return_window_days = serializers.IntegerField(min_value=0, max_value=3650, default=30)
    require_approval = serializers.BooleanField(default=True)
    approval_threshold = serializers.DecimalField(**AMOUNT)
    approvers = UserIdsField()
    default_restocking_fee_percent = serializers.DecimalField(**PERCENT, default=Decimal("10"))
    auto_create_credit_note = serializers.BooleanField(default=True)
    require_inspection = serializers.BooleanField(default=True)


class TaxSection(serializers.Serializer):
    default_tax_rate = serializers.DecimalField(**PERCENT, default=Decimal("15"))
    tax_included_in_price = serializers.BooleanField(default=False)
    calculate_tax_on_discount = serializers.BooleanField(default=True)
    round_tax_per_line = serializers.BooleanField(default=False)
    tax_rounding_method = serializers.ChoiceField(choices=TAX_ROUNDING, default="nearest")


class DocumentsSection(serializers.Serializer):
    quote_template = serializers.ChoiceField(choices=TEMPLATE, default="standard")
    order_template = serializers.ChoiceField(choices=TEMPLATE, default="standard")
    delivery_note_template = serializers.ChoiceField(choices=TEMPLATE, default="standard")
    invoice_template = serializers.ChoiceField(choices=TEMPLATE, default="standard")
    default_language = serializers.ChoiceField(choices=LANGUAGE, default="both")
    show_logo = serializers.BooleanField(default=True)
    show_terms_and_conditions = serializers.BooleanField(default=True)
    default_terms_and_conditions = serializers.CharField(max_length=5000, allow_blank=True,
                                                         default="")
    default_terms_and_conditions_ar = serializers.CharField(max_length=5000, allow_blank=True,
                                                            default="")


class SequenceConfig(serializers.Serializer):
    prefix = serializers.CharField(max_length=10, allow_blank=True)
    suffix = serializers.CharField(max_length=10, allow_blank=True, default="")
    padding = serializers.IntegerField(min_value=1, max_value=10, default=4)
    reset_period = serializers.ChoiceField(choices=ResetPeriod.choices, default=ResetPeriod.YEARLY)
    include_year = serializers.BooleanField(default=True)
    include_month = serializers.BooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        # A counter that restarts must put its period in the number, or numbers would repeat.
        period = attrs.get("reset_period", ResetPeriod.YEARLY)
        if period != ResetPeriod.NEVER and not attrs.get("include_year", True):
            raise serializers.ValidationError({"include_year": _(
                "A sequence that restarts every year or month must include the year.")})
        if period == ResetPeriod.MONTHLY and not attrs.get("include_month", False):
            raise serializers.ValidationError({"include_month": _(
                "A sequence that restarts every month must include the month.")})
        return attrs


SEQUENCE_PREFIXES = {
    DocumentType.QUOTE: "QT-",
    DocumentType.ORDER: "SO-",
    DocumentType.DELIVERY: "DN-",
    DocumentType.RETURN: "RMA-",
    DocumentType.INVOICE: "INV-",
    DocumentType.CREDIT_NOTE: "CN-",
    DocumentType.DOWN_PAYMENT: "DP-",
    DocumentType.SETTLEMENT: "CS-",
    DocumentType.CUSTOMER: "CUS-",
    DocumentType.CASE: "CASE-",
}
# Customer codes are not yearly documents: one running number.
NEVER_RESET = {DocumentType.CUSTOMER: {"padding": 5, "reset_period": ResetPeriod.NEVER,
                                       "include_year": False}}


def _sequence_field(document_type: DocumentType, prefix: str) -> SequenceConfig:
    return SequenceConfig(label=document_type.label, default={
        "prefix": prefix, "suffix": "", "padding": 4, "reset_period": ResetPeriod.YEARLY,
        "include_year": True, "include_month": False, **NEVER_RESET.get(document_type, {})})


# One nested config per numbered document type (business-rules §1 numbers eight;
# customer codes and case numbers use the same mechanism).
SequencesSection = type(
    "SequencesSection",
    (serializers.Serializer,),
    {document_type.value: _sequence_field(document_type, prefix)
     for document_type, prefix in SEQUENCE_PREFIXES.items()},
)

SECTIONS: dict[str, type[serializers.Serializer]] = {
    "general": GeneralSection,
    "quotes": QuotesSection,
    "orders": OrdersSection,
    "pricing": PricingSection,
    "discounts": DiscountsSection,
    "commissions": CommissionsSection,
    "delivery": DeliverySection,
    "returns": ReturnsSection,
    "tax": TaxSection,
    "documents": DocumentsSection,
    "sequences": SequencesSection,
}


# Labels of the settings fields, for the staff page and the OpenAPI schema.
FIELD_LABELS = {
    "default_currency": _("Default currency"),
    "default_payment_terms": _("Default payment terms"),
    "default_payment_terms_days": _("Default payment terms (days)"),
    "require_customer_on_quote": _("Require customer on quote"),
    "require_customer_on_order": _("Require customer on order"),
    "allow_negative_prices": _("Allow negative prices"),
    "rounding_method": _("Rounding method"),
    "rounding_precision": _("Rounding precision"),
    "default_validity_days": _("Default validity (days)"),
    "require_approval": _("Require approval"),
    "approval_threshold": _("Approval threshold"),
    "approvers": _("Approvers"),
    "send_reminder_before_expiry": _("Send reminder before expiry"),
    "reminder_days_before": _("Reminder (days before expiry)"),
    "allow_convert_to_order": _("Allow conversion to a sales order"),
    "allow_convert_to_invoice": _("Allow conversion to an invoice"),
    "allow_partial_delivery": _("Allow partial delivery"),
    "allow_partial_invoicing": _("Allow partial invoicing"),
    "auto_create_delivery_note": _("Create a delivery note on confirmation"),
    "require_delivery_before_invoice": _("Require delivery before invoice"),
    "allow_backorders": _("Allow backorders"),
    "default_price_list_id": _("Default price list"),
    "allow_price_override": _("Allow price override"),
    "require_price_override_reason": _("Require price override reason"),
    "show_cost_price": _("Show cost price"),
    "show_margin": _("Show margin"),
    "minimum_margin_percent": _("Minimum margin (%)"),
    "warn_below_minimum_margin": _("Warn below minimum margin"),
    "enforce_price_list": _("Enforce price list"),
    "max_line_discount_percent": _("Maximum line discount (%)"),
    "max_order_discount_percent": _("Maximum order discount (%)"),
    "require_discount_approval": _("Require discount approval"),
    "discount_approval_threshold": _("Discount approval threshold (%)"),
    "discount_approvers": _("Discount approvers"),
    "allow_coupon_codes": _("Allow coupon codes"),
    "allow_loyalty_redemption": _("Allow loyalty redemption"),
    "enabled": _("Enabled"),
    "default_plan_id": _("Default commission plan"),
    "calculate_on": _("Calculate on"),
    "auto_calculate": _("Calculate automatically"),
    "settlement_frequency": _("Settlement frequency"),
    "default_shipping_method": _("Default shipping method"),
    "default_carrier": _("Default carrier"),
    "track_deliveries": _("Track deliveries"),
    "require_delivery_confirmation": _("Require delivery confirmation"),
    "calculate_shipping_cost": _("Calculate shipping cost"),
    "free_shipping_threshold": _("Free shipping threshold"),
    "default_return_window_days": _("Default return window (days)"),
    "default_restocking_fee_percent": _("Default restocking fee (%)"),
    "auto_create_credit_note": _("Create the credit note automatically"),
    "require_inspection": _("Require inspection"),
    "default_tax_rate": _("Default tax rate (%)"),
    "tax_included_in_price": _("Tax included in price"),
    "calculate_tax_on_discount": _("Calculate tax on discount"),
    "round_tax_per_line": _("Round tax per line"),
    "tax_rounding_method": _("Tax rounding method"),
    "quote_template": _("Quote template"),
    "order_template": _("Order template"),
    "delivery_note_template": _("Delivery note template"),
    "invoice_template": _("Invoice template"),
    "default_language": _("Default language"),
    "show_logo": _("Show logo"),
    "show_terms_and_conditions": _("Show terms and conditions"),
    "default_terms_and_conditions": _("Default terms and conditions"),
    "default_terms_and_conditions_ar": _("Default terms and conditions (Arabic)"),
    "prefix": _("Prefix"),
    "suffix": _("Suffix"),
    "padding": _("Digits"),
    "reset_period": _("Reset period"),
    "include_year": _("Include year"),
    "include_month": _("Include month"),
}


def _apply_labels() -> None:
    for section in [*SECTIONS.values(), SequenceConfig]:
        for name, field in section._declared_fields.items():
            if name in FIELD_LABELS:
                # Serializers deep-copy declared fields from their init kwargs.
                field._kwargs["label"] = field.label = FIELD_LABELS[name]


_apply_labels()



def section_values(section: str, stored: dict) -> dict:
    """Typed values of a section: stored keys validated, defaults for the missing ones.

    Stored data was validated when written; validating it again on read also upgrades rows
    written before a field existed. A stored value that no longer validates (written by
    hand in the database, or by an older version) falls back to its default and is logged,
    so a bad value never makes the settings unreadable. Approver ids are not re-checked
    (a deactivated approver must not make the settings unreadable either).
    """
    stored = dict(stored or {})
    serializer = SECTIONS[section](data=stored, context={})
    if not serializer.is_valid():
        logger.warning("sales settings %s: invalid stored values %s fall back to defaults",
                       section, sorted(serializer.errors))
        for key in serializer.errors:
            stored.pop(key, None)
        serializer = SECTIONS[section](data=stored, context={})
        serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def to_namespace(values: dict) -> SimpleNamespace:
    return SimpleNamespace(**{key: to_namespace(value) if isinstance(value, dict) else value
                              for key, value in values.items()})
