"""The totals engine, business-rules §2 (the worked example exactly, rounding, discounts, tax
included in prices, amounts in words, discount limits, margin warnings), and lines priced by the
price resolver, business-rules §10 (list price, rule discounts, the trace, reward lines,
hand-made price overrides)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core import services as core_services
from core.api.exceptions import exception_handler
from core.errors import ApplicationError
from sales.common.totals import (
    DiscountLimits,
    DocumentInput,
    LineInput,
    TaxSettings,
    amount_in_words_ar,
    amount_in_words_en,
    discount_limits_check,
    margin_warnings,
    totals_calculate,
)
from sales.quotes import services
from sales.quotes.models import Quote
from tests.crm.factories import make_customer, make_lead
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule

D = Decimal
DEFAULT = TaxSettings()


def example(**document) -> DocumentInput:
    """business-rules §2's example: A 2 × 1000 less 10 %, taxable 15 %; B 1 × 500 less 50, not
    taxable; 100 off the document; probability 60."""
    lines = [LineInput(quantity=D("2"), unit_price=D("1000"), discount_percent=D("10"),
                       tax_rate=D("15")),
             LineInput(quantity=D("1"), unit_price=D("500"), discount_amount=D("50"),
                       tax_rate=D("15"), taxable=False)]
    return DocumentInput(lines=lines, **{"discount_type": "amount", "discount_value": D("100"),
                                         "probability": D("60"), **document})


def one_line(price, *, quantity="1", rate="15", **document) -> DocumentInput:
    return DocumentInput(lines=[LineInput(quantity=D(quantity), unit_price=D(price),
                                          tax_rate=D(rate))], **document)


class TestWorkedExample:
    def test_default_spreads_the_discount_before_tax(self):
        totals = totals_calculate(document=example(), tax=DEFAULT)
        assert totals.subtotal == D("2250.00")
        assert totals.document_discount == D("100.00")
        assert totals.after_discount == D("2150.00")
        assert totals.tax_amount == D("258.00")
        assert totals.shipping == D("0.00")
        assert totals.total == D("2408.00")
        assert totals.weighted_value == D("1444.80")
        assert [(line.base, line.line_discount, line.line_total, line.line_tax)
                for line in totals.lines] == [
            (D("2000.00"), D("200.00"), D("1800.00"), D("258.00")),
            (D("500.00"), D("50.00"), D("450.00"), D("0.00"))]
        assert totals.total_in_words == "ألفان وأربعمائة وثمانية ريالات"
        assert totals.total_in_words_en == "Two thousand, four hundred and eight Saudi riyals"

    def test_without_tax_on_discount_is_spec_000(self):
        totals = totals_calculate(document=example(),
                                  tax=TaxSettings(calculate_tax_on_discount=False))
        assert (totals.subtotal, totals.after_discount) == (D("2250.00"), D("2150.00"))
        assert totals.tax_amount == D("270.00")
        assert totals.total == D("2420.00")
        assert totals.weighted_value == D("1452.00")
        assert totals.lines[0].line_tax == D("270.00")

    def test_amounts_are_rounded_to_two_places(self):
        totals = totals_calculate(document=example(), tax=DEFAULT)
        for amount in (totals.subtotal, totals.tax_amount, totals.total, totals.weighted_value):
            assert amount.as_tuple().exponent == -2

    def test_no_probability_no_weighted_value(self):
        totals = totals_calculate(document=example(probability=None), tax=DEFAULT)
        assert totals.weighted_value is None


class TestRounding:
    # Two lines of 10.10 at 15 %: each tax is 1.515.
    document = DocumentInput(lines=[LineInput(quantity=D("1"), unit_price=D("10.10"),
                                              tax_rate=D("15"))] * 2)

    def test_rounded_once_by_default(self):
        totals = totals_calculate(document=self.document, tax=DEFAULT)
        assert totals.tax_amount == D("3.03")
        assert totals.total == D("23.23")
        # Each line shows its own rounded tax; the document's is the rounded sum.
        assert [line.line_tax for line in totals.lines] == [D("1.52"), D("1.52")]

    def test_rounded_per_line_differs_by_a_halala(self):
        totals = totals_calculate(document=self.document,
                                  tax=TaxSettings(round_tax_per_line=True))
        assert totals.tax_amount == D("3.04")
        assert totals.total == D("23.24")

    def test_half_up(self):
        # 0.10 × 15 % = 0.015 → 0.02 (half-up, not banker's 0.02/0.01)
        totals = totals_calculate(document=one_line("0.10"), tax=DEFAULT)
        assert totals.tax_amount == D("0.02")
        totals = totals_calculate(document=one_line("0.30", rate="5"), tax=DEFAULT)
        assert totals.tax_amount == D("0.02")  # 0.015

    def test_intermediate_values_unrounded(self):
        # 3 × 3.333 = 9.999 → subtotal 10.00; tax 1.49985 → 1.50; not 3 × 3.33 = 9.99.
        totals = totals_calculate(document=one_line("3.333", quantity="3"), tax=DEFAULT)
        assert totals.subtotal == D("10.00")
        assert totals.tax_amount == D("1.50")
        assert totals.total == D("11.50")

    def test_firm_tax_rounding_up_and_down(self):
        document = one_line("10.01")  # tax 1.5015
        assert totals_calculate(document=document, tax=TaxSettings(
            rounding_method="up")).tax_amount == D("1.51")
        assert totals_calculate(document=document, tax=TaxSettings(
            rounding_method="down")).tax_amount == D("1.50")
        assert totals_calculate(document=document, tax=DEFAULT).tax_amount == D("1.50")


class TestDiscounts:
    def test_percentage_document_discount(self):
        totals = totals_calculate(document=one_line("1000", discount_type="percentage",
                                                    discount_value=D("10")), tax=DEFAULT)
        assert (totals.subtotal, totals.document_discount, totals.after_discount) == (
            D("1000.00"), D("100.00"), D("900.00"))
        assert (totals.tax_amount, totals.total) == (D("135.00"), D("1035.00"))

    def test_document_discount_never_above_subtotal(self):
        totals = totals_calculate(document=one_line("500", discount_value=D("800"),
                                                    shipping_cost=D("20")), tax=DEFAULT)
        assert totals.document_discount == D("500.00")
        assert totals.after_discount == D("0.00")
        assert totals.tax_amount == D("0.00")
        assert totals.total == D("20.00")

    def test_percentage_above_hundred_is_capped(self):
        totals = totals_calculate(document=one_line("500", discount_type="percentage",
                                                    discount_value=D("150")), tax=DEFAULT)
        assert (totals.document_discount, totals.total) == (D("500.00"), D("0.00"))

    def test_line_discount_above_base_gives_zero(self):
        document = DocumentInput(lines=[
            LineInput(quantity=D("1"), unit_price=D("100"), discount_amount=D("150"),
                      tax_rate=D("15")),
            LineInput(quantity=D("1"), unit_price=D("200"), tax_rate=D("15"))])
        totals = totals_calculate(document=document, tax=DEFAULT)
        assert totals.lines[0].line_total == D("0.00")
        assert totals.lines[0].line_discount == D("100.00")  # what really came off
        assert totals.lines[0].line_tax == D("0.00")
        assert (totals.subtotal, totals.tax_amount, totals.total) == (
            D("200.00"), D("30.00"), D("230.00"))

    def test_a_line_has_one_kind_of_discount(self):
        with pytest.raises(ValueError):
            LineInput(quantity=D("1"), unit_price=D("1"), discount_percent=D("5"),
                      discount_amount=D("1"))

    def test_empty_document(self):
        totals = totals_calculate(document=DocumentInput(lines=[], discount_value=D("10")),
                                  tax=DEFAULT)
        assert (totals.subtotal, totals.document_discount, totals.total) == (
            D("0.00"), D("0.00"), D("0.00"))
        assert totals.total_in_words == "صفر ريال"


class TestShippingAndTaxIncluded:
    def test_shipping_is_added_untaxed(self):
        totals = totals_calculate(document=example(shipping_cost=D("35.50")), tax=DEFAULT)
        assert totals.shipping == D("35.50")
        assert totals.tax_amount == D("258.00")
        assert totals.total == D("2443.50")
        assert totals.weighted_value == D("1466.10")

    def test_price_including_vat_is_divided_first(self):
        included = TaxSettings(tax_included_in_price=True)
        totals = totals_calculate(document=one_line("115", quantity="2"), tax=included)
        assert (totals.subtotal, totals.tax_amount, totals.total) == (
            D("200.00"), D("30.00"), D("230.00"))
        assert totals.lines[0].base == D("200.00")

    def test_inclusive_price_gives_back_the_gross(self):
        # 100 including 15 %: net 86.9565…, tax 13.0434… → 86.96 + 13.04 = 100.00
        totals = totals_calculate(document=one_line("100"),
                                  tax=TaxSettings(tax_included_in_price=True))
        assert (totals.subtotal, totals.tax_amount, totals.total) == (
            D("86.96"), D("13.04"), D("100.00"))

    def test_inclusive_untaxed_line_and_fixed_line_discount(self):
        document = DocumentInput(lines=[
            LineInput(quantity=D("1"), unit_price=D("230"), discount_amount=D("23"),
                      tax_rate=D("15")),
            LineInput(quantity=D("1"), unit_price=D("50"), tax_rate=D("15"), taxable=False)])
        totals = totals_calculate(document=document, tax=TaxSettings(tax_included_in_price=True))
        # 230 gross → 200 net, 23 gross off → 20 net off; the untaxed line stays 50.
        assert [(line.base, line.line_discount, line.line_total) for line in totals.lines] == [
            (D("200.00"), D("20.00"), D("180.00")), (D("50.00"), D("0.00"), D("50.00"))]
        assert (totals.tax_amount, totals.total) == (D("27.00"), D("257.00"))


# Group numbers where the Arabic wording turns (core/arabic_words.py, rules 2–5).
EDGE_GROUPS = [0, 1, 2, 3, 8, 10, 11, 12, 19, 20, 21, 22, 99, 100, 101, 102, 103, 110, 111,
               112, 200, 201, 202, 210, 211, 300, 301, 999]


class TestWords:
    @pytest.mark.parametrize(("amount", "arabic", "english"), [
        ("2408.00", "ألفان وأربعمائة وثمانية ريالات",
         "Two thousand, four hundred and eight Saudi riyals"),
        ("1444.80", "ألف وأربعمائة وأربعة وأربعون ريالاً وثمانون هللة",
         "One thousand, four hundred and forty-four Saudi riyals and eighty halalas"),
        ("0", "صفر ريال", "Zero Saudi riyals"),
        ("1000000", "مليون ريال", "One million Saudi riyals"),
        ("1", "ريال واحد", "One Saudi riyal"),
        ("2", "ريالان", "Two Saudi riyals"),
        ("11.05", "أحد عشر ريالاً وخمس هللات", "Eleven Saudi riyals and five halalas"),
        ("0.01", "هللة واحدة", "One halala"),
        ("2.02", "ريالان وهللتان", "Two Saudi riyals and two halalas"),
        ("0.50", "خمسون هللة", "Fifty halalas"),
        ("103", "مائة وثلاثة ريالات", "One hundred and three Saudi riyals"),
    ])
    def test_amounts(self, amount, arabic, english):
        assert amount_in_words_ar(D(amount)) == arabic
        assert amount_in_words_en(D(amount)) == english

    def test_rounds_before_wording(self):
        assert amount_in_words_ar(D("1444.795")) == amount_in_words_ar(D("1444.80"))

    # Written from the grammar (core/arabic_words.py, rules 1–6), not from the function:
    # the noun after a number goes by its last two digits (1 and 2: the noun itself, ريال
    # واحد / ريالان; 3–10: plural; 11–99: accusative singular; round hundreds and scale words:
    # singular); a dual or مائتا directly before the noun it counts drops its ن, a scale word
    # in the accusative directly before the currency loses its tanween (أحد عشر ألف ريال, but
    # أحد عشر ألفاً وخمسمائة ريال); a group of 101 or 102 thousand is مائة ألف وألف(ان).
    @pytest.mark.parametrize(("amount", "arabic"), [
        ("0.50", "خمسون هللة"),
        ("1", "ريال واحد"),
        ("2", "ريالان"),
        ("3", "ثلاثة ريالات"),
        ("10", "عشرة ريالات"),
        ("11", "أحد عشر ريالاً"),
        ("12", "اثنا عشر ريالاً"),
        ("99", "تسعة وتسعون ريالاً"),
        ("100", "مائة ريال"),
        ("101", "مائة وريال واحد"),
        ("102", "مائة وريالان"),
        ("200", "مائتا ريال"),
        ("300", "ثلاثمائة ريال"),
        ("1000", "ألف ريال"),
        ("1001", "ألف وريال واحد"),
        ("1200", "ألف ومائتا ريال"),
        ("2000", "ألفا ريال"),
        ("2500", "ألفان وخمسمائة ريال"),
        ("3000", "ثلاثة آلاف ريال"),
        ("10000", "عشرة آلاف ريال"),
        ("11000", "أحد عشر ألف ريال"),
        ("11500", "أحد عشر ألفاً وخمسمائة ريال"),
        ("100000", "مائة ألف ريال"),
        ("101000", "مائة ألف وألف ريال"),
        ("102000", "مائة ألف وألفا ريال"),
        ("103000", "مائة وثلاثة آلاف ريال"),
        ("150000", "مائة وخمسون ألف ريال"),
        ("200000", "مائتا ألف ريال"),
        ("200500", "مائتا ألف وخمسمائة ريال"),
        ("201000", "مائتا ألف وألف ريال"),
        ("250000", "مائتان وخمسون ألف ريال"),
        ("401683.56", "أربعمائة ألف وألف وستمائة وثلاثة وثمانون ريالاً وست وخمسون هللة"),
        ("1000000", "مليون ريال"),
        ("2000000", "مليونا ريال"),
        ("2000500", "مليونان وخمسمائة ريال"),
        ("3000000", "ثلاثة ملايين ريال"),
        ("11000000", "أحد عشر مليون ريال"),
        ("11000001", "أحد عشر مليوناً وريال واحد"),
        ("1000000000", "مليار ريال"),
        ("2000000000", "مليارا ريال"),
        ("2000000001", "ملياران وريال واحد"),
        ("3000000000", "ثلاثة مليارات ريال"),
        ("11000000000", "أحد عشر مليار ريال"),
        ("15000000120", "خمسة عشر ملياراً ومائة وعشرون ريالاً"),
        ("999999999999.99", "تسعمائة وتسعة وتسعون ملياراً وتسعمائة وتسعة وتسعون مليوناً "
                            "وتسعمائة وتسعة وتسعون ألفاً وتسعمائة وتسعة وتسعون ريالاً "
                            "وتسع وتسعون هللة"),
        # Halalas are feminine: 3–10 and 13–19 without ة, إحدى / اثنتا / اثنتان.
        ("0.03", "ثلاث هللات"),
        ("0.08", "ثماني هللات"),
        ("0.10", "عشر هللات"),
        ("0.11", "إحدى عشرة هللة"),
        ("0.12", "اثنتا عشرة هللة"),
        ("0.18", "ثماني عشرة هللة"),
        ("0.21", "إحدى وعشرون هللة"),
        ("0.22", "اثنتان وعشرون هللة"),
        ("0.99", "تسع وتسعون هللة"),
    ])
    def test_grammar_table(self, amount, arabic):
        assert amount_in_words_ar(D(amount)) == arabic

    @settings(max_examples=1000, deadline=None)
    @given(halalas=st.one_of(
        st.integers(min_value=0, max_value=99_999_999_999_999),
        # Groups where the wording turns: 1 and 2, 3–10, 11–99, round and 101/102 hundreds.
        st.builds(lambda groups, minor: int("".join(f"{g:03}" for g in groups)) * 100 + minor,
                  st.lists(st.sampled_from(EDGE_GROUPS), min_size=4, max_size=4),
                  st.sampled_from([0, 1, 2, 3, 8, 10, 11, 12, 18, 21, 22, 99]))))
    def test_words_read_back_to_the_amount(self, halalas):
        """Every amount up to 999,999,999,999.99 reads back to itself (no group dropped,
        doubled as in «ألف ألف», or run together as in «مائة وألف»), its nouns take the form
        their count's last two digits ask, and it fits the 500 characters documents store."""
        amount = D(halalas) / 100
        words = amount_in_words_ar(amount)
        assert read_arabic_amount(words) == amount
        riyals, minor = divmod(halalas, 100)
        if riyals or not minor:
            assert _noun_form(words, "ريال") == _expected_form(riyals, "ريال"), words
        if minor:
            assert _noun_form(words, "هلل") == _expected_form(minor, "هلل"), words
        assert len(words) <= 500
        assert "  " not in words and "و " not in f" {words}"


