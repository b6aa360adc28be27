"""business-rules §8's amount and VAT split, exactly (no database)."""

from decimal import Decimal

import pytest

from sales.down_payments.choices import DownPaymentType
from sales.down_payments.services import down_payment_amount, down_payment_vat_split

D = Decimal


@pytest.mark.parametrize(("amount", "rate", "excluding", "vat"), [
    ("1150", "15", "1000.00", "150.00"),
    ("1000", "15", "869.57", "130.43"),
    ("100", "15", "86.96", "13.04"),
    ("0.01", "15", "0.01", "0.00"),
    ("500", "0", "500.00", "0.00"),
    ("1050", "5", "1000.00", "50.00"),
    ("3600", "15", "3130.43", "469.57"),
])
def test_vat_split_is_exact_and_adds_up(amount, rate, excluding, vat):
    got = down_payment_vat_split(amount=D(amount), vat_rate=D(rate))
    assert got == (D(excluding), D(vat))
    assert got[0] + got[1] == D(amount)


@pytest.mark.parametrize(("kind", "total", "percentage", "fixed", "expected"), [
    (DownPaymentType.PERCENTAGE, "3600", "10", None, "360.00"),
    (DownPaymentType.PERCENTAGE, "2408", "33.3333", None, "802.67"),
    (DownPaymentType.PERCENTAGE, "100.01", "50", None, "50.01"),  # 50.005 rounds half up
    (DownPaymentType.PERCENTAGE, "3600", "100", None, "3600.00"),
    (DownPaymentType.FIXED_AMOUNT, "3600", None, "120", "120.00"),
])
def test_amount_from_percentage_or_fixed(kind, total, percentage, fixed, expected):
    assert down_payment_amount(
        type=kind, source_total=D(total),
        percentage_value=D(percentage) if percentage else None,
        fixed_amount=D(fixed) if fixed else None) == D(expected)
