"""Price list staff pages: the page contract, the items in place, duplicate and import."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.choices import Role
from pricing.models import PriceList, PriceListItem
from tests.contracts.pages import HTMX, READERS
from tests.pricing import CodedPages
from tests.pricing.factories import make_item, make_price_list, make_product


class TestPriceListPages(CodedPages):
    model = PriceList
    factory = make_price_list
    view_roles = READERS
    code_prefix, names = "PL", ("Projects", "المشاريع")
    fields = {"type": "selling", "currency": "SAR", "discount_percent": "0",
              "markup_percent": "8", "rounding_method": "up", "rounding_precision": "0",
              "priority": "10"}

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
