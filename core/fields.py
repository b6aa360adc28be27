"""Field helpers every app's models share, so money and percentages look the same everywhere."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 4}
RATE = {"max_digits": 7, "decimal_places": 4}


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """A non-negative amount with 2 places, 0 by default."""
    kwargs.setdefault("default", Decimal("0"))
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, **MONEY, **kwargs)


def percent_field(verbose_name, **kwargs) -> models.DecimalField:
    """A percentage 0–100 with 4 places, 0 by default."""
    kwargs.setdefault("default", Decimal("0"))
    kwargs.setdefault("validators", PERCENT)
    return models.DecimalField(verbose_name, **RATE, **kwargs)


def unique_per_firm(*fields: str, name: str, **kwargs) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["firm", *fields], name=name, **kwargs)