def _noun_form(words: str, stem: str) -> str:
    """The currency noun in the words: ريال, ريالان, ريالات, ريالاً (هللة, هللتان, …)."""
    return next(word.removeprefix("و") for word in words.split()
                if word.removeprefix("و").startswith(stem))


def _expected_form(count: int, stem: str) -> str:
    """The form the last two digits of a count ask (rule 2): 3–10 plural, 11–99 accusative,
    the dual for two (ريالان, مائة وريالان), otherwise the singular."""
    last = count % 100
    singular, dual, plural, accusative = (("ريال", "ريالان", "ريالات", "ريالاً")
                                          if stem == "ريال" else
                                          ("هللة", "هللتان", "هللات", "هللة"))
    if 3 <= last <= 10:
        return plural
    if last >= 11:
        return accusative
    return dual if last == 2 else singular

    def test_other_currencies_say_the_number_and_the_code(self):
        assert amount_in_words_ar(D("401683.56"), currency="USD") == (
            "أربعمائة ألف وألف وستمائة وثلاثة وثمانون فاصلة ستة وخمسون USD")
        assert amount_in_words_ar(D("0.05"), currency="EUR") == "صفر فاصلة صفر خمسة EUR"
        assert amount_in_words_ar(D("1.234"), currency="KWD") == (
            "واحد فاصلة مائتان وأربعة وثلاثون KWD")
        assert amount_in_words_ar(D("2000"), currency="AED") == "ألفان AED"

    def test_no_arabic_words_beyond_what_a_document_holds(self):
        """A price preview may total more than the 14 digits a document stores; it gets no
        Arabic words rather than a crash (saving it is refused as out of range)."""
        assert amount_in_words_ar(D("1000000000000")) == ""
        assert amount_in_words_ar(D("1000000000000.00"), currency="USD") == ""
        totals = totals_calculate(document=DocumentInput(lines=[
            LineInput(quantity=D("9999999999"), unit_price=D("999999999999"))]),
            tax=TaxSettings())
        assert (totals.total_in_words, bool(totals.total_in_words_en)) == ("", True)


