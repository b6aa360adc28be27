"""The sales order FilterSet, shared by the API list, the staff list and CSV export
(architecture §5.3)."""

from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, FilterSet
from sales.common.filters import lower_bound, reference, upper_bound
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder


class SalesOrderFilter(FilterSet):
    date_field = "order_date"
    search_fields = ["number", "customer_name", "customer__name", "customer__name_ar",
                     "quote_number"]

    status = CommaChoiceFilter(choices=SalesOrderStatus.choices, label=_("status"))
    customer_id = reference("customer_id", _("customer"))
    sales_person_id = reference("sales_person_id", _("sales person"))
    campaign_id = reference("campaign_id", _("campaign"))
    quote_id = reference("quote_id", _("quote"))
    total_min = lower_bound("total", _("minimum total"))
    total_max = upper_bound("total", _("maximum total"))

    class Meta:
        model = SalesOrder
        fields: list[str] = []
