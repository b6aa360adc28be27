"""Price list services: duplicate, toggle, and the bulk item import (JSON, CSV, XLSX)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ApplicationError
from pricing.models import PriceList, PriceListItem
from pricing.services import price_list_duplicate, price_list_items_import, price_list_toggle_active
from pricing.services.price_lists import IMPORT_MAX_ROWS
from tests.crm.factories import make_customer, make_customer_group, make_territory
from tests.factories import make_user
from tests.pricing.factories import make_item, make_price_list, make_product

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def actor(firm):
    return make_user(firm=firm)


@pytest.fixture
def price_list(firm):
    return make_price_list(firm, code="RETAIL", name="Retail")


@pytest.fixture
def products(firm):
    return [make_product(firm, code=f"SKU-{n}") for n in range(1, 4)]



class TestDuplicateAndToggle:
    def test_duplicate_copies_items_and_restrictions(self, firm, actor, products):
        customer, group, territory = (make_customer(firm), make_customer_group(firm),
                                      make_territory(firm))
        source = make_price_list(firm, code="VIP", name="VIP", is_default=True,
                                 markup_percent=D("5"), customers=[customer],
                                 customer_groups=[group], territories=[territory])
        make_item(source, products[0], "10", min_quantity=D("1"))
        make_item(source, products[0], "9", min_quantity=D("10"), discount_percent=D("2"))
        copy = price_list_duplicate(price_list=source, actor=actor)
        assert (copy.code, copy.name, copy.is_default, copy.markup_percent) == (
            "VIP-COPY", "VIP (copy)", False, D("5.0000"))
        assert (copy.created_by, copy.updated_by) == (actor, actor)
        assert list(copy.customers.all()) == [customer]
        assert list(copy.customer_groups.all()) == [group]
        assert list(copy.territories.all()) == [territory]
        assert sorted(copy.items.values_list("price", "min_quantity", "discount_percent")) == [
            (D("9.00"), D("10.0000"), D("2.0000")), (D("10.00"), D("1.0000"), None)]
        assert source.items.count() == 2 and PriceList.objects.get(pk=source.pk).is_default
        assert copy.history.first().history_user == actor
        again = price_list_duplicate(price_list=source, actor=actor)
        assert again.code == "VIP-COPY2"

    def test_duplicate_with_chosen_code_and_name(self, firm, actor, price_list):
        copy = price_list_duplicate(price_list=price_list, actor=actor, code="NEW",
                                    name="New list")
        assert (copy.code, copy.name) == ("NEW", "New list")
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            price_list_duplicate(price_list=price_list, actor=actor, code="NEW")

    def test_toggle(self, actor, price_list):
        assert price_list_toggle_active(price_list=price_list, actor=actor).is_active is False
        toggled = price_list_toggle_active(price_list=price_list, actor=actor)
        assert toggled.is_active is True and toggled.updated_by == actor


class TestImportRows:
    def test_good_rows_are_imported(self, actor, price_list, products):
        report = price_list_items_import(price_list=price_list, actor=actor, rows=[
            {"productId": products[0].pk, "price": 10, "minQuantity": 1, "maxQuantity": 9},
            {"productCode": "SKU-1", "price": "8.5", "minQuantity": 10},
            {"product_code": "SKU-2", "price": 20, "valid_from": "2026-01-01",
             "valid_to": "2026-12-31", "discount_percent": 5, "margin_percent": "30"},
        ])
        assert report == {"accepted": 3, "refused": [], "created": 3, "updated": 0,
                          "dry_run": False}
        rows = sorted(PriceListItem.objects.filter(price_list=price_list).values_list(
            "product__code", "price", "min_quantity", "max_quantity", "valid_from",
            "discount_percent", "created_by"))
        assert rows == [
            ("SKU-1", D("8.50"), D("10"), None, None, None, actor.pk),
            ("SKU-1", D("10.00"), D("1"), D("9"), None, None, actor.pk),
            ("SKU-2", D("20.00"), D("1"), None, datetime.date(2026, 1, 1), D("5"), actor.pk)]

    def test_bad_rows_are_refused_with_reasons(self, firm, actor, price_list, products):
        eighth = make_product(firm, code="SKU-8")
        report = price_list_items_import(price_list=price_list, actor=actor, rows=[
            {"productCode": "NOPE", "price": 1},
            {"productId": products[0].pk, "price": "abc"},
            {"productId": products[0].pk, "price": -1},
            {"productId": products[1].pk, "price": 5, "minQuantity": 10, "maxQuantity": 2},
            {"productId": products[1].pk, "price": 5, "validFrom": "31/12/2026"},
            {"productId": products[2].pk, "price": 5},
            {"productCode": "SKU-3", "price": 6},
            {"productId": eighth.pk, "price": 7, "discountPercent": 120},
            {"productId": products[1].pk},
        ])
        refused = {entry["row"]: entry["errors"] for entry in report["refused"]}
        assert refused == {
            1: {"product_code": "Unknown product."},
            2: {"price": "Enter a number."},
            3: {"price": "The price cannot be negative."},
            4: {"max_quantity": "The maximum quantity is below the minimum quantity."},
            5: {"valid_from": "Enter a date as YYYY-MM-DD."},
            7: {"row": "Same product, minimum quantity and start date as row 6."},
            8: {"discount_percent": "Enter a percentage from 0 to 100."},
            9: {"price": "Enter the price."},
        }
        assert (report["accepted"], report["created"]) == (1, 1)
        assert list(price_list.items.values_list("product__code", "price")) == [
            ("SKU-3", D("5.00"))]

    def test_same_product_break_and_start_updates(self, actor, price_list, products):
        item = make_item(price_list, products[0], "10", min_quantity=D("5"))
        report = price_list_items_import(price_list=price_list, actor=actor, rows=[
            {"productId": products[0].pk, "price": 12, "minQuantity": "5.0"},
            {"productId": products[0].pk, "price": 11, "minQuantity": 6}])
        assert (report["created"], report["updated"]) == (1, 1)
        item.refresh_from_db()
        assert (item.price, item.updated_by) == (D("12.00"), actor)
        assert price_list.items.count() == 2

    def test_dry_run_imports_nothing(self, actor, price_list, products):
        report = price_list_items_import(price_list=price_list, actor=actor, dry_run=True,
                                         rows=[{"productId": products[0].pk, "price": 1}])
        assert (report["accepted"], report["created"], report["dry_run"]) == (1, 1, True)
        assert price_list.items.count() == 0

    @pytest.mark.parametrize("rows", [
        [], "not rows", [1, 2], [{"price": 5}], [{"productId": 1}],
    ])
    def test_fatal_errors_import_nothing(self, actor, price_list, rows):
        with pytest.raises(ApplicationError) as error:
            price_list_items_import(price_list=price_list, actor=actor, rows=rows)
        assert (error.value.code, error.value.status_code) == ("import_failed", 400)
        assert price_list.items.count() == 0


class TestImportFiles:
    def test_csv(self, actor, price_list, products):
        content = ("productCode,price,minQuantity,maxQuantity,validFrom\n"
                   "SKU-1,10.50,1,,2026-01-01\n"
                   "SKU-2,abc,1,,\n"
                   "SKU-3,7,1,,\n").encode("utf-8-sig")
        upload = SimpleUploadedFile("items.csv", content, content_type="text/csv")
        report = price_list_items_import(price_list=price_list, actor=actor, file=upload)
        assert report["accepted"] == 2
        assert report["refused"] == [{"row": 2, "errors": {"price": "Enter a number."}}]
        assert sorted(price_list.items.values_list("product__code", "price")) == [
            ("SKU-1", D("10.50")), ("SKU-3", D("7.00"))]

    def test_xlsx(self, actor, price_list, products):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Product Code", "Price", "Min Quantity", "Valid From", "Discount Percent"])
        sheet.append(["SKU-1", 10, 1, datetime.datetime(2026, 2, 1), 5])
        sheet.append(["SKU-2", 20.25, 5, None, None])
        sheet.append(["SKU-9", 1, 1, None, None])
        buffer = io.BytesIO()
        book.save(buffer)
        upload = SimpleUploadedFile("items.xlsx", buffer.getvalue())
        report = price_list_items_import(price_list=price_list, actor=actor, file=upload)
        assert report["accepted"] == 2
        assert report["refused"] == [{"row": 3, "errors": {"product_code": "Unknown product."}}]
        assert sorted(price_list.items.values_list("product__code", "price", "min_quantity",
                                                   "valid_from", "discount_percent")) == [
            ("SKU-1", D("10.00"), D("1"), datetime.date(2026, 2, 1), D("5")),
            ("SKU-2", D("20.25"), D("5"), None, None)]

    @pytest.mark.parametrize(("name", "content"), [
        ("items.txt", b"productCode,price\nSKU-1,1\n"),
        ("items.xlsx", b"this is not a workbook"),
        ("items.csv", b"name,amount\nSKU-1,1\n"),
        ("items.csv", b"productCode,cost\nSKU-1,1\n"),
        ("items.csv", b"productCode,price\n"),
    ])
    def test_fatal_file_errors_import_nothing(self, actor, price_list, products, name,
                                              content):
        with pytest.raises(ApplicationError) as error:
            price_list_items_import(price_list=price_list, actor=actor,
                                    file=SimpleUploadedFile(name, content))
        assert error.value.code == "import_failed"
        assert price_list.items.count() == 0

    @pytest.mark.parametrize("source", ["rows", "csv", "xlsx"])
    def test_more_than_the_row_limit_is_refused_whole(self, actor, price_list, products,
                                                      source):
        count = IMPORT_MAX_ROWS + 1
        if source == "rows":
            given = {"rows": [{"product_code": "SKU-1", "price": 1}] * count}
        elif source == "csv":
            given = {"file": SimpleUploadedFile(
                "items.csv", b"productCode,price\n" + b"SKU-1,1\n" * count)}
        else:
            book = openpyxl.Workbook()
            book.active.append(["Product Code", "Price"])
            for _index in range(count):
                book.active.append(["SKU-1", 1])
            buffer = io.BytesIO()
            book.save(buffer)
            given = {"file": SimpleUploadedFile("items.xlsx", buffer.getvalue())}
        with pytest.raises(ApplicationError) as error:
            price_list_items_import(price_list=price_list, actor=actor, **given)
        assert (error.value.code, error.value.details) == (
            "import_failed", {"limit": IMPORT_MAX_ROWS})
        assert price_list.items.count() == 0

    def test_bytes_with_a_filename(self, actor, price_list, products):
        report = price_list_items_import(price_list=price_list, actor=actor,
                                         file=b"product_id,price\n%d,3\n" % products[0].pk,
                                         filename="x.csv")
        assert report["created"] == 1
