"""FilterSets of invoices and credit notes, shared by the API lists, the staff lists and CSV
export (architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet
from sales.invoicing.choices import CreditNoteStatus, InvoiceKind, InvoiceStatus
from sales.invoicing.models import CreditNote, Invoice
from sales.invoicing.services import invoice_overdue_filter


class InvoiceFilter(FilterSet):
    date_field = "invoice_date"
    search_fields = ["number", "customer_name", "customer_name_ar", "customer__name",
                     "order__number"]

    status = CommaChoiceFilter(choices=InvoiceStatus.choices, label=_("status"))
    kind = CommaChoiceFilter(choices=InvoiceKind.choices, label=_("kind"))
    customer_id = CommaNumberFilter(field_name="customer_id", label=_("customer"))
    order_id = CommaNumberFilter(field_name="order_id", label=_("sales order"))
    sales_person_id = CommaNumberFilter(field_name="sales_person_id", label=_("sales person"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        condition = invoice_overdue_filter()
        return queryset.filter(condition) if value else queryset.exclude(condition)


class CreditNoteFilter(FilterSet):
    date_field = "credit_date"
    search_fields = ["number", "customer_name", "customer_name_ar", "invoice__number"]

    status = CommaChoiceFilter(choices=CreditNoteStatus.choices, label=_("status"))
    customer_id = CommaNumberFilter(field_name="customer_id", label=_("customer"))
    invoice_id = CommaNumberFilter(field_name="invoice_id", label=_("invoice"))

    class Meta:
        model = CreditNote
        fields: list[str] = []