# The words of read_arabic_amount, by value; scale words multiply the group read before them.
_WORD_VALUES = {
    **dict.fromkeys(("واحد", "واحدة", "أحد", "إحدى"), 1),
    **dict.fromkeys(("اثنان", "اثنتان", "اثنا", "اثنتا"), 2),
    **dict.fromkeys(("ثلاثة", "ثلاث"), 3), **dict.fromkeys(("أربعة", "أربع"), 4),
    **dict.fromkeys(("خمسة", "خمس"), 5), **dict.fromkeys(("ستة", "ست"), 6),
    **dict.fromkeys(("سبعة", "سبع"), 7), **dict.fromkeys(("ثمانية", "ثمان", "ثماني"), 8),
    **dict.fromkeys(("تسعة", "تسع"), 9), **dict.fromkeys(("عشرة", "عشر"), 10),
    "عشرون": 20, "ثلاثون": 30, "أربعون": 40, "خمسون": 50, "ستون": 60, "سبعون": 70,
    "ثمانون": 80, "تسعون": 90, "مائة": 100, **dict.fromkeys(("مائتان", "مائتا"), 200),
    "ثلاثمائة": 300, "أربعمائة": 400, "خمسمائة": 500, "ستمائة": 600, "سبعمائة": 700,
    "ثمانمائة": 800, "تسعمائة": 900, "صفر": 0,
}
_SCALES = {
    **dict.fromkeys(("ألف", "آلاف", "ألفاً"), 10**3), **dict.fromkeys(("ألفان", "ألفا"), -10**3),
    **dict.fromkeys(("مليون", "ملايين", "مليوناً"), 10**6),
    **dict.fromkeys(("مليونان", "مليونا"), -10**6),
    **dict.fromkeys(("مليار", "مليارات", "ملياراً"), 10**9),
    **dict.fromkeys(("ملياران", "مليارا"), -10**9),
}
_UNITS = {**dict.fromkeys(("ريال", "ريالات", "ريالاً"), (1, 1)), "ريالان": (1, 2),
          **dict.fromkeys(("هللة", "هللات"), (D("0.01"), 1)), "هللتان": (D("0.01"), 2)}


