"""Price calculation and applicable rules over the API."""

from decimal import Decimal

import pytest

from core.choices import Role
from crm.models import Customer
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.crm.factories import make_customer, make_customer_group
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule


@pytest.mark.django_db
class TestCalculateAndApplicableApi:
    def test_calculate_with_a_list_and_a_rule(self, api, firm):
        product = make_product(firm, standard_price=Decimal("1200"))
        price_list = make_price_list(firm, name="VIP Customer List")
        make_item(price_list, product, "1000", min_quantity=Decimal("10"),
                  max_quantity=Decimal("50"))
        make_rule(firm, name="VIP discount", discount_value=Decimal("10"))
        response = api.post("/api/v1/price-lists/calculate", {
            "productId": product.pk, "quantity": 10, "priceListId": price_list.pk,
            "date": "2026-03-18", "currency": "SAR"}, format="json")
        assert response.status_code == 200, response.content
        calculation = response.json()["data"]["calculation"]
        assert Decimal(str(calculation["basePrice"])) == Decimal("1000")
        assert Decimal(str(calculation["finalPrice"])) == Decimal("900")
        assert Decimal(str(calculation["discount"])) == Decimal("100")
        assert Decimal(str(calculation["discountPercent"])) == Decimal("10")
        assert calculation["priceListId"] == price_list.pk
        assert calculation["priceListName"] == "VIP Customer List"
        assert len(calculation["appliedRules"]) == 1
        assert calculation["currency"] == "SAR"
        assert [Decimal(str(value)) for value in calculation["quantityBreak"].values()] == [
            Decimal("10"), Decimal("50")]
        # Per unit above; the amounts for the 10 units under `line`.
        assert {key: Decimal(str(value)) for key, value in calculation["line"].items()} == {
            "quantity": Decimal("10"), "gross": Decimal("10000"), "discount": Decimal("1000"),
            "net": Decimal("9000")}
        trace = calculation["trace"]
        assert trace["listSteps"] and trace["appliedRules"][0]["id"]

    def test_calculate_without_a_list_uses_the_standard_price(self, api, firm):
        product = make_product(firm, standard_price=Decimal("250"))
        calculation = api.post("/api/v1/price-lists/calculate", {
            "productId": product.pk, "quantity": 2}, format="json").json()["data"][
            "calculation"]
        assert Decimal(str(calculation["finalPrice"])) == Decimal("250")
        assert calculation["priceListId"] is None and calculation["appliedRules"] == []

    def test_calculate_refuses_bad_input(self, api, firm, other_firm):
        error = assert_error(api.post("/api/v1/price-lists/calculate", {
            "productId": make_product(other_firm).pk, "quantity": 1}, format="json"),
            400, "validation_error")
        assert "productId" in error["details"]
        error = assert_error(api.post("/api/v1/price-lists/calculate", {
            "productId": make_product(firm).pk, "quantity": 0}, format="json"),
            400, "validation_error")
        assert "quantity" in error["details"]

    @pytest.mark.parametrize("role", Role.values)
    def test_calculate_by_role(self, users, firm, role):
        product = make_product(firm)
        response = client_for(users[role]).post("/api/v1/price-lists/calculate", {
            "productId": product.pk, "quantity": 1}, format="json")
        if role == Role.WAREHOUSE:
            assert_error(response, 403, "permission_denied")
        else:
            assert response.status_code == 200

    def test_applicable_lists_most_specific_first(self, api, firm):
        group = make_customer_group(firm)
        customer = make_customer(firm, customer_group=group)
        general = make_price_list(firm, priority=50)
        for_group = make_price_list(firm, customer_groups=[group])
        for_customer = make_price_list(firm, customers=[customer])
        make_price_list(firm, customers=[make_customer(firm)])  # someone else's
        make_price_list(firm, is_active=False)
        response = api.get("/api/v1/price-lists/applicable", {"customerId": customer.pk,
                                                              "date": "2026-03-18"})
        assert response.status_code == 200, response.content
        ids = [row["id"] for row in response.json()["data"]["priceLists"]]
        assert ids[:3] == [for_customer.pk, for_group.pk, general.pk]
        assert len(ids) == 3

    def test_applicable_refuses_another_firms_customer(self, api, other_firm):
        customer = make_customer(other_firm)
        error = assert_error(api.get("/api/v1/price-lists/applicable",
                                     {"customerId": customer.pk}), 400, "validation_error")
        assert "customerId" in error["details"]
        assert Customer.objects.filter(pk=customer.pk).exists()
