"""Staff forms of the invoice and credit note pages. They parse input only: the views hand the
cleaned data to sales.invoicing.services, which checks quantities and amounts under locks and
saves (architecture §5.1). A quantity or amount the service refuses comes back beside its field."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import QUANTITY
from core.forms import DATE, DirectionsMixin, ReasonForm, StaffModelForm
from core.models import User
from core.scoping import scope_for
from sales.common.choices import PaymentMethod
from sales.invoicing.choices import INVOICE_MONEY_STATUSES
from sales.invoicing.models import CreditNote, Invoice
from sales.invoicing.services import ORDER_INVOICABLE_STATUSES, credit_note_refundable
from sales.orders.models import SalesOrder

LINE_QUANTITY = {**QUANTITY, "min_value": Decimal("0"), "required": False}


def line_field(line_pk: int) -> str:
    return f"line_{line_pk}"


def _text(rows: int = 2, *, rtl: bool = False) -> forms.Textarea:
    attrs = {"rows": rows}
    if rtl:
        attrs["dir"] = "rtl"
    return forms.Textarea(attrs=attrs)


class InvoiceCreateForm(StaffModelForm):
    """A draft invoice of everything a confirmed order still has to invoice (the order's
    page has the form that chooses quantities)."""

    order = forms.ModelChoiceField(label=_("Sales order"), queryset=SalesOrder.objects.none())
    delivered_only = forms.BooleanField(label=_("Delivered quantities only"), required=False)
    field_order = ["order", "delivered_only", "notes", "notes_ar"]

    class Meta:
        model = Invoice
        fields = ["notes", "notes_ar"]
        widgets = {"notes": _text(), "notes_ar": _text(rtl=True)}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["order"].queryset = scope_for(SalesOrder.objects.all(), user=user).filter(
            status__in=ORDER_INVOICABLE_STATUSES).select_related("customer").order_by("-pk")
        self.fields["order"].label_from_instance = (
            lambda order: f"{order.number} · {order.customer_name or order.customer.name}")


class LineQuantitiesForm(DirectionsMixin, forms.Form):
    """A quantity to take from each line of another document (an order's lines to invoice, an
    invoice's to credit): one field per row of `rows` (a dict with the `line`), left empty
    for a line not taken. The service checks the quantities again under its locks."""

    line_key: str  # how the service names a chosen row's line
    quantity_label: Any  # the quantity column's heading and its fields' labels
    nothing_chosen: Any  # the error when no line is given a quantity

    def __init__(self, *args, rows: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            field = forms.DecimalField(label=row["line"].description, **LINE_QUANTITY,
                                       **self.quantity_options(row))
            field.widget.attrs.update({"step": "any", "class": "text-end"})
            self.fields[line_field(row["line"].pk)] = field

    def quantity_options(self, row: dict) -> dict:
        """The initial value or bounds of a row's quantity field."""
        return {}

    def line_fields(self) -> list[tuple[dict, forms.BoundField]]:
        return [(row, self[line_field(row["line"].pk)]) for row in self.rows]

    def texts(self) -> list[forms.BoundField]:
        """The texts under the lines (notes, a reason), in English and Arabic."""
        return [field for field in self.visible_fields()
                if isinstance(field.field.widget, forms.Textarea)]

    def chosen(self) -> list[dict]:
        """`[{<line_key>, quantity}]` for the lines given a quantity above 0."""
        return [{self.line_key: row["line"].pk, "quantity": value}
                for row in self.rows
                if (value := self.cleaned_data.get(line_field(row["line"].pk)))]

    def chosen_fields(self, chosen: list[dict]) -> list[str]:
        """The field of each chosen row, in order: the service names them `lines.N`."""
        return [line_field(row[self.line_key]) for row in chosen]

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not self.chosen():
            raise forms.ValidationError(self.nothing_chosen)
        return data


class InvoiceFromOrderForm(LineQuantitiesForm):
    """A quantity per order line (default: what remains to invoice) and delivered-only."""

    line_key = "order_line_id"
    quantity_label = _("Quantity to invoice")
    nothing_chosen = _("Give a quantity for at least one line.")

    delivered_only = forms.BooleanField(label=_("Delivered quantities only"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=_text())
    notes_ar = forms.CharField(label=_("Arabic notes"), required=False, max_length=5000,
                               widget=_text(rtl=True))

    def __init__(self, *args, rows: list[dict], delivered_only: bool, forced: bool,
                 **kwargs) -> None:
        super().__init__(*args, rows=rows, **kwargs)
        self.fields["delivered_only"].initial = delivered_only or forced
        if forced:
            # The firm invoices delivered quantities only (orders.requireDeliveryBeforeInvoice).
            self.fields["delivered_only"].disabled = True
            self.fields["delivered_only"].help_text = _("The firm invoices delivered "
                                                        "quantities only.")

    def quantity_options(self, row: dict) -> dict:
        # Without trailing zeros and never as an exponent (100, not 1E+2).
        remaining = row["remaining"]
        return {"initial": remaining.quantize(Decimal(1)) if remaining == remaining.to_integral()
                else remaining.normalize()}


class RecordPaymentForm(DirectionsMixin, forms.Form):
    """Money received on a posted invoice; the amount proposed is its amount due."""

    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))
    payment_date = forms.DateField(label=_("Payment date"), required=False, widget=DATE,
                                   help_text=_("Today when left empty."))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=_text())

    def __init__(self, *args, invoice: Invoice, **kwargs) -> None:
        kwargs.setdefault("prefix", "payment")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["amount"].initial = invoice.amount_due


class RefundForm(DirectionsMixin, forms.Form):
    """Money paid back against a posted credit note (the credit note's "refund" action); the
    amount proposed is what is refundable now. Its fields are refund_record's arguments."""

    takes_document = True
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))
    date = forms.DateField(label=_("Refund date"), required=False, widget=DATE,
                           help_text=_("Today when left empty."))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=_text())

    def __init__(self, *args, document: CreditNote, user: User | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["amount"].initial = credit_note_refundable(credit_note=document)


class VoidReasonForm(DirectionsMixin, ReasonForm):
    """Voiding a payment needs its reason."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True


class CreditNoteForm(LineQuantitiesForm):
    """A quantity to credit per invoice line (at most what is left uncredited) and why."""

    line_key = "invoice_line_id"
    quantity_label = _("Quantity to credit")
    nothing_chosen = _("Give a quantity to credit on at least one line.")

    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none(),
                                     widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=_text())
    reason_ar = forms.CharField(label=_("Arabic reason"), max_length=5000, required=False,
                                widget=_text(rtl=True))

    def __init__(self, *args, user: User, invoice: Invoice, rows: list[dict],
                 **kwargs) -> None:
        super().__init__(*args, rows=rows, **kwargs)
        self.fields["invoice"].queryset = creditable_invoices(user)
        self.fields["invoice"].initial = invoice.pk

    def quantity_options(self, row: dict) -> dict:
        return {"max_value": row["left"]}


class InvoiceChoiceForm(forms.Form):
    """The first step of a credit note without an invoice in the link: which invoice."""

    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = creditable_invoices(user)
        self.fields["invoice"].label_from_instance = (
            lambda invoice: f"{invoice.number} · {invoice.customer_name} · {invoice.total}")


def creditable_invoices(user: User):
    """Posted invoices (paid or not) the user may reach: the ones a credit note can go on."""
    return scope_for(Invoice.objects.all(), user=user).filter(
        status__in=INVOICE_MONEY_STATUSES).order_by("-invoice_date", "-pk")

