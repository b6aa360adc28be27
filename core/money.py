"""The one rounding rule for money (architecture §5.9): Decimal, half-up, currency precision."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies firms use here; SAR has 100 halalas.
CURRENCY_PRECISION = {"SAR": 2, "USD": 2, "EUR": 2, "AED": 2, "KWD": 3, "BHD": 3, "OMR": 3}
RATE_PLACES = 4


def to_decimal(value: Decimal | int | str | float) -> Decimal:
    """Decimal from any input; floats go through str(), so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def round_money(value: Decimal | int | str, *, currency: str = "SAR") -> Decimal:
    """Round half-up to the currency's minor unit (2 places unless the currency says otherwise)."""
    places = CURRENCY_PRECISION.get(currency, 2)
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_rate(value: Decimal | int | str) -> Decimal:
    """Rates and percentages keep 4 places."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUND_HALF_UP)


def quantity_text(value: Decimal) -> str:
    """2, 2.5, 0.125, 10: a quantity without the trailing zeros of its four stored places and
    never in exponent form (Decimal("10.0000").normalize() would print 1E+1)."""
    return format(value.normalize(), "f")
