"""Amounts read the same in both languages: Western digits, comma thousands, point decimals."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from core.templatetags.staff import cell, quantity


@pytest.mark.parametrize("language", ["en", "ar"])
def test_amounts_are_grouped_in_both_languages(language):
    with translation.override(language):
        assert cell(Decimal("1234567.5")) == "1,234,567.50"
        assert cell(Decimal("0")) == "0.00"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_quantities_drop_trailing_zeros_and_never_show_an_exponent(language):
    with translation.override(language):
        assert [quantity(Decimal(value)) for value in (
            "100.0000", "2.5000", "1250", "0.0000", "0.1250")] == [
            "100", "2.5", "1,250", "0", "0.125"]
        assert quantity(None) == "—"


def test_arabic_forms_parse_a_decimal_point():
    """A number field sends "1234.50" whatever the page language; it must not become 123450."""

    class AmountForm(forms.Form):
        amount = forms.DecimalField(localize=True)

    with translation.override("ar"):
        form = AmountForm({"amount": "1234.50"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount"] == Decimal("1234.50")


def test_arabic_dates_keep_django_arabic_format():
    import datetime

    with translation.override("ar"):
        assert cell(datetime.date(2026, 11, 21)) == "21\u200f/11\u200f/2026"
