"""FilterSet base shared by the API lists, the staff list pages and CSV export (architecture
§5.3)."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.dates import DateFormField

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def underscore(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def search_queryset(queryset: QuerySet, fields: list[str], text: str) -> QuerySet:
    """Rows where any of `fields` contains `text` (case-insensitive): API lists and pages."""
    text = text.strip()
    if not text or not fields:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    return queryset.filter(condition)


def searchable_fields(view) -> list[str]:
    """A list view's search fields: its own, else its FilterSet's (declared once there)."""
    return view.search_fields or getattr(view.filterset_class, "search_fields", [])


BOOLEANS = {"true": True, "1": True, "2": True, "false": False, "0": False, "3": False,
            "unknown": None, "": None}


class StrictBooleanSelect(forms.NullBooleanSelect):
    """The yes/no/any select of the staff filter forms, which also reads `true`/`false`/`1`/`0`
    (any case) from the API, and passes anything else on for the field to refuse."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str):
            return BOOLEANS.get(value.lower(), value)
        return value


class StrictBooleanField(forms.NullBooleanField):
    """`?isActive=abc` is a 400 naming the parameter, not silently "any"."""

    widget = StrictBooleanSelect

    def to_python(self, value):
        if isinstance(value, str):
            raise ValidationError(_("Enter true or false."), code="invalid")
        return super().to_python(value)


class CommaChoiceFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """`?status=draft,sent`: each value must be one of the choices."""


class CommaNumberFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """`?customerId=1,2`."""


def reference_filter(field: str, label, *, many: bool = False) -> CommaNumberFilter:
    """Rows whose reference `field` is one of the ids given; through a many-to-many (`many`)
    each row is listed once however many of its references match."""
    return CommaNumberFilter(field_name=field, label=label, distinct=many)


def reference_filters(field: str, label) -> tuple[CommaNumberFilter, CommaNumberFilter]:
    """A reference's two query names, bare and with its `Id` (`?owner=3` the staff pages send,
    `?ownerId=3,4` of docs/api.md): two filters on the same column."""
    return reference_filter(field, label), reference_filter(field, label)


class FilterSet(django_filters.FilterSet):
    """Accepts camelCase query names (`startDate`) for snake_case filters (`start_date`).

    Subclasses set `date_field` to the document's date to get `startDate`/`endDate`.
    """

    date_field: str | None = None

    start_date = django_filters.DateFilter(method="filter_start_date", label=_("From date"))
    end_date = django_filters.DateFilter(method="filter_end_date", label=_("To date"))

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            converted = QueryDict(mutable=True)
            for key, values in data.lists():
                converted.setlist(underscore(key), values)
            data = converted
        super().__init__(data, *args, **kwargs)
        for declared in self.filters.values():
            # Every date filter of every list refuses days before 1900 (core.dates).
            if isinstance(declared, django_filters.DateFilter):
                declared.field_class = DateFormField
            # A yes/no filter refuses a value it does not know instead of ignoring it.
            if isinstance(declared, django_filters.BooleanFilter):
                declared.field_class = StrictBooleanField
                declared.extra["widget"] = StrictBooleanSelect
        if not self.date_field:
            self.filters.pop("start_date", None)
            self.filters.pop("end_date", None)

    def _date_lookup(self) -> str:
        # A datetime column compares by the calendar day in the active time zone.
        field = self.queryset.model._meta.get_field(self.date_field)
        return f"{self.date_field}__date" if field.get_internal_type() == "DateTimeField" \
            else self.date_field

    def filter_start_date(self, queryset, name, value):
        return queryset.filter(**{f"{self._date_lookup()}__gte": value})

    def filter_end_date(self, queryset, name, value):
        return queryset.filter(**{f"{self._date_lookup()}__lte": value})


class ActiveFilterSet(FilterSet):
    """A list of rows that can be switched off: `?isActive=true|false`."""

    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))
