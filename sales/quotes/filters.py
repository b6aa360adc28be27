"""FilterSets of the sales documents, shared by the API lists, the staff lists and CSV export
(architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote


def _reference(field: str, label) -> CommaNumberFilter:
    return CommaNumberFilter(field_name=field, label=label)


class QuoteFilter(FilterSet):
    date_field = "quote_date"
    search_fields = ["number", "customer__name", "customer__name_ar", "lead__company",
                     "lead__first_name", "lead__last_name", "contact_name"]

    status = CommaChoiceFilter(choices=QuoteStatus.choices, label=_("status"))
    customer = _reference("customer_id", _("customer"))
    customer_id = _reference("customer_id", _("customer"))
    lead = _reference("lead_id", _("lead"))
    lead_id = _reference("lead_id", _("lead"))
    owner = _reference("owner_id", _("owner"))
    owner_id = _reference("owner_id", _("owner"))
    sales_person_id = _reference("sales_person_id", _("sales person"))
    total_min = django_filters.NumberFilter(field_name="total", lookup_expr="gte",
                                            label=_("minimum total"))
    total_max = django_filters.NumberFilter(field_name="total", lookup_expr="lte",
                                            label=_("maximum total"))
    valid_until_from = django_filters.DateFilter(field_name="valid_until", lookup_expr="gte",
                                                 label=_("valid until from"))
    valid_until_to = django_filters.DateFilter(field_name="valid_until", lookup_expr="lte",
                                               label=_("valid until to"))
    needs_approval = django_filters.BooleanFilter(field_name="needs_approval",
                                                  label=_("needs approval"))

    class Meta:
        model = Quote
        fields: list[str] = []
