"""Staff forms of the quote pages. They parse input only: each view hands the cleaned data to
a quote service, which prices the lines (resolver, totals engine), validates and saves."""


from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.forms import StaffModelForm
from core.models import User
from core.scoping import scope_for
from crm.models import Customer, Lead
from sales.quotes.models import Quote


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
