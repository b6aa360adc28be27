"""Pricing rules over the API: the contract, every field, conditions errors, toggle,
duplicate and statistics."""

from decimal import Decimal

import pytest

from core.choices import Role
from pricing.models import PricingRule
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, ApiContract, assert_error, backdate
from tests.crm.factories import make_customer, make_customer_group, make_territory
from tests.pricing.factories import (
    make_brand,
    make_group,
    make_item,
    make_price_list,
    make_product,
    make_rule,
)
from tests.pricing.helpers import assert_actions_refused


class TestPricingRulesApi(ApiContract):
    path = "/api/v1/pricing-rules"
    key, plural = "pricingRule", "pricingRules"
    model = PricingRule
    factory = make_rule
    sort_fields = ["createdAt", "code", "name", "priority", "usageCount", "validFrom"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ,
                   Role.FINANCE: READ}
    search = {"promotion_code": "EID2026", "name": "Eid"}, "eid2026"

    def create_payload(self, firm):
        return {"code": f"R-NEW{PricingRule.objects.count()}", "name": "VIP discount",
                "nameAr": "خصم كبار العملاء", "discountType": "percentage",
                "discountValue": 10, "conditions": [
                    {"field": "quantity", "operator": "between", "value": 5, "value2": 10}]}

    def invalid_payload(self, firm):
        return {"code": "BAD", "name": "Bad", "discountType": "percentage",
                "discountValue": 150}, "discountValue"

    def update_payload(self, obj):
        return {"name": "Renamed rule", "priority": 42}

    def filter_cases(self, firm):
        active, inactive = self.make(firm), self.make(firm, is_active=False)
        product = make_product(firm)
        scoped = self.make(firm, apply_on="item_code", products=[product])
        old, new = self.make(firm), self.make(firm)
        backdate(old)
        return [({"isActive": "false"}, inactive, active),
                ({"productId": product.pk}, scoped, active),
                ({"applyOn": "item_code"}, scoped, active),
                ({"endDate": "2025-01-15"}, old, new)]

    def test_every_relation_is_set_and_shown(self, api, firm):
        products = [make_product(firm), make_product(firm)]
        group, brand = make_group(firm), make_brand(firm)
        customer, customer_group = make_customer(firm), make_customer_group(firm)
        territory, price_list = make_territory(firm), make_price_list(firm)
        payload = {
            **self.create_payload(firm), "applyOn": "item_code",
            "productIds": [product.pk for product in products],
            "productGroupIds": [group.pk], "brandIds": [brand.pk],
            "applicableCustomerIds": [customer.pk],
            "applicableCustomerGroupIds": [customer_group.pk],
            "applicableTerritoryIds": [territory.pk],
            "applicablePriceListIds": [price_list.pk],
            "excludeProductIds": [products[1].pk], "excludeProductGroupIds": [group.pk],
            "excludeCustomerIds": [make_customer(firm).pk],
            "rewardType": "free_item", "buyQuantity": 2, "rewardProductId": products[0].pk,
            "rewardQuantity": 1, "promotionCode": "B2G1", "requiresPromoCode": True,
            "usageLimit": 100, "usageLimitPerCustomer": 2, "canStack": False,
            "compound": True, "maxDiscountAmount": 50, "minAmount": 100, "notes": "Eid",
        }
        response = api.post(self.path, payload, format="json")
        assert response.status_code == 201, response.content
        shown = response.json()["data"]["pricingRule"]
        for key, value in payload.items():
            if key.endswith("Ids"):
                assert sorted(shown[key]) == sorted(value), key
        rule = PricingRule.objects.get(pk=shown["id"])
        assert rule.reward_product == products[0] and rule.requires_promo_code
        assert rule.conditions == [{"field": "quantity", "operator": "between", "value": 5,
                                    "value2": 10}]
        assert shown["usageCount"] == 0

    def test_usage_count_is_read_only(self, api, firm):
        rule = self.make(firm)
        name = rule.name
        error = assert_error(api.patch(self.url(rule), {"usageCount": 99, "name": "Renamed"},
                                       format="json"), 400, "validation_error")
        assert list(error["details"]) == ["usageCount"]
        rule.refresh_from_db()
        assert (rule.usage_count, rule.name) == (0, name)
        # Sent back as it is, a read-only value passes.
        assert api.patch(self.url(rule), {"usageCount": 0, "name": "Renamed"},
                         format="json").status_code == 200

    def test_condition_errors_name_the_row_and_key(self, api, firm):
        payload = {**self.create_payload(firm), "conditions": [
            {"field": "quantity", "operator": "greater_than", "value": 5},
            {"field": "customer", "operator": "equals", "value": "abc"},
            {"field": "colour", "operator": "equals", "value": 1}]}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert {"conditions.1.value", "conditions.2.field"} <= set(error["details"])
        assert "conditions.0.value" not in error["details"]
        error = assert_error(api.post(self.path, {**payload, "conditions": "x"},
                                      format="json"), 400, "validation_error")
        assert "conditions" in error["details"]

    def test_promo_code_needed_when_required(self, api, firm):
        error = assert_error(api.post(self.path, {**self.create_payload(firm),
                                                  "requiresPromoCode": True}, format="json"),
                             400, "validation_error")
        assert "promotionCode" in error["details"]

    def test_reward_needs_its_product_named_by_the_api_field(self, api, firm):
        error = assert_error(api.post(self.path, {**self.create_payload(firm),
                                                  "rewardType": "free_item",
                                                  "buyQuantity": 2, "rewardQuantity": 1},
                                      format="json"), 400, "validation_error")
        assert "rewardProductId" in error["details"]

    def test_toggle_and_duplicate(self, api, firm):
        product = make_product(firm)
        rule = self.make(firm, code="SUMMER", products=[product], apply_on="item_code")
        toggled = api.patch(f"{self.url(rule)}/toggle-active")
        assert toggled.status_code == 200
        assert toggled.json()["data"]["pricingRule"]["isActive"] is False
        copy = api.post(f"{self.url(rule)}/duplicate", {}, format="json")
        assert copy.status_code == 201, copy.content
        shown = copy.json()["data"]["pricingRule"]
        assert shown["code"] != "SUMMER" and shown["productIds"] == [product.pk]
        assert shown["isActive"] is False and shown["usageCount"] == 0

    @pytest.mark.parametrize("role", [Role.SALES_PERSON, Role.FINANCE, Role.WAREHOUSE])
    def test_only_managers_toggle_and_duplicate(self, users, firm, role):
        rule = self.make(firm)
        client = client_for(users[role])
        assert_actions_refused(client, self.url(rule), 403, "permission_denied")
        rule.refresh_from_db()
        assert rule.is_active

    def test_actions_on_another_firms_rule_are_not_found(self, api, other_firm):
        foreign = self.make(other_firm)
        assert_actions_refused(api, self.url(foreign), 404, "not_found")


