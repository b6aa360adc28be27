"""Price lists over the API: the contract, restrictions, inheritance cycles, duplicate,
toggle and their items."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.choices import Role
from pricing.models import PriceList, PriceListItem
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, ApiContract, assert_error, backdate
from tests.crm.factories import make_customer, make_customer_group
from tests.pricing.factories import make_item, make_price_list, make_product
from tests.pricing.helpers import assert_actions_refused


class TestPriceListsApi(ApiContract):
    path = "/api/v1/price-lists"
    key, plural = "priceList", "priceLists"
    model = PriceList
    factory = make_price_list
    sort_fields = ["createdAt", "code", "name", "priority", "validFrom"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ,
                   Role.FINANCE: READ}
    search = {"name": "Ramadan wholesale"}, "ramadan"

    def create_payload(self, firm):
        return {"code": f"PL-NEW{PriceList.objects.count()}", "name": "VIP Customer List",
                "nameAr": "قائمة كبار العملاء", "markupPercent": 5, "priority": 15}

    def invalid_payload(self, firm):
        return {"code": "BAD", "name": "Bad", "validFrom": "2026-02-01",
                "validTo": "2026-01-01"}, "validTo"

    def update_payload(self, obj):
        return {"name": "Renamed list", "discountPercent": 7.5}

    def filter_cases(self, firm):
        group = make_customer_group(firm)
        restricted, open_list = self.make(firm, customer_groups=[group]), self.make(firm)
        inactive = self.make(firm, is_active=False)
        old, new = self.make(firm), self.make(firm)
        backdate(old)
        return [({"customerGroupId": group.pk}, restricted, open_list),
                ({"isActive": "false"}, inactive, open_list),
                ({"startDate": "2025-01-16"}, new, old)]

    def test_restrictions_are_set_and_shown(self, api, firm):
        group, customer = make_customer_group(firm), make_customer(firm)
        response = api.post(self.path, {**self.create_payload(firm),
                                        "customerGroupIds": [group.pk],
                                        "customerIds": [customer.pk]}, format="json")
        assert response.status_code == 201, response.content
        shown = response.json()["data"]["priceList"]
        assert shown["customerGroupIds"] == [group.pk]
        assert shown["customerIds"] == [customer.pk]
        assert shown["territoryIds"] == []
        price_list = PriceList.objects.get(pk=shown["id"])
        assert list(price_list.customer_groups.all()) == [group]
        cleared = api.patch(self.url(price_list), {"customerIds": []}, format="json")
        assert cleared.json()["data"]["priceList"]["customerIds"] == []
        assert not price_list.customers.exists()

    def test_another_firms_customer_is_refused(self, api, firm, other_firm):
        error = assert_error(api.post(self.path, {**self.create_payload(firm), "customerIds": [
            make_customer(other_firm).pk]}, format="json"), 400, "validation_error")
        assert "customerIds" in error["details"]

    def test_inheritance_cycle_is_refused_naming_the_field(self, api, firm):
        base = self.make(firm)
        derived = self.make(firm, based_on=base)
        error = assert_error(api.patch(self.url(base), {"basedOnPriceListId": derived.pk},
                                       format="json"), 400, "validation_error")
        assert "basedOnPriceListId" in error["details"]
        base.refresh_from_db()
        assert base.based_on_id is None
        error = assert_error(api.patch(self.url(base), {"basedOnPriceListId": base.pk},
                                       format="json"), 400, "validation_error")
        assert "basedOnPriceListId" in error["details"]

    def test_based_on_is_shown_with_its_name(self, api, firm):
        base = self.make(firm, name="Retail")
        derived = self.make(firm, based_on=base)
        shown = api.get(self.url(derived)).json()["data"]["priceList"]
        assert (shown["basedOnPriceListId"], shown["basedOnPriceListName"]) == (base.pk,
                                                                                "Retail")

    def test_a_second_default_is_refused(self, api, firm):
        self.make(firm, is_default=True)
        error = assert_error(api.post(self.path, {**self.create_payload(firm),
                                                  "isDefault": True}, format="json"),
                             400, "validation_error")
        assert "isDefault" in error["details"]

    # --- duplicate and toggle ---------------------------------------------------------

    def test_duplicate_copies_items_and_restrictions(self, api, firm):
        group = make_customer_group(firm)
        original = self.make(firm, code="RET", customer_groups=[group])
        make_item(original, make_product(firm), "50")
        response = api.post(f"{self.url(original)}/duplicate", {"code": "RET-2"},
                            format="json")
        assert response.status_code == 201, response.content
        shown = response.json()["data"]["priceList"]
        assert shown["code"] == "RET-2" and shown["customerGroupIds"] == [group.pk]
        assert shown["itemCount"] == 1
        assert response.json()["messageAr"]

    def test_duplicate_with_a_taken_code_is_refused(self, api, firm):
        original = self.make(firm, code="RET")
        self.make(firm, code="TAKEN")
        error = assert_error(api.post(f"{self.url(original)}/duplicate", {"code": "TAKEN"},
                                      format="json"), 400, "validation_error")
        assert "code" in error["details"]

    def test_toggle_active(self, api, firm):
        price_list = self.make(firm)
        first = api.patch(f"{self.url(price_list)}/toggle-active")
        assert first.status_code == 200
        assert first.json()["data"]["priceList"]["isActive"] is False
        second = api.patch(f"{self.url(price_list)}/toggle-active")
        assert second.json()["data"]["priceList"]["isActive"] is True

    @pytest.mark.parametrize("role", [Role.SALES_PERSON, Role.FINANCE, Role.WAREHOUSE])
    def test_only_managers_duplicate_and_toggle(self, users, firm, role):
        price_list = self.make(firm)
        client = client_for(users[role])
        assert_actions_refused(client, self.url(price_list), 403, "permission_denied")

    def test_actions_on_another_firms_list_are_not_found(self, api, other_firm):
        foreign = self.make(other_firm)
        assert_actions_refused(api, self.url(foreign), 404, "not_found")
        assert_error(api.get(f"{self.url(foreign)}/items"), 404, "not_found")
        foreign.refresh_from_db()
        assert foreign.is_active is True


@pytest.mark.django_db
class TestPriceListItemsApi:
    def items_url(self, price_list, item=None) -> str:
        base = f"/api/v1/price-lists/{price_list.pk}/items"
        return f"{base}/{item.pk}" if item else base

    def test_list_and_add(self, api, firm, admin_user):
        price_list, product = make_price_list(firm), make_product(firm, code="AC-1")
        make_item(price_list, make_product(firm), "10")
        response = api.post(self.items_url(price_list), {"productId": product.pk,
                                                         "price": 95.5, "minQuantity": 10,
                                                         "maxQuantity": 49}, format="json")
        assert response.status_code == 201, response.content
        shown = response.json()["data"]["priceListItem"]
        assert shown["productCode"] == "AC-1" and shown["priceListId"] == price_list.pk
        item = PriceListItem.objects.get(pk=shown["id"])
        assert (item.price, item.min_quantity, item.firm_id) == (Decimal("95.5"),
                                                                 Decimal("10"), firm.pk)
        assert item.history.latest().history_user_id == admin_user.pk
        listed = api.get(self.items_url(price_list)).json()["data"]
        assert listed["pagination"]["total"] == 2
        assert {row["id"] for row in listed["priceListItems"]} >= {item.pk}
        only = api.get(self.items_url(price_list), {"productId": product.pk}).json()["data"]
        assert [row["id"] for row in only["priceListItems"]] == [item.pk]

    def test_invalid_item_names_the_field(self, api, firm):
        price_list = make_price_list(firm)
        error = assert_error(api.post(self.items_url(price_list), {
            "productId": make_product(firm).pk, "price": 10, "minQuantity": 10,
            "maxQuantity": 5}, format="json"), 400, "validation_error")
        assert "maxQuantity" in error["details"]
        assert not price_list.items.exists()

    def test_another_firms_product_is_refused(self, api, firm, other_firm):
        price_list = make_price_list(firm)
        error = assert_error(api.post(self.items_url(price_list), {
            "productId": make_product(other_firm).pk, "price": 10}, format="json"),
            400, "validation_error")
        assert "productId" in error["details"]

    def test_update_and_delete(self, api, firm):
        price_list = make_price_list(firm)
        item = make_item(price_list, make_product(firm), "10")
        response = api.put(self.items_url(price_list, item), {
            "productId": item.product_id, "price": 12, "minQuantity": 1}, format="json")
        assert response.status_code == 200, response.content
        item.refresh_from_db()
        assert item.price == Decimal("12")
        patched = api.patch(self.items_url(price_list, item), {"price": 13}, format="json")
        assert patched.json()["data"]["priceListItem"]["price"] in (13, "13.00", 13.0)
        deleted = api.delete(self.items_url(price_list, item))
        assert deleted.status_code == 200 and deleted.json()["message"]
        assert not PriceListItem.objects.filter(pk=item.pk).exists()

    def test_an_item_of_another_list_is_not_found(self, api, firm, other_firm):
        mine, other = make_price_list(firm), make_price_list(firm)
        item = make_item(other, make_product(firm), "10")
        assert_error(api.put(self.items_url(mine, item), {"productId": item.product_id,
                                                          "price": 1}, format="json"),
                     404, "not_found")
        assert_error(api.delete(self.items_url(mine, item)), 404, "not_found")
        foreign_list = make_price_list(other_firm)
        foreign = make_item(foreign_list, make_product(other_firm), "10")
        assert_error(api.delete(self.items_url(foreign_list, foreign)), 404, "not_found")
        assert PriceListItem.objects.filter(pk__in=[item.pk, foreign.pk]).count() == 2
        item.refresh_from_db()
        assert item.price == Decimal("10")

    @pytest.mark.parametrize("role", [Role.SALES_PERSON, Role.FINANCE])
    def test_readers_see_items_but_do_not_change_them(self, users, firm, role):
        price_list = make_price_list(firm)
        item = make_item(price_list, make_product(firm), "10")
        client = client_for(users[role])
        assert client.get(self.items_url(price_list)).status_code == 200
        assert_error(client.post(self.items_url(price_list), {"productId": item.product_id,
                                                              "price": 1}, format="json"),
                     403, "permission_denied")
        assert_error(client.delete(self.items_url(price_list, item)), 403,
                     "permission_denied")
        assert_error(client.post(f"{self.items_url(price_list)}/bulk", {"rows": []},
                                 format="json"), 403, "permission_denied")

    def test_bulk_json_rows_report(self, api, firm):
        price_list = make_price_list(firm)
        make_product(firm, code="ST-1")
        make_product(firm, code="ST-2")
        rows = [{"productCode": "ST-1", "price": 95}, {"productCode": "ST-2", "price": 40,
                                                       "minQuantity": 10},
                {"productCode": "NOPE", "price": 5}, {"productCode": "ST-1", "price": -3,
                                                      "minQuantity": 5}]
        dry = api.post(f"{self.items_url(price_list)}/bulk?dryRun=true", {"rows": rows},
                       format="json")
        assert dry.status_code == 200, dry.content
        report = dry.json()["data"]["report"]
        assert report["dryRun"] is True and report["accepted"] == 2
        assert [row["row"] for row in report["refused"]] == [3, 4]
        assert not price_list.items.exists()
        done = api.post(f"{self.items_url(price_list)}/bulk", {"rows": rows}, format="json")
        report = done.json()["data"]["report"]
        assert (report["accepted"], report["created"], report["dryRun"]) == (2, 2, False)
        assert sorted(price_list.items.values_list("product__code", "price")) == [
            ("ST-1", Decimal("95.00")), ("ST-2", Decimal("40.00"))]

    def test_bulk_csv_upload(self, api, firm):
        price_list = make_price_list(firm)
        make_product(firm, code="CSV-1")
        upload = SimpleUploadedFile("items.csv", b"productCode,price,minQuantity\n"
                                    b"CSV-1,12.50,1\nCSV-1,11,10\nUNKNOWN,3,1\n",
                                    content_type="text/csv")
        response = api.post(f"{self.items_url(price_list)}/bulk", {"file": upload},
                            format="multipart")
        assert response.status_code == 200, response.content
        report = response.json()["data"]["report"]
        assert report["accepted"] == 2 and [row["row"] for row in report["refused"]] == [3]
        assert sorted(price_list.items.values_list("min_quantity", "price")) == [
            (Decimal("1"), Decimal("12.50")), (Decimal("10"), Decimal("11.00"))]

    def test_bulk_csv_over_the_row_limit(self, api, firm):
        price_list = make_price_list(firm)
        make_product(firm, code="CSV-1")
        upload = SimpleUploadedFile("items.csv", b"productCode,price\n" + b"CSV-1,1\n" * 300_000,
                                    content_type="text/csv")
        error = assert_error(api.post(f"{self.items_url(price_list)}/bulk", {"file": upload},
                                      format="multipart"), 400, "import_failed")
        assert error["details"] == {"limit": 10_000}
        assert not price_list.items.exists()

    def test_bulk_without_rows_or_file(self, api, firm):
        price_list = make_price_list(firm)
        assert_error(api.post(f"{self.items_url(price_list)}/bulk", {}, format="json"), 400,
                     "validation_error")
        assert_error(api.post(f"{self.items_url(price_list)}/bulk?dryRun=maybe",
                              {"rows": [{"productCode": "X", "price": 1}]}, format="json"),
                     400, "validation_error")
