"""The line formset quotes and sales orders share on their staff pages. Forms parse input
only: each view hands the cleaned data to a service, which prices the lines (resolver, totals
engine), validates and saves."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from core.forms import DirectionsMixin
from core.models import User
from pricing.models import Product
from sales.common.models import PricedDocument

LINE_FIELDS = ["product", "description", "quantity", "unit_price", "discount_percent",
               "discount_amount", "tax_rate", "taxable", "price_override_reason"]


class QuoteLineForm(DirectionsMixin, forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(),
                                     required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=4,
                                  min_value=Decimal("0.0001"), initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2,
                                    min_value=0, required=False,
                                    help_text=_("Empty: the price list's."))
    discount_percent = forms.DecimalField(label=_("Discount (%)"), max_digits=7,
                                          decimal_places=4, min_value=0, max_value=100,
                                          required=False)
    discount_amount = forms.DecimalField(label=_("Discount amount"), max_digits=14,
                                         decimal_places=2, min_value=0, required=False)
    tax_rate = forms.DecimalField(label=_("VAT (%)"), max_digits=7, decimal_places=4,
                                  min_value=0, max_value=100, required=False)
    taxable = forms.BooleanField(label=_("Taxable"), required=False, initial=True)
    price_override_reason = forms.CharField(label=_("Override reason"), max_length=300,
                                            required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            firm_id=user.firm_id, is_active=True).order_by("code")
        self.fields["product"].widget.attrs["data-price-trigger"] = "1"
        self.fields["quantity"].widget.attrs["data-price-trigger"] = "1"


QuoteLineFormSet = formset_factory(QuoteLineForm, extra=1, can_delete=True)


def line_rows(rows: list[dict]) -> list[dict]:
    """Formset rows as the service takes them: empty values are left to the service (the
    product's description, price and VAT; no discount)."""
    return [{name: value for name, value in row.items()
             if value is not None and value != "" and name != "id"} for row in rows]


def line_initial(document: PricedDocument) -> list[dict]:
    """A quote's or an order's own lines as the formset's rows (reward lines are the
    resolver's)."""
    return [{"product": line.product_id, "description": line.description,
             "quantity": line.quantity,
             # A product's price is resolved again on save unless it was set by hand.
             "unit_price": (None if line.product_id and "override" not in (
                 line.pricing_trace or {}) else line.unit_price),
             "discount_percent": line.discount_percent or None,
             "discount_amount": (line.discount_amount if line.discount_amount and
                                 not _rule_discount_only(line) else None),
             "tax_rate": line.tax_rate, "taxable": line.taxable,
             "price_override_reason": line.price_override_reason}
            for line in document.lines.filter(is_reward=False).order_by("position", "pk")]


def _rule_discount_only(line) -> bool:
    """The line's discount is the pricing rules' (recomputed on save), not one typed in."""
    trace = line.pricing_trace or {}
    return bool(trace) and "override" not in trace and str(
        trace.get("discount_amount", "")) != "" and Decimal(
        str(trace["discount_amount"])).quantize(Decimal("0.01")) == line.discount_amount
