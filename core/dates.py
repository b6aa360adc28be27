"""The dates the API and the list filters accept, and how dates are written (docs/api.md).

A day before 1900 is a typo (year 4 for 2024), never a sales document's date: refused with a
400 naming the field. Written dates always carry four year digits (`0004-01-01`, not
`4-01-01` as strftime("%Y") gives on Linux).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_DATE = datetime.date(1900, 1, 1)


def validate_date_range(value: datetime.date | datetime.datetime) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day < MIN_DATE:
        raise ValidationError(_("Enter a date from 1900 onwards."), code="min_date")


class DateFormField(forms.DateField):
    """The form field of every list filter's date (core.filters.FilterSet)."""

    default_validators = [validate_date_range]


def use_in_every_serializer() -> None:
    """Every DRF date and datetime field, declared or derived from a model in any app, runs the
    check (DRF's class-level `default_validators`; a field given explicit `validators=` must
    add validate_date_range itself)."""
    from rest_framework import serializers

    serializers.DateField.default_validators = [validate_date_range]
    serializers.DateTimeField.default_validators = [validate_date_range]


class IsoDateInput(forms.DateInput):
    """`<input type="date">` needs `YYYY-MM-DD` with four year digits."""

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return super().format_value(value)


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` needs `YYYY-MM-DDTHH:MM` with four year digits."""

    def format_value(self, value):
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None).isoformat(timespec="minutes")
        return super().format_value(value)