def read_arabic_amount(words: str) -> Decimal:
    """The amount an Arabic phrase says, read as a reader would: numbers add up inside a
    group, a scale word multiplies its group (alone it is one of it, its dual two), a currency
    noun closes the riyals or the halalas read so far (its dual adds two, a واحد after it
    one)."""
    amount, total, group, previous, unit = D(0), 0, 0, None, D(1)
    tokens = words.split()
    for index, word in enumerate(tokens):
        joined = word not in _WORD_VALUES and word not in _SCALES and word not in _UNITS
        if joined:
            assert word.startswith("و"), word
            word = word[1:]
        assert word in _WORD_VALUES or word in _SCALES or word in _UNITS, word
        if word in _WORD_VALUES:
            value = _WORD_VALUES[word]
            if value == 10 and not joined and isinstance(previous, int) and 0 < previous < 10:
                group += 10  # the teens: ثلاثة عشر, إحدى عشرة
            elif value == 1 and not joined and previous == "noun":
                amount += unit  # ريال واحد, هللة واحدة
            else:
                group += value
            previous = value
        elif word in _SCALES:
            # و goes before a scale word only when it starts a group of its own (مائة ألف
            # وألف); otherwise the scale word multiplies the number read just before it.
            assert not group if joined else group or previous in (None, "scale"), words
            scale = _SCALES[word]
            total += 2 * -scale if scale < 0 else scale * (group or 1)
            group, previous = 0, "scale"
        else:
            unit, count = _UNITS[word]
            # A currency noun after و is itself the one or two that ends the number (مائة
            # وريال واحد, ألف وريالان); otherwise it follows the number it counts.
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            assert (count == 2 or following in ("واحد", "واحدة")) if joined else (
                group or total or previous in (None, "scale", 0)), words
            amount += unit * (total + group + (2 if count == 2 else 0))
            total, group, previous = 0, 0, "noun"
    return amount


