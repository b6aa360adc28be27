"""pricing staff pages: the page contract per resource, the price list's items in place,
duplicate/toggle buttons, the import page's report, the rule form's conditions builder and
the price check page's trace."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.choices import Role
from pricing.models import Brand, PriceList, PriceListItem, PricingRule, Product, ProductGroup
from tests.contracts.pages import PagesContract
from tests.pricing.factories import (
    make_brand,
    make_group,
    make_item,
    make_price_list,
    make_product,
    make_rule,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
EVERY_ROLE = set(Role.values)
READERS = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
MANAGERS = {Role.ADMIN, Role.SALES_MANAGER}


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


class TestBrandPages(PagesContract):
    namespace = "pricing"
    model = Brand
    view_roles = EVERY_ROLE
    change_roles = MANAGERS

    def make(self, firm, **overrides):
        return make_brand(firm, **overrides)

    def form_data(self, firm):
        return {"code": f"BR{Brand.objects.count() + 100}", "name": "Falcon",
                "name_ar": "فالكون", "is_active": "on"}


class TestProductGroupPages(PagesContract):
    namespace = "pricing"
    model = ProductGroup
    view_roles = EVERY_ROLE
    change_roles = MANAGERS

    def make(self, firm, **overrides):
        return make_group(firm, **overrides)

    def form_data(self, firm):
        return {"code": f"GR{ProductGroup.objects.count() + 100}", "name": "Laptops",
                "name_ar": "محمول", "is_active": "on"}

    def test_a_loop_in_the_tree_shows_on_the_parent_field(self, client, admin_user, firm):
        top = self.make(firm)
        below = self.make(firm, parent=top)
        client.force_login(admin_user)
        response = client.post(self.page("update", top.pk), {
            "code": top.code, "name": top.name, "parent": below.pk, "is_active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
        top.refresh_from_db()
        assert top.parent_id is None


class TestProductPages(PagesContract):
    namespace = "pricing"
    model = Product
    view_roles = EVERY_ROLE
    change_roles = MANAGERS

    def make(self, firm, **overrides):
        return make_product(firm, **overrides)

    def form_data(self, firm):
        return {"code": f"PR{Product.objects.count() + 100}", "name": "Office chair",
                "name_ar": "كرسي مكتب", "unit": "unit", "standard_price": "1250",
                "cost_price": "820", "tax_rate": "15", "is_active": "on"}

    def test_list_filters_by_group_with_subgroups_and_searches(self, client, admin_user,
                                                                  firm):
        top = make_group(firm)
        inside = self.make(firm, group=make_group(firm, parent=top), name="Inside")
        outside = self.make(firm, name="Outside")
        client.force_login(admin_user)
        html = client.get(self.page("list"), {"group": top.pk}).content.decode()
        assert self.page("detail", inside.pk) in html
        assert self.page("detail", outside.pk) not in html
        html = client.get(self.page("list"), {"search": "outsi"}).content.decode()
        assert self.page("detail", outside.pk) in html
        assert self.page("detail", inside.pk) not in html
        assert "/api/v1/products?" in html and "format=csv" in html

    def test_a_taken_code_shows_on_the_code_field(self, client, admin_user, firm):
        self.make(firm, code="DUP-1")
        client.force_login(admin_user)
        response = client.post(self.page("create"), {**self.form_data(firm), "code": "DUP-1"})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]

    def test_detail_shows_its_list_prices(self, client, admin_user, firm):
        product = self.make(firm)
        make_item(make_price_list(firm, name="Retail"), product, "77")
        client.force_login(admin_user)
        html = client.get(self.page("detail", product.pk)).content.decode()
        assert 'data-testid="product-prices"' in html and "Retail" in html


class TestPriceListPages(PagesContract):
    namespace = "pricing"
    model = PriceList
    view_roles = READERS
    change_roles = MANAGERS

    def make(self, firm, **overrides):
        return make_price_list(firm, **overrides)

    def form_data(self, firm):
        return {"code": f"PL{PriceList.objects.count() + 100}", "name": "Projects",
                "name_ar": "المشاريع", "type": "selling", "currency": "SAR",
                "is_active": "on", "discount_percent": "0", "markup_percent": "8",
                "rounding_method": "up", "rounding_precision": "0", "priority": "10"}

    def test_based_on_cycle_shows_on_the_field(self, client, admin_user, firm):
        base = self.make(firm)
        derived = self.make(firm, based_on=base)
        client.force_login(admin_user)
        # The form does not offer the list itself; a list based on it makes the loop.
        response = client.post(self.page("update", base.pk), {
            **self.form_data(firm), "code": base.code, "based_on": derived.pk})
        assert response.status_code == 200
        assert response.context["form"].errors["based_on"]

    def test_items_are_added_edited_and_deleted_in_place(self, client, admin_user, firm):
        price_list, product = self.make(firm), make_product(firm)
        client.force_login(admin_user)
        add = reverse("pricing:pricelist_item_add", args=[price_list.pk])
        response = client.post(add, {"add-product": product.pk, "add-price": "95",
                                     "add-min_quantity": "1"}, **HTMX)
        assert response.status_code == 200
        assert 'id="price-list-items"' in response.content.decode()
        item = PriceListItem.objects.get(price_list=price_list)
        assert item.price == Decimal("95") and item.history.latest().history_user == admin_user
        # A bad row comes back with its error, nothing saved.
        response = client.post(add, {"add-product": product.pk, "add-price": "-1",
                                     "add-min_quantity": "1"}, **HTMX)
        assert response.context["add_form"].errors["price"]
        assert price_list.items.count() == 1
        edit = reverse("pricing:pricelist_item_update", args=[price_list.pk, item.pk])
        form_page = client.get(edit, **HTMX)
        assert f'data-testid="item-edit-{item.pk}"' in form_page.content.decode()
        prefix = f"item-{item.pk}"
        response = client.post(edit, {f"{prefix}-product": product.pk,
                                      f"{prefix}-price": "90",
                                      f"{prefix}-min_quantity": "1"}, **HTMX)
        assert response.status_code == 200
        item.refresh_from_db()
        assert item.price == Decimal("90")
        delete = reverse("pricing:pricelist_item_delete", args=[price_list.pk, item.pk])
        assert client.post(delete, **HTMX).status_code == 200
        assert not price_list.items.exists()

    def test_items_without_javascript_redirect(self, client, admin_user, firm):
        price_list, product = self.make(firm), make_product(firm)
        client.force_login(admin_user)
        response = client.post(reverse("pricing:pricelist_item_add", args=[price_list.pk]),
                               {"add-product": product.pk, "add-price": "10",
                                "add-min_quantity": "1"})
        assert response.status_code == 302
        bad = client.post(reverse("pricing:pricelist_item_add", args=[price_list.pk]),
                          {"add-product": product.pk, "add-price": "x"})
        assert bad.status_code == 400 and bad.context["add_form"].errors

    def test_an_item_of_another_list_is_not_found(self, client, admin_user, firm):
        mine, other = self.make(firm), self.make(firm)
        item = make_item(other, make_product(firm), "10")
        client.force_login(admin_user)
        for name in ("pricelist_item_update", "pricelist_item_delete"):
            assert client.post(reverse(f"pricing:{name}", args=[mine.pk, item.pk]),
                               **HTMX).status_code == 404
        assert PriceListItem.objects.filter(pk=item.pk, price=Decimal("10")).exists()

    def test_readers_cannot_change_items(self, client, users, firm):
        price_list = self.make(firm)
        item = make_item(price_list, make_product(firm), "10")
        client.force_login(users[Role.SALES_PERSON])
        html = client.get(self.page("detail", price_list.pk)).content.decode()
        assert 'data-testid="add-item-form"' not in html and "toggle-active" not in html
        assert client.post(reverse("pricing:pricelist_item_delete",
                                   args=[price_list.pk, item.pk])).status_code == 403
        assert client.post(reverse("pricing:pricelist_toggle_active",
                                   args=[price_list.pk])).status_code == 403

    def test_toggle_and_duplicate_buttons(self, client, admin_user, firm):
        price_list = self.make(firm, code="RET")
        make_item(price_list, make_product(firm), "10")
        client.force_login(admin_user)
        html = client.get(self.page("detail", price_list.pk)).content.decode()
        assert 'data-testid="toggle-active"' in html and 'data-testid="duplicate"' in html
        response = client.post(reverse("pricing:pricelist_toggle_active", args=[price_list.pk]))
        assert response.status_code == 302
        price_list.refresh_from_db()
        assert price_list.is_active is False
        response = client.post(reverse("pricing:pricelist_duplicate", args=[price_list.pk]))
        copy = PriceList.objects.exclude(pk=price_list.pk).get(firm=firm)
        assert response["Location"] == self.page("detail", copy.pk)
        assert copy.items.count() == 1

    def test_import_page_shows_the_report(self, client, admin_user, firm):
        price_list = self.make(firm)
        make_product(firm, code="IMP-1")
        client.force_login(admin_user)
        url = reverse("pricing:pricelist_import", args=[price_list.pk])
        assert client.get(url).status_code == 200
        upload = SimpleUploadedFile("items.csv", b"productCode,price\nIMP-1,12\nNOPE,3\n",
                                    content_type="text/csv")
        response = client.post(url, {"file": upload, "dry_run": "on"})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="import-report"' in html and 'data-testid="refused-rows"' in html
        assert response.context["report"]["accepted"] == 1
        assert not price_list.items.exists()  # only checked
        upload = SimpleUploadedFile("items.csv", b"productCode,price\nIMP-1,12\n",
                                    content_type="text/csv")
        response = client.post(url, {"file": upload})
        assert response.context["report"]["created"] == 1
        assert price_list.items.get().price == Decimal("12")

    def test_import_refuses_other_files(self, client, admin_user, firm):
        price_list = self.make(firm)
        client.force_login(admin_user)
        upload = SimpleUploadedFile("items.txt", b"hello", content_type="text/plain")
        response = client.post(reverse("pricing:pricelist_import", args=[price_list.pk]),
                               {"file": upload})
        assert response.status_code == 400 and response.context["form"].errors["file"]

    def test_posts_need_the_csrf_token(self, admin_user, firm):
        price_list = self.make(firm)
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin_user)
        response = client.post(reverse("pricing:pricelist_toggle_active", args=[price_list.pk]))
        assert response.status_code == 403
        price_list.refresh_from_db()
        assert price_list.is_active is True


class TestPricingRulePages(PagesContract):
    namespace = "pricing"
    model = PricingRule
    view_roles = READERS
    change_roles = MANAGERS

    def make(self, firm, **overrides):
        return make_rule(firm, **overrides)

    def form_data(self, firm):
        return {"code": f"RU{PricingRule.objects.count() + 100}", "name": "Volume 5 %",
                "name_ar": "خصم الكمية", "type": "discount", "priority": "10",
                "is_active": "on", "apply_on": "all_items", "discount_type": "percentage",
                "discount_value": "5", "match_all_conditions": "on", "can_stack": "on",
                **management("conditions")}

    def test_conditions_builder_saves_and_shows_errors_per_row(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("conditions", 2),
                "conditions-0-field": "quantity", "conditions-0-operator": "between",
                "conditions-0-value": "5", "conditions-0-value2": "10",
                "conditions-1-field": "day_of_week", "conditions-1-operator": "in",
                "conditions-1-value": "4, 5"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        rule = PricingRule.objects.get(firm=firm, code=data["code"])
        assert rule.conditions == [
            {"field": "quantity", "operator": "between", "value": 5, "value2": 10},
            {"field": "day_of_week", "operator": "in", "value": [4, 5]}]
        edit = client.get(self.page("update", rule.pk))
        assert edit.context["formsets"][0]["formset"].initial[1]["value"] == "4, 5"
        bad = {**data, "code": "OTHER", "conditions-1-value": "9"}
        response = client.post(self.page("create"), bad)
        assert response.status_code == 200
        rows = response.context["formsets"][0]["formset"].forms
        assert rows[1].errors["value"] and not rows[0].errors
        assert not PricingRule.objects.filter(code="OTHER").exists()

    def test_detail_shows_conditions_and_buttons(self, client, admin_user, firm):
        rule = self.make(firm, conditions=[{"field": "quantity", "operator": "greater_than",
                                            "value": 3}])
        client.force_login(admin_user)
        html = client.get(self.page("detail", rule.pk)).content.decode()
        assert 'data-testid="conditions"' in html and "greater than" in html
        client.post(reverse("pricing:pricingrule_toggle_active", args=[rule.pk]))
        rule.refresh_from_db()
        assert rule.is_active is False
        response = client.post(reverse("pricing:pricingrule_duplicate", args=[rule.pk]))
        assert response.status_code == 302
        assert PricingRule.objects.filter(firm=firm).count() == 2


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
