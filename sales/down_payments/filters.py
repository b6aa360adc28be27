"""The down payments' FilterSet, shared by the API list, the staff list and CSV export
(architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, FilterSet
from sales.common.filters import lower_bound, reference, upper_bound
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
    customer = reference("customer_id", _("customer"))
    customer_id = reference("customer_id", _("customer"))
    quote_id = reference("quote_id", _("quote"))
    sales_order_id = reference("sales_order_id", _("sales order"))
    invoice_id = reference("invoice_id", _("down payment invoice"))
    amount_min = lower_bound("amount", _("minimum amount"))
    amount_max = upper_bound("amount", _("maximum amount"))
    due_from = lower_bound("due_date", _("due from"), django_filters.DateFilter)
    due_to = upper_bound("due_date", _("due until"), django_filters.DateFilter)
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