def limited(*, percent=None, amount=None, document_percent=None, document_amount=None):
    line = LineInput(quantity=D("2"), unit_price=D("500"), tax_rate=D("15"),
                     discount_percent=D(percent or "0"), discount_amount=D(amount or "0"))
    other = LineInput(quantity=D("1"), unit_price=D("1000"), tax_rate=D("15"))
    if document_percent is not None:
        return DocumentInput(lines=[line, other], discount_type="percentage",
                             discount_value=D(document_percent))
    return DocumentInput(lines=[line, other], discount_value=D(document_amount or "0"))


class TestDiscountLimits:
    limits = DiscountLimits()  # line 20 %, order 15 %, no approval

    @pytest.mark.parametrize("document", [
        limited(percent="20"), limited(amount="200"), limited(document_percent="15"),
        limited(document_amount="300"), limited()])
    def test_at_the_limit_is_fine(self, document):
        review = discount_limits_check(document=document, limits=self.limits)
        assert review.needs_approval is False
        assert review.reasons == ()

    def test_line_percentage_above_limit_refused(self):
        with pytest.raises(ApplicationError) as refused:
            discount_limits_check(document=limited(percent="20.5"), limits=self.limits)
        assert refused.value.code == "discount_above_limit"
        assert refused.value.status_code == 400
        assert list(refused.value.details) == ["items.0.discount_percent"]
        assert str(refused.value.details["items.0.discount_percent"][0]) == (
            "The discount of 20.5% is above the 20% allowed.")

    def test_the_api_names_the_line_in_camel_case(self):
        with pytest.raises(ApplicationError) as refused:
            discount_limits_check(document=limited(amount="250", document_percent="16"),
                                  limits=self.limits)
        response = exception_handler(refused.value, {})
        assert response.status_code == 400
        error = response.data["error"]
        assert error["code"] == "discount_above_limit"
        assert sorted(error["details"]) == ["discountValue", "items.0.discountAmount"]
        assert error["details"]["items.0.discountAmount"] == [
            "The discount of 25% is above the 20% allowed."]

    def test_fixed_document_discount_measured_on_subtotal(self):
        with pytest.raises(ApplicationError) as refused:
            discount_limits_check(document=limited(document_amount="300.01"),
                                  limits=self.limits)
        assert list(refused.value.details) == ["discount_value"]

    def test_with_approval_nothing_is_refused_but_approval_is_needed(self):
        limits = DiscountLimits(require_discount_approval=True)
        review = discount_limits_check(document=limited(percent="30", document_percent="16"),
                                       limits=limits)
        assert review.needs_approval is True
        assert review.reasons == (
            {"field": "items.0.discount_percent", "discount_percent": "30",
             "limit_percent": "10"},
            {"field": "discount_value", "discount_percent": "16", "limit_percent": "10"})

    def test_with_approval_the_threshold_counts(self):
        limits = DiscountLimits(require_discount_approval=True)
        assert discount_limits_check(document=limited(percent="10"),
                                     limits=limits).needs_approval is False
        assert discount_limits_check(document=limited(percent="12"),
                                     limits=limits).needs_approval is True

    def test_from_settings_namespace(self):
        from core.sales_settings import DiscountsSection, to_namespace

        values = to_namespace(dict(DiscountsSection(data={}).run_validation({})))
        assert DiscountLimits.from_settings(values) == DiscountLimits()


