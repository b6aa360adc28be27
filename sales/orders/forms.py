"""Staff forms of the sales order pages. They parse input only: the views hand the cleaned
data to sales.orders.services, which prices the lines (as quote lines are priced), checks
the references and saves. The line rows are the quote form's (same fields, same pricing)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StaffModelForm
from core.models import User
from core.scoping import scope_for
from crm.models import Campaign, Customer, CustomerAddress, CustomerContact, SalesPerson
from sales.orders.models import SalesOrder

TEXTS = ("delivery_instructions", "terms", "terms_ar", "notes", "notes_ar", "internal_notes")
# Left empty, these take the service's defaults (the customer's, the firm's).
DEFAULTED = ("sales_person", "payment_terms", "order_date")


class SalesOrderForm(StaffModelForm):
    fieldsets = [
        (_("Customer"), ["customer", "billing_address", "shipping_address", "contact",
                         "contact_name"]),
        (_("Order"), ["order_date", "sales_person", "campaign", "payment_terms", "price_list",
                      "promo_code"]),
        (_("Delivery"), ["expected_delivery_date", "requested_delivery_date",
                         "shipping_method", "delivery_instructions"]),
        (_("Discount and shipping"), ["discount_type", "discount_value", "shipping_cost"]),
        (_("Texts"), ["terms", "terms_ar", "notes", "notes_ar", "internal_notes"]),
    ]
    date_fields = ("order_date", "expected_delivery_date", "requested_delivery_date")

    class Meta:
        model = SalesOrder
        fields = ["customer", "billing_address", "shipping_address", "contact", "contact_name",
                  "order_date", "sales_person", "campaign", "payment_terms", "price_list",
                  "promo_code", "expected_delivery_date", "requested_delivery_date",
                  "shipping_method", "delivery_instructions", "discount_type",
                  "discount_value", "shipping_cost", "terms", "terms_ar", "notes", "notes_ar",
                  "internal_notes"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in TEXTS}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        # A sales person sells to their own customers, as the API allows.
        self.fields["customer"].queryset = scope_for(Customer.objects.all(),
                                                     user=user).order_by("name")
        firm = {"firm_id": user.firm_id}
        self.fields["billing_address"].queryset = CustomerAddress.objects.filter(
            **firm).select_related("customer")
        self.fields["shipping_address"].queryset = CustomerAddress.objects.filter(
            **firm).select_related("customer")
        for name in ("billing_address", "shipping_address"):
            self.fields[name].label_from_instance = (
                lambda address: f"{address.customer.name}: {address}")
            self.fields[name].help_text = _("Empty: the customer's default, copied when the "
                                            "order is confirmed.")
        self.fields["contact"].queryset = CustomerContact.objects.filter(
            **firm).select_related("customer")
        self.fields["contact"].label_from_instance = (
            lambda contact: f"{contact.customer.name}: {contact.name}")
        self.fields["sales_person"].queryset = SalesPerson.objects.filter(
            **firm).select_related("user")
        self.fields["sales_person"].help_text = _("Empty: the customer's owner.")
        self.fields["campaign"].queryset = Campaign.objects.filter(**firm).alive()
        self.fields["payment_terms"].help_text = _("Empty: the customer's.")
        for name in ("terms_ar", "notes_ar"):
            self.fields[name].widget.attrs["dir"] = "rtl"

    def changes(self) -> dict:
        changes = super().changes()
        if self.instance.pk is None:
            for name in DEFAULTED:
                if changes.get(name) in (None, ""):
                    changes.pop(name, None)
        return changes
