"""Filter declarations the sales documents' FilterSets share (architecture §5.3)."""

import django_filters

from core.filters import CommaNumberFilter


def reference(field: str, label) -> CommaNumberFilter:
    """`?customerId=1,2`: rows pointing at any of these ids."""
    return CommaNumberFilter(field_name=field, label=label)


def lower_bound(field: str, label, filter_class=django_filters.NumberFilter):
    """`?totalMin=100`, `?dueFrom=2025-01-01`: rows whose `field` is at least the value."""
    return filter_class(field_name=field, lookup_expr="gte", label=label)


def upper_bound(field: str, label, filter_class=django_filters.NumberFilter):
    """Rows whose `field` is at most the value."""
    return filter_class(field_name=field, lookup_expr="lte", label=label)
