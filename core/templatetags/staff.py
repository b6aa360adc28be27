import datetime
from decimal import Decimal

from django import forms, template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cell(value):
    """A value as staff read it: yes/no marks, local dates, grouped numbers, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        icon, label = ("check-circle-fill text-success", _("Yes")) if value else (
            "dash-circle text-secondary", _("No"))
        return format_html('<i class="bi bi-{}" aria-hidden="true"></i>'
                           '<span class="visually-hidden">{}</span>', icon, label)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return value


@register.filter
def quantity(value):
    """A quantity or a percentage as staff read it: 100, 2.5, 1,250 — no trailing zeros and
    never an exponent (Decimal.normalize would print 100 as 1E+2)."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    places = max(0, -value.normalize().as_tuple().exponent)
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def bootstrap(field):
    """Give a bound field's widget the Bootstrap class its type needs (and the error state)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
