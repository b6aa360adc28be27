"""Staff forms of the down payment pages. They parse input only: the views hand the cleaned
data to sales.down_payments.services, which computes, checks and saves."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StaffModelForm
from core.scoping import scope_for
from sales.common.choices import PaymentMethod
from sales.down_payments.choices import DownPaymentType
from sales.down_payments.models import DownPayment
from sales.down_payments.services import invoices_accepting_down_payments
from sales.invoicing.models import Invoice
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote

QUOTE_CLOSED = [QuoteStatus.CONVERTED, QuoteStatus.CANCELLED, QuoteStatus.ARCHIVED,
                QuoteStatus.REJECTED, QuoteStatus.EXPIRED]


class DownPaymentForm(StaffModelForm):
    fieldsets = [
        (_("Source"), ["quote", "sales_order"]),
        (_("Amount"), ["type", "percentage_value", "fixed_amount", "vat_rate"]),
        (_("Dates"), ["requested_date", "due_date"]),
        (_("Texts"), ["terms", "terms_ar", "notes", "notes_ar", "internal_notes"]),
    ]

    class Meta:
        model = DownPayment
        fields = ["quote", "sales_order", "type", "percentage_value", "fixed_amount",
                  "vat_rate", "requested_date", "due_date", "terms", "terms_ar", "notes",
                  "notes_ar", "internal_notes"]
        widgets = {name: forms.Textarea(attrs={"rows": 2})
                   for name in ("terms", "terms_ar", "notes", "notes_ar", "internal_notes")}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["quote"].queryset = scope_for(Quote.objects.all(), user=user).exclude(
            status__in=QUOTE_CLOSED).filter(customer__isnull=False).order_by("-pk")
        self.fields["sales_order"].queryset = scope_for(SalesOrder.objects.all(),
                                                        user=user).exclude(
            status=SalesOrderStatus.CANCELLED).order_by("-pk")
        self.fields["quote"].help_text = _("A quote or a sales order: one of them.")
        self.fields["vat_rate"].required = False
        self.fields["vat_rate"].help_text = _("Left empty, the firm's VAT rate.")
        self.fields["due_date"].required = False
        self.fields["due_date"].help_text = _("Left empty, the requested date.")
        self.fields["requested_date"].required = False
        if self.instance.pk is not None:
            # The source is chosen once.
            for name in ("quote", "sales_order"):
                self.fields[name].disabled = True
        for name in ("terms_ar", "notes_ar"):
            self.fields[name].widget.attrs["dir"] = "rtl"

    def clean(self) -> dict:
        data = super().clean()
        if self.instance.pk is None and bool(data.get("quote")) == bool(data.get("sales_order")):
            self.add_error("quote", _("Choose a quote or a sales order (one of them)."))
        if data.get("type") == DownPaymentType.PERCENTAGE and data.get(
                "percentage_value") is None:
            self.add_error("percentage_value", _("Give the percentage."))
        if data.get("type") == DownPaymentType.FIXED_AMOUNT and data.get("fixed_amount") is None:
            self.add_error("fixed_amount", _("Give the amount."))
        return data

    def changes(self) -> dict:
        changes = super().changes()
        for name in ("vat_rate", "due_date", "requested_date"):
            if changes.get(name) is None:
                changes.pop(name, None)
        return changes


class RecordPaymentForm(forms.Form):
    paid_date = forms.DateField(label=_("Paid on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class ApplyForm(forms.Form):
    """Apply to one of the invoices that can take the down payment."""

    takes_document = True
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))

    def __init__(self, *args, document: DownPayment, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        invoices = apply_invoices(down_payment=document, user=user)
        self.fields["invoice"].queryset = invoices
        self.fields["invoice"].label_from_instance = lambda invoice: _(
            "%(number)s · due %(due)s") % {"number": invoice.number, "due": invoice.amount_due}
        if not self.is_bound:
            self.fields["amount"].initial = document.remaining_amount


def apply_invoices(*, down_payment: DownPayment, user):
    """The invoices a down payment can be applied to: the customer's posted regular ones
    with an amount due, that the user may reach."""
    return invoices_accepting_down_payments(invoices=scope_for(
        Invoice.objects.all(), user=user).filter(customer_id=down_payment.customer_id)
    ).order_by("invoice_date", "pk")


class RefundForm(forms.Form):
    takes_document = True
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    refund_date = forms.DateField(label=_("Refund date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args, document: DownPayment, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["amount"].initial = document.remaining_amount
