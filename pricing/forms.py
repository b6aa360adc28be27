"""Staff forms of the pricing pages. They parse input only: the view saves the record through
one audited save that runs the model's full_clean (so the form and the API agree), or hands
the cleaned data to a pricing service.

Every form takes the logged-in `user`: references offer only rows of the user's firm.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, DirectionsMixin, StaffModelForm, firm_rows
from core.models import User
from crm.models import Customer

from .choices import ConditionField, ConditionOperator
from .models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup

RTL = {"dir": "rtl"}


class CodeUniqueMixin:
    """A code already used in the firm is an error on the code field (not above the form)."""

    def clean_code(self) -> str:
        code = self.cleaned_data.get("code", "")
        taken = self._meta.model._default_manager.filter(firm_id=self.user.firm_id, code=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if code and taken.exists():
            raise forms.ValidationError(_("This code is already used in your firm."))
        return code


class BrandForm(CodeUniqueMixin, StaffModelForm):
    class Meta:
        model = Brand
        fields = ["code", "name", "name_ar", "is_active"]
        widgets = {"name_ar": forms.TextInput(attrs=RTL)}


class ProductGroupForm(CodeUniqueMixin, StaffModelForm):
    class Meta:
        model = ProductGroup
        fields = ["code", "name", "name_ar", "parent", "is_active"]
        widgets = {"name_ar": forms.TextInput(attrs=RTL)}


class ProductForm(CodeUniqueMixin, StaffModelForm):
    fieldsets = [
        (_("Product"), ["code", "name", "name_ar", "group", "brand", "unit", "is_active"]),
        (_("Prices"), ["standard_price", "cost_price", "tax_rate"]),
        (_("Description"), ["description", "description_ar"]),
    ]

    class Meta:
        model = Product
        fields = ["code", "name", "name_ar", "description", "description_ar", "group", "brand",
                  "unit", "standard_price", "cost_price", "tax_rate", "is_active"]
        widgets = {"name_ar": forms.TextInput(attrs=RTL),
                   "description": forms.Textarea(attrs={"rows": 3}),
                   "description_ar": forms.Textarea(attrs={"rows": 3, **RTL})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["tax_rate"].help_text = _("Left empty, the firm's VAT rate is used.")


class PriceListForm(CodeUniqueMixin, StaffModelForm):
    fieldsets = [
        (_("Price list"), ["code", "name", "name_ar", "type", "currency", "priority",
                           "is_default", "is_active", "valid_from", "valid_to"]),
        (_("Prices"), ["based_on", "markup_percent", "discount_percent", "rounding_method",
                       "rounding_precision"]),
        (_("Only for"), ["customers", "customer_groups", "territories"]),
        (_("Description"), ["description", "description_ar"]),
    ]

    class Meta:
        model = PriceList
        fields = ["code", "name", "name_ar", "description", "description_ar", "type",
                  "currency", "is_default", "is_active", "valid_from", "valid_to", "based_on",
                  "discount_percent", "markup_percent", "rounding_method",
                  "rounding_precision", "customers", "customer_groups", "territories",
                  "priority"]
        widgets = {"name_ar": forms.TextInput(attrs=RTL),
                   "description": forms.Textarea(attrs={"rows": 2}),
                   "description_ar": forms.Textarea(attrs={"rows": 2, **RTL})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("customers", "customer_groups", "territories"):
            field = self.fields[name]
            field.queryset = firm_rows(field.queryset.model._default_manager.all(), user)
            field.widget.attrs["size"] = 5
        if self.instance.pk:
            self.fields["based_on"].queryset = self.fields["based_on"].queryset.exclude(
                pk=self.instance.pk)


class PriceListItemForm(forms.ModelForm):
    """One item of a price list, added or edited in place on the list's page."""

    class Meta:
        model = PriceListItem
        fields = ["product", "price", "min_quantity", "max_quantity", "valid_from",
                  "valid_to", "discount_percent"]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["product"].queryset = Product.objects.filter(
            firm_id=user.firm_id).order_by("code")

    def _post_clean(self) -> None:
        pass  # the view's audited save runs full_clean and shows its errors here


class ItemsImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"), help_text=_(
        "Columns: productCode, price, and optionally minQuantity, maxQuantity, validFrom, "
        "validTo, discountPercent."))
    dry_run = forms.BooleanField(label=_("Only check, save nothing"), required=False,
                                 initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class DuplicateForm(forms.Form):
    code = forms.CharField(label=_("New code"), max_length=30, required=False)
    name = forms.CharField(label=_("New name"), max_length=150, required=False)


# --- pricing rules ------------------------------------------------------------------------

RULE_M2M = ["products", "product_groups", "brands", "applicable_customers",
            "applicable_customer_groups", "applicable_territories", "applicable_price_lists",
            "exclude_products", "exclude_product_groups", "exclude_customers"]


class PricingRuleForm(CodeUniqueMixin, StaffModelForm):
    fieldsets = [
        (_("Rule"), ["code", "name", "name_ar", "type", "priority", "is_active", "valid_from",
                     "valid_to", "can_stack", "compound"]),
        (_("Applies to"), ["apply_on", "products", "product_groups", "brands"]),
        (_("Discount"), ["discount_type", "discount_value", "max_discount_amount"]),
        (_("Thresholds"), ["min_quantity", "max_quantity", "min_amount", "max_amount",
                           "match_all_conditions"]),
        (_("Only for"), ["applicable_customers", "applicable_customer_groups",
                         "applicable_territories", "applicable_price_lists"]),
        (_("Except"), ["exclude_products", "exclude_product_groups", "exclude_customers"]),
        (_("Usage and promotion code"), ["usage_limit", "usage_limit_per_customer",
                                         "promotion_code", "requires_promo_code"]),
        (_("Buy X get Y"), ["reward_type", "buy_quantity", "reward_product",
                            "reward_quantity", "reward_discount"]),
        (_("Description"), ["description", "description_ar", "notes"]),
    ]

    class Meta:
        model = PricingRule
        fields = ["code", "name", "name_ar", "description", "description_ar", "type",
                  "is_active", "priority", "apply_on", "products", "product_groups", "brands",
                  "match_all_conditions", "discount_type", "discount_value",
                  "max_discount_amount", "compound", "min_quantity", "max_quantity",
                  "min_amount", "max_amount", "valid_from", "valid_to",
                  "applicable_customers", "applicable_customer_groups",
                  "applicable_territories", "applicable_price_lists", "exclude_products",
                  "exclude_product_groups", "exclude_customers", "usage_limit",
                  "usage_limit_per_customer", "can_stack", "promotion_code",
                  "requires_promo_code", "reward_type", "buy_quantity", "reward_product",
                  "reward_quantity", "reward_discount", "notes"]
        widgets = {"name_ar": forms.TextInput(attrs=RTL),
                   "description": forms.Textarea(attrs={"rows": 2}),
                   "description_ar": forms.Textarea(attrs={"rows": 2, **RTL}),
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in RULE_M2M:
            field = self.fields[name]
            field.queryset = firm_rows(field.queryset.model._default_manager.all(), user)
            field.widget.attrs["size"] = 4


class ConditionForm(DirectionsMixin, forms.Form):
    """One row of the conditions builder; `in`/`not in` take a comma list."""

    field = forms.ChoiceField(label=_("Field"), choices=ConditionField.choices)
    operator = forms.ChoiceField(label=_("Operator"), choices=ConditionOperator.choices)
    value = forms.CharField(label=_("Value"), max_length=500, help_text=_(
        "Ids for customers, groups, territories and campaigns; YYYY-MM-DD for dates; "
        "0 (Monday) to 6 for days; a comma list for \"is one of\"."))
    value2 = forms.CharField(label=_("Upper bound (between)"), max_length=100, required=False)

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)

    def condition(self) -> dict[str, Any]:
        """The row as pricing.conditions takes it."""
        data = self.cleaned_data
        value: Any = data["value"].strip()
        if data["operator"] in (ConditionOperator.IN, ConditionOperator.NOT_IN):
            value = [part.strip() for part in value.split(",") if part.strip()]
        condition = {"field": data["field"], "operator": data["operator"], "value": value}
        if data.get("value2", "").strip():
            condition["value2"] = data["value2"].strip()
        return condition


ConditionFormSet = formset_factory(ConditionForm, extra=1, can_delete=True)


def condition_initial(condition: dict) -> dict:
    value = condition.get("value")
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    value2 = condition.get("value2")
    return {"field": condition.get("field"), "operator": condition.get("operator"),
            "value": "" if value is None else str(value),
            "value2": "" if value2 is None else str(value2)}


# --- price check --------------------------------------------------------------------------


class PriceCheckForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(),
                                      required=False)
    price_list = forms.ModelChoiceField(label=_("Price list"),
                                        queryset=PriceList.objects.none(), required=False,
                                        help_text=_("Left empty, the list is chosen as for "
                                                    "an order."))
    promo_code = forms.CharField(label=_("Promotion code"), max_length=40, required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE,
                           help_text=_("Today when left empty."))

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(
            firm_id=user.firm_id).order_by("name")
        self.fields["price_list"].queryset = PriceList.objects.filter(
            firm_id=user.firm_id).order_by("name")


class PriceCheckLineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=4,
                                  min_value=Decimal("0.0001"), initial=1)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            firm_id=user.firm_id, is_active=True).order_by("code")


PriceCheckLineFormSet = formset_factory(PriceCheckLineForm, extra=3, can_delete=False,
                                        min_num=1, validate_min=True)