class TestMarginWarnings:
    def document(self, cost, **document):
        return DocumentInput(lines=[
            LineInput(quantity=D("2"), unit_price=D("100"), tax_rate=D("15"),
                      cost_price=D(cost)),
            LineInput(quantity=D("1"), unit_price=D("50"), tax_rate=D("15"))], **document)

    def test_at_minimum_no_warning(self):
        assert margin_warnings(document=self.document("90"), tax=DEFAULT,
                               minimum_margin_percent=D("10")) == []

    def test_below_minimum_warns(self):
        [warning] = margin_warnings(document=self.document("95"), tax=DEFAULT,
                                    minimum_margin_percent=D("10"))
        assert warning["code"] == "below_minimum_margin"
        assert warning["line"] == 0
        assert warning["margin_percent"] == D("5.00")
        assert warning["minimum_margin_percent"] == D("10")
        assert warning["message"] == "Line 1: the margin is below the minimum of 10%."
        assert warning["message_ar"]

    def test_document_discount_counts(self):
        # 250 less 25 → 90 % of each line: the first line earns 180 for a cost of 180.
        [warning] = margin_warnings(document=self.document("90", discount_value=D("25")),
                                    tax=DEFAULT, minimum_margin_percent=D("10"))
        assert warning["margin_percent"] == D("0.00")

    def test_switched_off(self):
        assert margin_warnings(document=self.document("99"), tax=DEFAULT,
                               minimum_margin_percent=D("10"), enabled=False) == []

    def test_given_away_with_a_cost(self):
        document = DocumentInput(lines=[LineInput(quantity=D("1"), unit_price=D("0"),
                                                  cost_price=D("5"))])
        [warning] = margin_warnings(document=document, tax=DEFAULT,
                                    minimum_margin_percent=D("10"))
        assert warning["margin_percent"] is None


# --- properties ---------------------------------------------------------------------------

def decimals(low, high, places):
    return st.decimals(min_value=D(low), max_value=D(high), places=places,
                       allow_nan=False, allow_infinity=False)


@st.composite
def lines(draw):
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    return LineInput(
        quantity=draw(decimals("0", "10000", 4)),
        unit_price=draw(decimals("0", "100000", 2)),
        discount_percent=draw(decimals("0", "100", 4)) if kind == "percent" else D("0"),
        discount_amount=draw(decimals("0", "1000000", 2)) if kind == "amount" else D("0"),
        tax_rate=draw(st.sampled_from([D("0"), D("5"), D("15")])),
        taxable=draw(st.booleans()))


@st.composite
def documents(draw):
    percentage = draw(st.booleans())
    return DocumentInput(
        lines=draw(st.lists(lines(), max_size=6)),
        discount_type="percentage" if percentage else "amount",
        discount_value=draw(decimals("0", "100", 4) if percentage
                            else decimals("0", "1000000", 2)),
        shipping_cost=draw(decimals("0", "10000", 2)),
        probability=draw(st.none() | decimals("0", "100", 4)))


