"""Quote lines priced by the price resolver (business-rules §10): list price, rule discounts as the
line's discount amount, the trace, reward lines, and hand-made price overrides."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core import services as core_services
from core.errors import ApplicationError
from sales.quotes import services
from sales.quotes.models import Quote
from tests.crm.factories import make_customer, make_lead
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule

D = Decimal


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
            "reason": "Matching a competitor"}

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
