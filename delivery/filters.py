"""The delivery notes' FilterSet, shared by the API list, the staff list, the dispatch board
and CSV export (architecture §5.3)."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import CommaChoiceFilter, CommaNumberFilter, FilterSet
from core.services import firm_today

from .choices import DeliveryNoteStatus
from .models import DeliveryNote


class DeliveryNoteFilter(FilterSet):
    date_field = "delivery_date"
    search_fields = ["number", "order_number", "customer_name", "customer_name_ar",
                     "tracking_number", "driver_name"]

    status = CommaChoiceFilter(choices=DeliveryNoteStatus.choices, label=_("status"))
    customer_id = CommaNumberFilter(field_name="customer_id", label=_("customer"))
    sales_order_id = CommaNumberFilter(field_name="order_id", label=_("sales order"))
    driver_id = CommaNumberFilter(field_name="driver_id", label=_("driver"))
    carrier = django_filters.CharFilter(field_name="carrier", lookup_expr="iexact",
                                        label=_("carrier"))
    scheduled_from = django_filters.DateFilter(field_name="scheduled_date", lookup_expr="gte",
                                               label=_("scheduled from"))
    scheduled_to = django_filters.DateFilter(field_name="scheduled_date", lookup_expr="lte",
                                             label=_("scheduled until"))
    late = django_filters.BooleanFilter(method="filter_late", label=_("late"))

    class Meta:
        model = DeliveryNote
        fields: list[str] = []

    def filter_late(self, queryset, name, value):
        """In transit past the estimated date, by the firm's calendar (as the late job)."""
        user = getattr(self.request, "user", None)
        firm = getattr(user, "firm", None)
        today = firm_today(firm=firm) if firm is not None else timezone.localdate()
        late = {"status": DeliveryNoteStatus.IN_TRANSIT, "estimated_delivery_date__lt": today}
        return queryset.filter(**late) if value else queryset.exclude(**late)
