"""Staff forms of the sales pages. They parse input only: each view hands the cleaned data to
a sales service, which prices the lines (resolver, totals engine), validates and saves."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.forms import DirectionsMixin, StaffModelForm
from core.models import User
from core.scoping import scope_for
from crm.models import Customer, Lead
from pricing.models import Product

from .models import Quote

LINE_FIELDS = ["product", "description", "quantity", "unit_price", "discount_percent",
               "discount_amount", "tax_rate", "taxable", "price_override_reason"]


class QuoteForm(StaffModelForm):
    fieldsets = [
        (_("Customer"), ["customer", "lead", "contact_name", "contact_email", "contact_phone",
                         "owner"]),
        (_("Quote"), ["quote_date", "valid_until", "probability", "price_list", "promo_code"]),
        (_("Discount and shipping"), ["discount_type", "discount_value", "shipping_cost"]),
        (_("Texts"), ["terms", "terms_ar", "notes", "notes_ar"]),
    ]

    class Meta:
        model = Quote
        fields = ["customer", "lead", "contact_name", "contact_email", "contact_phone", "owner",
                  "quote_date", "valid_until", "probability", "price_list", "promo_code",
                  "discount_type", "discount_value", "shipping_cost", "terms", "terms_ar",
                  "notes", "notes_ar"]
        widgets = {name: forms.Textarea(attrs={"rows": 2})
                   for name in ("terms", "terms_ar", "notes", "notes_ar")}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        # A sales person quotes their own customers and leads, as the API allows.
        self.fields["customer"].queryset = scope_for(Customer.objects.all(),
                                                     user=user).order_by("name")
        self.fields["lead"].queryset = scope_for(Lead.objects.all(), user=user).order_by(
            "-created_at")
        self.fields["lead"].label_from_instance = lambda lead: lead.display_name
        if user.role == Role.SALES_PERSON:
            del self.fields["owner"]
        else:
            self.fields["owner"].help_text = _("Left empty, you.")
        self.fields["price_list"].help_text = _("Left empty, the list is chosen as for an "
                                                "order.")
        for name in ("terms_ar", "notes_ar"):
            self.fields[name].widget.attrs["dir"] = "rtl"

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("customer") and not data.get("lead"):
            self.add_error("customer", _("Choose a customer or a lead."))
        return data

    def changes(self) -> dict:
        changes = super().changes()
        # Empty choices are the service's defaults (owner: the actor; terms: the firm's).
        for name in ("owner", "valid_until", "probability"):
            if changes.get(name) in (None, ""):
                changes.pop(name, None)
        return changes


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


def line_initial(quote: Quote) -> list[dict]:
    """A quote's own lines as the formset's rows (reward lines are the resolver's)."""
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
            for line in quote.lines.filter(is_reward=False).order_by("position", "pk")]


def _rule_discount_only(line) -> bool:
    """The line's discount is the pricing rules' (recomputed on save), not one typed in."""
    trace = line.pricing_trace or {}
    return bool(trace) and "override" not in trace and str(
        trace.get("discount_amount", "")) != "" and Decimal(
        str(trace["discount_amount"])).quantize(Decimal("0.01")) == line.discount_amount


class QuoteSendForm(forms.Form):
    to = forms.CharField(label=_("To"), required=False, max_length=1000, help_text=_(
        "E-mail addresses separated by commas; empty, the quote's contact."))
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[
        ("", _("The firm's document language")), ("en", _("English")), ("ar", _("Arabic")),
        ("both", _("English and Arabic"))])
    message = forms.CharField(label=_("Message"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))

    def recipients(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["to"].split(",") if part.strip()]
