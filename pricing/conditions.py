"""Pricing rule conditions: validate what is stored, match it against a priced line.

A condition is `{"field": ..., "operator": ..., "value": ..., "value2": ...}` (value2 only for
`between`). Fields: quantity and amount (the line's gross) are numbers; customer,
customer_group, territory and campaign are ids; date is an ISO date; day_of_week is 0 (Monday)
to 6. Stored values are JSON: numbers stay numbers (ints when whole), dates ISO strings.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import to_decimal

from .choices import ConditionField as Field
from .choices import ConditionOperator as Op

NUMBER_FIELDS = {Field.QUANTITY, Field.AMOUNT}
ID_FIELDS = {Field.CUSTOMER, Field.CUSTOMER_GROUP, Field.TERRITORY, Field.CAMPAIGN}
ORDERED_OPERATORS = {Op.GREATER_THAN, Op.LESS_THAN, Op.BETWEEN}
LIST_OPERATORS = {Op.IN, Op.NOT_IN}
# A missing value (no customer, no campaign) satisfies only the negative operators.
NEGATIVE_OPERATORS = {Op.NOT_EQUALS, Op.NOT_IN}


def _clean_value(field: str, raw: Any) -> Any:
    """The JSON form of one value of `field`; ValueError with a message when it is wrong."""
    if field in NUMBER_FIELDS:
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
            raise ValueError(_("Enter a number."))
        try:
            number = to_decimal(raw)
        except (InvalidOperation, ValueError) as error:
            raise ValueError(_("Enter a number.")) from error
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if field in ID_FIELDS:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(_("Enter an id."))
        try:
            value = int(raw)
        except (TypeError, ValueError) as error:
            raise ValueError(_("Enter an id.")) from error
        if value < 1:
            raise ValueError(_("Enter an id."))
        return value
    if field == Field.DATE:
        try:
            return datetime.date.fromisoformat(str(raw)).isoformat()
        except ValueError as error:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from error
    # day_of_week
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValueError(_("Enter a day from 0 (Monday) to 6 (Sunday)."))
    try:
        day = int(raw)
    except ValueError as error:
        raise ValueError(_("Enter a day from 0 (Monday) to 6 (Sunday).")) from error
    if not 0 <= day <= 6:
        raise ValueError(_("Enter a day from 0 (Monday) to 6 (Sunday)."))
    return day


def conditions_validate(conditions: Any) -> list[dict]:
    """The conditions cleaned for storing; ValidationError keyed `conditions.<i>.<key>`.

    Ordering operators (greater_than, less_than, between) need an ordered field (quantity,
    amount, date, day_of_week); `in`/`not_in` need a non-empty list; `between` needs value2
    not below value.
    """
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": _("Expected a list of conditions.")})
    errors: dict[str, Any] = {}
    cleaned: list[dict] = []
    for index, condition in enumerate(conditions):
        prefix = f"conditions.{index}"
        if not isinstance(condition, dict):
            errors[prefix] = _("Expected an object with field, operator and value.")
            continue
        unknown = set(condition) - {"field", "operator", "value", "value2"}
        for key in sorted(unknown):
            errors[f"{prefix}.{key}"] = _("Unknown key.")
        field, operator = condition.get("field"), condition.get("operator")
        if field not in Field.values:
            errors[f"{prefix}.field"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(Field.values)}
        if operator not in Op.values:
            errors[f"{prefix}.operator"] = _("Choose one of: %(choices)s.") % {
                "choices": ", ".join(Op.values)}
        if field not in Field.values or operator not in Op.values:
            continue
        if operator in ORDERED_OPERATORS and field in ID_FIELDS:
            errors[f"{prefix}.operator"] = _(
                "Ids can only be compared with equals, not equals, in or not in.")
            continue
        item: dict[str, Any] = {"field": field, "operator": operator}
        raw = condition.get("value")
        try:
            if operator in LIST_OPERATORS:
                if not isinstance(raw, list) or not raw:
                    raise ValueError(_("Enter a non-empty list of values."))
                item["value"] = [_clean_value(field, value) for value in raw]
            else:
                item["value"] = _clean_given(field, raw, missing=_("Enter a value."))
        except ValueError as error:
            errors[f"{prefix}.value"] = error.args[0]
            continue
        if operator == Op.BETWEEN:
            try:
                item["value2"] = _clean_given(field, condition.get("value2"),
                                              missing=_("Enter the upper bound."))
            except ValueError as error:
                errors[f"{prefix}.value2"] = error.args[0]
                continue
            if _ordered(field, item["value2"]) < _ordered(field, item["value"]):
                errors[f"{prefix}.value2"] = _("The upper bound is below the lower bound.")
                continue
        elif condition.get("value2") not in (None, ""):
            errors[f"{prefix}.value2"] = _("Only the between operator takes a second value.")
            continue
        cleaned.append(item)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_given(field: str, raw: Any, *, missing) -> Any:
    """One value cleaned for the field; None or "" is refused with the `missing` message."""
    if raw is None or raw == "":
        raise ValueError(missing)
    return _clean_value(field, raw)


def _ordered(field: str, value: Any) -> Any:
    """A comparable form of a stored value (Decimal for numbers, date for dates)."""
    if field in NUMBER_FIELDS:
        return to_decimal(value)
    if field == Field.DATE:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return value


def condition_holds(condition: dict, context: dict[str, Any]) -> bool:
    """Whether one stored condition holds for the line described by `context`.

    `context` maps each field name to the line's value (None when unknown, e.g. no customer).
    """
    field, operator = condition["field"], condition["operator"]
    actual = context.get(field)
    if actual is None:
        return operator in NEGATIVE_OPERATORS
    actual = _ordered(field, actual)
    if operator in LIST_OPERATORS:
        values = {_ordered(field, value) for value in condition["value"]}
        return (actual in values) == (operator == Op.IN)
    value = _ordered(field, condition["value"])
    if operator == Op.EQUALS:
        return actual == value
    if operator == Op.NOT_EQUALS:
        return actual != value
    if operator == Op.GREATER_THAN:
        return actual > value
    if operator == Op.LESS_THAN:
        return actual < value
    return value <= actual <= _ordered(field, condition["value2"])


def conditions_match(conditions: list[dict], *, match_all: bool,
                     context: dict[str, Any]) -> bool:
    """All (or any) conditions hold; no conditions always match."""
    if not conditions:
        return True
    results = (condition_holds(condition, context) for condition in conditions)
    return all(results) if match_all else any(results)