@pytest.mark.django_db
class TestRuleActionsApi:
    def test_apply_prices_a_cart_with_traces_and_rewards(self, api, firm):
        laptop = make_product(firm, standard_price=Decimal("1000"))
        mouse = make_product(firm, standard_price=Decimal("50"))
        price_list = make_price_list(firm)
        make_item(price_list, laptop, "900")
        ten = make_rule(firm, code="TEN", apply_on="item_code", products=[laptop],
                        discount_value=Decimal("10"))
        b2g1 = make_rule(firm, code="B2G1", apply_on="item_code", products=[mouse],
                         discount_value=Decimal("0"), reward_type="free_item",
                         buy_quantity=Decimal("2"), reward_product=mouse,
                         reward_quantity=Decimal("1"))
        response = api.post("/api/v1/pricing-rules/apply", {
            "priceListId": price_list.pk, "date": "2026-03-18",
            "items": [{"productId": laptop.pk, "quantity": 2},
                      {"productId": mouse.pk, "quantity": 5}]}, format="json")
        assert response.status_code == 200, response.content
        cart = response.json()["data"]["cart"]
        first, second = cart["lines"]
        assert Decimal(str(first["basePrice"])) == Decimal("900")
        assert Decimal(str(first["net"])) == Decimal("1620")
        assert [rule["code"] for rule in first["appliedRules"]] == ["TEN"]
        assert first["listSteps"] and "skippedRules" in first
        assert Decimal(str(second["net"])) == Decimal("250")
        reward = cart["rewardLines"][0]
        assert Decimal(str(reward["quantity"])) == Decimal("2")
        assert Decimal(str(reward["net"])) == Decimal("0")
        assert Decimal(str(cart["totals"]["net"])) == Decimal("1870")
        # One flat list for the cart; each line keeps its own.
        assert cart["appliedRuleIds"] == sorted([ten.pk, b2g1.pk])
        assert first["appliedRuleIds"] == [ten.pk]

    def test_apply_refuses_an_empty_cart_and_foreign_products(self, api, firm, other_firm):
        error = assert_error(api.post("/api/v1/pricing-rules/apply", {"items": []},
                                      format="json"), 400, "validation_error")
        assert all(key.startswith("items") for key in error["details"])
        error = assert_error(api.post("/api/v1/pricing-rules/apply", {"items": [
            {"productId": make_product(other_firm).pk, "quantity": 1}]}, format="json"),
            400, "validation_error")
        assert "items.0.productId" in error["details"]

    def test_apply_counts_no_usage(self, api, firm):
        product = make_product(firm)
        rule = make_rule(firm, promotion_code="SAVE", requires_promo_code=True)
        api.post("/api/v1/pricing-rules/apply", {"promoCode": "SAVE", "items": [
            {"productId": product.pk, "quantity": 1}]}, format="json")
        rule.refresh_from_db()
        assert rule.usage_count == 0 and not rule.usages.exists()

    def test_validate_promo(self, api, firm):
        customer = make_customer(firm)
        rule = make_rule(firm, promotion_code="EID10", requires_promo_code=True)
        response = api.post("/api/v1/pricing-rules/validate-promo", {
            "code": "eid10", "customerId": customer.pk, "date": "2026-03-18"}, format="json")
        assert response.status_code == 200, response.content
        promo = response.json()["data"]["promo"]
        assert promo["valid"] is True and [row["id"] for row in promo["rules"]] == [rule.pk]
        assert promo["message"] and promo["messageAr"]
        unknown = api.post("/api/v1/pricing-rules/validate-promo", {"code": "NOPE"},
                           format="json").json()["data"]["promo"]
        assert unknown["valid"] is False and unknown["reason"] == "unknown"
        assert unknown["rules"] == []
        error = assert_error(api.post("/api/v1/pricing-rules/validate-promo", {},
                                      format="json"), 400, "validation_error")
        assert "code" in error["details"]

    def test_stats(self, api, firm, other_firm):
        make_rule(firm, type="promotional")
        make_rule(firm, is_active=False)
        make_rule(other_firm)
        response = api.get("/api/v1/pricing-rules/stats")
        assert response.status_code == 200
        stats = response.json()["data"]["stats"]
        assert (stats["total"], stats["active"], stats["inactive"]) == (2, 1, 1)
        assert stats["byType"]["promotional"] == 1

    @pytest.mark.parametrize("role", Role.values)
    def test_price_checks_by_role(self, users, firm, role):
        product = make_product(firm)
        client = client_for(users[role])
        responses = [client.post("/api/v1/pricing-rules/apply", {"items": [
            {"productId": product.pk, "quantity": 1}]}, format="json"),
            client.post("/api/v1/pricing-rules/validate-promo", {"code": "X"}, format="json"),
            client.get("/api/v1/pricing-rules/stats")]
        for response in responses:
            if role == Role.WAREHOUSE:
                assert_error(response, 403, "permission_denied")
            else:
                assert response.status_code == 200, (role, response.content)
