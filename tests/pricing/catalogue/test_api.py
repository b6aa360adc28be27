"""Products, product groups and brands over the API: the contract, and their own rules."""

from decimal import Decimal

from core.choices import Role
from core.services import settings_row
from pricing.models import Brand, Product, ProductGroup
from tests.contracts.api import ALL, READ, ApiContract, assert_error
from tests.pricing.factories import make_brand, make_group, make_product

CATALOGUE_ROLES = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ,
                   Role.FINANCE: READ, Role.WAREHOUSE: READ}


class TestBrandsApi(ApiContract):
    path = "/api/v1/brands"
    key, plural = "brand", "brands"
    model = Brand
    factory = make_brand
    sort_fields = ["createdAt", "code", "name"]
    permissions = CATALOGUE_ROLES
    search = {"name": "Sahara Office"}, "sahara"

    def create_payload(self, firm):
        return {"code": f"NEW{Brand.objects.count()}", "name": "Nova", "nameAr": "نوفا"}

    def invalid_payload(self, firm):
        return {"code": "X1", "name": ""}, "name"

    def update_payload(self, obj):
        return {"name": "Renamed brand", "isActive": False}

    def filter_cases(self, firm):
        active, inactive = self.make(firm), self.make(firm, is_active=False)
        return [({"isActive": "true"}, active, inactive),
                *self.date_cases(firm)]

    def test_taken_code_is_an_error_on_code(self, api, firm):
        self.make(firm, code="NOVA")
        error = assert_error(api.post(self.path, {"code": "NOVA", "name": "Again"},
                                      format="json"), 400, "validation_error")
        assert "code" in error["details"]

    def test_same_code_in_another_firm_is_fine(self, api, firm, other_firm):
        make_brand(other_firm, code="NOVA")
        assert api.post(self.path, {"code": "NOVA", "name": "Nova"},
                        format="json").status_code == 201


class TestProductGroupsApi(ApiContract):
    path = "/api/v1/product-groups"
    key, plural = "productGroup", "productGroups"
    model = ProductGroup
    factory = make_group
    sort_fields = ["createdAt", "code", "name"]
    permissions = CATALOGUE_ROLES
    search = {"name": "Stationery"}, "statio"

    def create_payload(self, firm):
        return {"code": f"G-NEW{ProductGroup.objects.count()}", "name": "Laptops",
                "nameAr": "محمول"}

    def invalid_payload(self, firm):
        return {"code": "G", "name": "Loose", "parentId": 987654321}, "parentId"

    def update_payload(self, obj):
        return {"name": "Computers"}

    def filter_cases(self, firm):
        parent = self.make(firm)
        child, other = self.make(firm, parent=parent), self.make(firm)
        return [({"parentId": parent.pk}, child, other), *self.date_cases(firm)]

    def test_a_group_cannot_sit_under_its_own_subgroup(self, api, firm):
        top = self.make(firm)
        below = self.make(firm, parent=top)
        error = assert_error(api.patch(self.url(top), {"parentId": below.pk}, format="json"),
                             400, "validation_error")
        assert "parentId" in error["details"]
        top.refresh_from_db()
        assert top.parent_id is None

    def test_another_firms_parent_is_refused(self, api, firm, other_firm):
        error = assert_error(api.post(self.path, {"code": "X", "name": "X",
                                                  "parentId": make_group(other_firm).pk},
                                      format="json"), 400, "validation_error")
        assert "parentId" in error["details"]

    def test_group_with_products_is_protected(self, api, firm):
        group = self.make(firm)
        make_product(firm, group=group)
        assert_error(api.delete(self.url(group)), 409, "protected")


class TestProductsApi(ApiContract):
    path = "/api/v1/products"
    key, plural = "product", "products"
    model = Product
    factory = make_product
    sort_fields = ["createdAt", "code", "name", "standardPrice", "costPrice"]
    permissions = CATALOGUE_ROLES
    search = {"name": "Ergonomic chair"}, "ergonomic"

    def create_payload(self, firm):
        return {"code": f"NEW-{Product.objects.count()}", "name": "Wireless mouse",
                "nameAr": "فأرة لاسلكية", "unit": "unit", "standardPrice": 89,
                "costPrice": 45, "taxRate": 15}

    def test_create_with_group_and_brand(self, api, firm):
        group, brand = make_group(firm), make_brand(firm)
        response = api.post(self.path, {**self.create_payload(firm), "groupId": group.pk,
                                        "brandId": brand.pk}, format="json")
        assert response.status_code == 201, response.content
        shown = response.json()["data"]["product"]
        assert (shown["groupId"], shown["brandId"]) == (group.pk, brand.pk)

    def invalid_payload(self, firm):
        return {"code": "BAD", "name": "Bad", "standardPrice": -1}, "standardPrice"

    def update_payload(self, obj):
        return {"name": "Renamed product", "standardPrice": 120.5}

    def filter_cases(self, firm):
        brand = make_brand(firm)
        top = make_group(firm)
        sub = make_group(firm, parent=top)
        branded, in_sub, plain = (self.make(firm, brand=brand), self.make(firm, group=sub),
                                  self.make(firm, is_active=False))
        return [({"brandId": brand.pk}, branded, plain),
                ({"groupId": top.pk}, in_sub, plain),  # a group covers its subgroups
                ({"isActive": "false"}, plain, branded),
                *self.date_cases(firm)]

    def test_tax_rate_defaults_to_the_firms_vat(self, api, firm):
        settings_row(firm=firm)
        payload = {"code": "NOTAX", "name": "No rate given", "standardPrice": 10}
        response = api.post(self.path, payload, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["data"]["product"]["taxRate"] == "15.0000" or Decimal(
            str(response.json()["data"]["product"]["taxRate"])) == Decimal("15")
        assert Product.objects.get(code="NOTAX").tax_rate == Decimal("15")

    def test_money_is_rounded_half_up(self, api, firm):
        response = api.post(self.path, {"code": "R1", "name": "Round", "standardPrice":
                                        10.005, "taxRate": 15}, format="json")
        assert response.status_code == 201, response.content
        assert Product.objects.get(code="R1").standard_price == Decimal("10.01")

    def test_another_firms_brand_is_refused(self, api, firm, other_firm):
        error = assert_error(api.post(self.path, {"code": "X", "name": "X",
                                                  "brandId": make_brand(other_firm).pk},
                                      format="json"), 400, "validation_error")
        assert "brandId" in error["details"]