tax_settings = st.builds(TaxSettings, calculate_tax_on_discount=st.booleans(),
                         round_tax_per_line=st.booleans(), tax_included_in_price=st.booleans(),
                         rounding_method=st.sampled_from(["nearest", "up", "down"]))


@settings(max_examples=300, deadline=None)
@given(document=documents(), tax=tax_settings)
def test_totals_add_up_and_are_never_negative(document, tax):
    totals = totals_calculate(document=document, tax=tax)
    assert totals.total == totals.after_discount + totals.tax_amount + totals.shipping
    assert totals.after_discount == totals.subtotal - totals.document_discount
    amounts = [totals.subtotal, totals.document_discount, totals.after_discount,
               totals.tax_amount, totals.shipping, totals.total]
    for line in totals.lines:
        amounts += [line.base, line.line_discount, line.line_total, line.line_tax]
        assert line.line_discount <= line.base
    assert all(amount >= 0 for amount in amounts)
    assert all(amount.as_tuple().exponent == -2 for amount in amounts)
    assert totals.document_discount <= totals.subtotal
    if totals.weighted_value is not None:
        assert D("0") <= totals.weighted_value <= totals.total
    assert totals.total_in_words


@settings(max_examples=200, deadline=None)
@given(document=documents())
def test_tax_on_discount_never_exceeds_tax_on_lines(document):
    spread = totals_calculate(document=document, tax=DEFAULT)
    plain = totals_calculate(document=document, tax=TaxSettings(calculate_tax_on_discount=False))
    assert spread.tax_amount <= plain.tax_amount
    assert spread.subtotal == plain.subtotal


# --- lines priced by the resolver (business-rules §10) ----------------------------------------

def pricing(firm, **changes):
    core_services.settings_update(firm=firm, actor=None, changes={"pricing": changes})


@pytest.fixture
def catalogue(firm):
    product = make_product(firm, standard_price=D("120"), cost_price=D("50"),
                           tax_rate=D("15"), unit="box")
    price_list = make_price_list(firm, is_default=True)
    make_item(price_list, product, "100")
    return product, price_list


@pytest.mark.django_db
class TestResolverPrices:
    def test_list_price_trace_cost_and_tax_from_product(self, firm, catalogue):
        product, price_list = catalogue
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("3")}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.discount_amount, line.cost_price, line.tax_rate,
                line.unit, line.description) == (D("100.00"), D("0.00"), D("50.00"),
                                                 D("15.0000"), "box", product.name)
        assert line.pricing_trace["base_price"] == 100
        assert line.pricing_trace["price_list"]["id"] == price_list.pk
        assert (line.line_total, quote.tax_amount, quote.total) == (
            D("300.00"), D("45.00"), D("345.00"))

    def test_rule_discount_becomes_the_line_discount_amount(self, firm, catalogue):
        product, _list = catalogue
        rule = make_rule(firm, discount_value=D("25"))  # above the 20 % manual limit
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("2")}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.discount_amount, line.line_total) == (
            D("100.00"), D("50.00"), D("150.00"))
        assert [item["id"] for item in line.pricing_trace["applied_rules"]] == [rule.pk]
        assert (quote.subtotal, quote.tax_amount, quote.total) == (
            D("150.00"), D("22.50"), D("172.50"))
        assert quote.needs_approval is False

    def test_a_discount_given_by_hand_wins_over_the_rules(self, firm, catalogue):
        product, _list = catalogue
        make_rule(firm, discount_value=D("10"))
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("1"),
                                              "discount_percent": D("5")}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.discount_percent, line.discount_amount,
                line.line_total) == (D("100.00"), D("5.0000"), D("0.00"), D("95.00"))

    def test_lead_quote_uses_no_customer_and_the_quote_list_and_promo(self, firm, catalogue):
        product, _default = catalogue
        special = make_price_list(firm)
        make_item(special, product, "80")
        make_rule(firm, discount_value=D("10"), promotion_code="RAMADAN",
                  requires_promo_code=True)
        quote = services.quote_create(firm=firm, actor=None, lead=make_lead(firm),
                                      price_list=special, promo_code="ramadan",
                                      lines=[{"product": product, "quantity": D("1")}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.discount_amount, line.line_total) == (
            D("80.00"), D("8.00"), D("72.00"))
        assert line.pricing_trace["price_list"]["id"] == special.pk
        assert [rule["promotion_code"] for rule in line.pricing_trace["applied_rules"]] == [
            "RAMADAN"]

    def test_reward_lines_are_added_at_zero_price(self, firm, catalogue):
        product, _list = catalogue
        gift = make_product(firm, standard_price=D("30"), cost_price=D("10"))
        make_rule(firm, discount_value=0, reward_type="free_item", buy_quantity=2,
                  reward_product=gift, reward_quantity=1)
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("5")}])
        bought, free = quote.lines.order_by("position")
        assert (bought.line_total, bought.is_reward) == (D("500.00"), False)
        assert (free.product_id, free.quantity, free.unit_price, free.line_total,
                free.is_reward) == (gift.pk, D("2.0000"), D("0.00"), D("0.00"), True)
        assert quote.total == D("575.00")
        # Sent back as they were (reward marked), the reward is recomputed, not doubled.
        rows = [{"product": product, "quantity": D("5")},
                {"product": gift, "quantity": D("2"), "unit_price": D("0"), "is_reward": True}]
        quote = services.quote_update(quote=quote, actor=None, lines=rows)
        assert quote.lines.count() == 2
        assert quote.lines.filter(is_reward=True).count() == 1

    def test_line_without_product_keeps_its_price(self, firm, catalogue):
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"description": "Service", "quantity": D("1"),
                                              "unit_price": D("250")}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.pricing_trace) == (D("250.00"), {})


