"""The down payments' FilterSet, shared by the API list, the staff list and CSV export
(architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet
from sales.down_payments.choices import DownPaymentSource, DownPaymentStatus, DownPaymentType
from sales.down_payments.models import DownPayment


class DownPaymentFilter(FilterSet):
    date_field = "requested_date"
    search_fields = ["number", "customer_name", "customer_name_ar", "source_number"]

    status = CommaChoiceFilter(choices=DownPaymentStatus.choices, label=_("status"))
    type = django_filters.ChoiceFilter(choices=DownPaymentType.choices, label=_("type"))
    source_type = django_filters.ChoiceFilter(choices=DownPaymentSource.choices,
                                              method="filter_source_type",
                                              label=_("source"))
    customer = CommaNumberFilter(field_name="customer_id", label=_("customer"))
    customer_id = CommaNumberFilter(field_name="customer_id", label=_("customer"))
    quote_id = CommaNumberFilter(field_name="quote_id", label=_("quote"))
    sales_order_id = CommaNumberFilter(field_name="sales_order_id", label=_("sales order"))
    invoice_id = CommaNumberFilter(field_name="invoice_id", label=_("down payment invoice"))
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte",
                                             label=_("minimum amount"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte",
                                             label=_("maximum amount"))
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte",
                                         label=_("due from"))
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte",
                                       label=_("due until"))
    has_remaining = django_filters.BooleanFilter(method="filter_has_remaining",
                                                 label=_("money left to apply"))

    class Meta:
        model = DownPayment
        fields: list[str] = []

    def filter_source_type(self, queryset, name, value):
        if value == DownPaymentSource.QUOTE:
            return queryset.filter(quote__isnull=False)
        return queryset.filter(sales_order__isnull=False)

    def filter_has_remaining(self, queryset, name, value):
        return queryset.filter(remaining_amount__gt=0) if value else queryset.filter(
            remaining_amount=0)
