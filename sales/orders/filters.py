"""The sales order FilterSet, shared by the API list, the staff list and CSV export
(architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder


def _reference(field: str, label) -> CommaNumberFilter:
    return CommaNumberFilter(field_name=field, label=label)


class SalesOrderFilter(FilterSet):
    date_field = "order_date"
    search_fields = ["number", "customer_name", "customer__name", "customer__name_ar",
                     "quote_number"]

    status = CommaChoiceFilter(choices=SalesOrderStatus.choices, label=_("status"))
    customer_id = _reference("customer_id", _("customer"))
    sales_person_id = _reference("sales_person_id", _("sales person"))
    campaign_id = _reference("campaign_id", _("campaign"))
    quote_id = _reference("quote_id", _("quote"))
    total_min = django_filters.NumberFilter(field_name="total", lookup_expr="gte",
                                            label=_("minimum total"))
    total_max = django_filters.NumberFilter(field_name="total", lookup_expr="lte",
                                            label=_("maximum total"))

    class Meta:
        model = SalesOrder
        fields: list[str] = []