@pytest.mark.django_db
class TestOverrides:
    def test_same_price_by_hand_is_not_an_override(self, firm, catalogue):
        product, _list = catalogue
        pricing(firm, allow_price_override=False)
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("1"),
                                              "unit_price": D("100.00")}])
        assert quote.total == D("115.00")

    def test_a_price_typed_by_hand_takes_no_rule_on_top(self, firm, catalogue):
        product, _list = catalogue
        rule = make_rule(firm, discount_value=D("30"))
        customer = make_customer(firm)
        ruled = services.quote_create(firm=firm, actor=None, customer=customer, lines=[
            {"product": product, "quantity": D("1")}])
        assert ruled.lines.get().line_total == D("70.00")
        pricing(firm, allow_price_override=False)  # the list price itself is no override
        quote = services.quote_create(firm=firm, actor=None, customer=customer, lines=[
            {"product": product, "quantity": D("1"), "unit_price": D("100")},
            {"product": product, "quantity": D("1"), "unit_price": D("100"),
             "discount_percent": D("5")}])
        typed, discounted = quote.lines.order_by("position")
        assert (typed.unit_price, typed.discount_amount, typed.line_total) == (
            D("100.00"), D("0.00"), D("100.00"))
        assert typed.pricing_trace["override"] == {
            "resolved_unit_price": 100, "unit_price": 100, "reason": "",
            "rules_not_applied": [rule.pk]}
        assert discounted.line_total == D("95.00")
        assert (quote.subtotal, quote.total) == (D("195.00"), D("224.25"))

    def test_override_refused_when_not_allowed(self, firm, catalogue):
        product, _list = catalogue
        pricing(firm, allow_price_override=False)
        customer = make_customer(firm)
        with pytest.raises(ApplicationError) as error:
            services.quote_create(firm=firm, actor=None, customer=customer, lines=[
                {"description": "Free text", "quantity": 1, "unit_price": 5},
                {"product": product, "quantity": D("1"), "unit_price": D("90")}])
        assert error.value.code == "price_override_not_allowed"
        assert list(error.value.details) == ["items.1.unit_price"]
        assert not Quote.objects.filter(firm=firm).exists()

    def test_override_needs_a_reason_when_required(self, firm, catalogue):
        product, _list = catalogue
        pricing(firm, require_price_override_reason=True)
        customer = make_customer(firm)
        with pytest.raises(ValidationError) as error:
            services.quote_create(firm=firm, actor=None, customer=customer, lines=[
                {"product": product, "quantity": D("1"), "unit_price": D("90")}])
        assert list(error.value.message_dict) == ["items.0.price_override_reason"]
        quote = services.quote_create(firm=firm, actor=None, customer=customer, lines=[
            {"product": product, "quantity": D("2"), "unit_price": D("90"),
             "price_override_reason": "Matching a competitor"}])
        [line] = quote.lines.all()
        assert (line.unit_price, line.line_total, line.price_override_reason) == (
            D("90.00"), D("180.00"), "Matching a competitor")
        assert line.pricing_trace["override"] == {
            "resolved_unit_price": 100, "unit_price": 90,
            "reason": "Matching a competitor", "rules_not_applied": []}

    def test_override_allowed_by_default_without_reason(self, firm, catalogue):
        product, _list = catalogue
        quote = services.quote_create(firm=firm, actor=None, customer=make_customer(firm),
                                      lines=[{"product": product, "quantity": D("1"),
                                              "unit_price": D("130")}])
        assert quote.total == D("149.50")


@pytest.mark.django_db
class TestPreview:
    def test_preview_saves_nothing(self, firm, catalogue):
        product, _list = catalogue
        customer = make_customer(firm)
        draft, lines, totals = services.quote_preview(
            firm=firm, customer=customer, discount_type="percentage", discount_value=D("10"),
            lines=[{"product": product, "quantity": D("2")}])
        assert (totals.subtotal, totals.document_discount, totals.tax_amount, totals.total) == (
            D("200.00"), D("20.00"), D("27.00"), D("207.00"))
        assert lines[0].pricing_trace["base_price"] == 100
        assert draft.pk is None and not Quote.objects.exists()
