"""FilterSets of the sales documents, shared by the API lists, the staff lists and CSV export
(architecture §5.3)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, FilterSet
from sales.common.filters import lower_bound, reference, upper_bound
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote


class QuoteFilter(FilterSet):
    date_field = "quote_date"
    search_fields = ["number", "customer__name", "customer__name_ar", "lead__company",
                     "lead__first_name", "lead__last_name", "contact_name"]

    status = CommaChoiceFilter(choices=QuoteStatus.choices, label=_("status"))
    customer = reference("customer_id", _("customer"))
    customer_id = reference("customer_id", _("customer"))
    lead = reference("lead_id", _("lead"))
    lead_id = reference("lead_id", _("lead"))
    owner = reference("owner_id", _("owner"))
    owner_id = reference("owner_id", _("owner"))
    sales_person_id = reference("sales_person_id", _("sales person"))
    total_min = lower_bound("total", _("minimum total"))
    total_max = upper_bound("total", _("maximum total"))
    valid_until_from = lower_bound("valid_until", _("valid until from"), django_filters.DateFilter)
    valid_until_to = upper_bound("valid_until", _("valid until to"), django_filters.DateFilter)
    needs_approval = django_filters.BooleanFilter(field_name="needs_approval",
                                                  label=_("needs approval"))

    class Meta:
        model = Quote
        fields: list[str] = []
