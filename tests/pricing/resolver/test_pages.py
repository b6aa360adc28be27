"""The price check staff page."""

from decimal import Decimal

import pytest

from core.choices import Role
from tests.contracts.pages import management
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule


@pytest.mark.django_db
class TestPriceCheckPage:
    url = "/pricing/price-check/"

    def test_by_role(self, client, users):
        for role in Role.values:
            client.force_login(users[role])
            expected = 403 if role == Role.WAREHOUSE else 200
            assert client.get(self.url).status_code == expected, role

    def test_post_shows_the_trace_per_line(self, client, admin_user, firm):
        laptop = make_product(firm, code="LT-1", standard_price=Decimal("1000"))
        mouse = make_product(firm, code="MS-1", standard_price=Decimal("50"))
        price_list = make_price_list(firm, name="Retail list")
        make_item(price_list, laptop, "900")
        make_rule(firm, code="TEN", apply_on="item_code", products=[laptop],
                  discount_value=Decimal("10"))
        make_rule(firm, code="SKIPPED", min_quantity=Decimal("100"))
        make_rule(firm, code="B2G1", apply_on="item_code", products=[mouse],
                  discount_value=Decimal("0"), reward_type="free_item",
                  buy_quantity=Decimal("2"), reward_product=mouse,
                  reward_quantity=Decimal("1"))
        client.force_login(admin_user)
        response = client.post(self.url, {
            "price_list": price_list.pk, "promo_code": "", "date": "2026-03-18",
            **management("lines", 2), "lines-0-product": laptop.pk, "lines-0-quantity": "2",
            "lines-1-product": mouse.pk, "lines-1-quantity": "4"})
        assert response.status_code == 200, response.content.decode()[:3000]
        html = response.content.decode()
        assert 'data-testid="price-check-result"' in html
        assert html.count('data-testid="trace-line"') == 3  # two lines and the reward
        assert "Retail list" in html and "TEN" in html and "SKIPPED" in html
        result = response.context["result"]
        assert result.net == Decimal("1820.00")
        assert result.reward_lines[0].quantity == Decimal("2")

    def test_bad_post_shows_errors(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(self.url, {**management("lines", 1), "lines-0-product": "",
                                          "lines-0-quantity": "0"})
        assert response.status_code == 400
        assert response.context["lines"].forms[0].errors
