"""Sales orders over the API (`sales-orders`): the contract, nested priced lines,
every action with its refusals (409 with the allowed list), from-quote once, stats, PDF,
soft-deleted orders readable by id only, a seller's own orders."""

import datetime
from decimal import Decimal

import pytest

import sales.receivers  # connects the campaign_deleted receiver (until SalesConfig.ready)
from core.choices import Role
from crm import services as crm_services
from sales.orders import services
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, WORK, assert_error
from tests.crm.factories import make_campaign, make_customer, make_sales_person
from tests.factories import make_user
from tests.pricing.factories import make_product
from tests.sales.contracts import PricedDocumentApi, assert_pdf_served
from tests.sales.factories import make_order, order_in, quote_in, set_quantities

assert sales.receivers

PATH = "/api/v1/sales-orders"
S = SalesOrderStatus


class TestSalesOrdersApi(PricedDocumentApi):
    model = SalesOrder
    factory = make_order
    scope_field = "actor"  # a seller reaches the orders they entered
    path = PATH
    key, plural = "order", "orders"
    sort_fields = ["createdAt", "number", "orderNumber", "orderDate", "total", "totalAmount",
                   "status", "balanceDue", "deliveryProgress"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK,
                   Role.FINANCE: READ, Role.WAREHOUSE: READ}
    payload = {"expectedDeliveryDate": "2026-12-01"}

    def update_payload(self, obj):
        return {"notes": "Call before delivery", "shippingMethod": "Courier"}

    def filter_cases(self, firm):
        seller = make_sales_person(firm)
        campaign = make_campaign(firm)
        big = self.make(firm, sales_person=seller, campaign=campaign,
                        order_date=datetime.date(2026, 3, 1))
        small = order_in(firm, S.CONFIRMED, order_date=datetime.date(2026, 1, 10),
                         lines=[{"description": "S", "quantity": 1, "unit_price": 10}])
        return [({"status": "confirmed"}, small, big),
                ({"status": "draft,on_hold"}, big, small),
                ({"salesPersonId": str(seller.pk)}, big, small),
                ({"campaignId": str(campaign.pk)}, big, small),
                *self.document_cases(big, small)]


@pytest.mark.django_db
class TestOrderWrites:
    def test_create_answers_the_rules_example(self, api, firm, admin_user):
        response = api.post(PATH, TestSalesOrdersApi().create_payload(firm), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        order = body["data"]["order"]
        assert (order["subtotal"], order["afterDiscount"], order["taxAmount"],
                order["totalAmount"], order["balanceDue"]) == (2250, 2150, 258, 2408, 2408)
        assert order["orderNumber"].startswith("SO-") and order["status"] == "draft"
        # One name per concept across documents; the first names stay as aliases.
        assert (order["number"], order["total"]) == (order["orderNumber"], order["totalAmount"])
        assert order["allowedTransitions"] == ["cancelled", "confirmed"]
        assert [(item["lineTotal"], item["quantityDelivered"], item["quantityRemaining"])
                for item in order["items"]] == [(1800, 0, 2), (450, 0, 1)]
        assert body["messageAr"]

    def test_product_line_priced_by_the_resolver(self, api, firm):
        product = make_product(firm, standard_price=Decimal("120"))
        response = api.post(PATH, {"customerId": make_customer(firm).pk,
                                   "items": [{"productId": product.pk, "quantity": 3}]},
                            format="json")
        assert response.status_code == 201, response.content
        item = response.json()["data"]["order"]["items"][0]
        assert (item["unitPrice"], item["lineTotal"], item["productName"]) == (
            120, 360, product.name)
        assert item["pricingTrace"]["basePrice"] == 120

    def test_line_errors_name_the_item(self, api, firm):
        error = assert_error(api.post(PATH, {"customerId": make_customer(firm).pk, "items": [
            {"description": "x", "quantity": 0, "unitPrice": 1}]}, format="json"),
            400, "validation_error")
        assert "items.0.quantity" in error["details"] or "items" in error["details"]

    def test_put_replaces_lines(self, api, firm):
        order = make_order(firm)
        response = api.put(f"{PATH}/{order.pk}", {
            "customerId": order.customer_id, "discountValue": 0,
            "items": [{"description": "One", "quantity": 1, "unitPrice": 100,
                       "taxRate": 15}]}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["order"]["totalAmount"] == 115

    def test_confirmed_order_is_not_edited_or_deleted(self, api, firm):
        order = order_in(firm, S.CONFIRMED)
        assert_error(api.patch(f"{PATH}/{order.pk}", {"notes": "x"}, format="json"), 409,
                     "order_not_editable")
        assert_error(api.delete(f"{PATH}/{order.pk}"), 409, "order_not_deletable")
        assert SalesOrder.objects.filter(pk=order.pk).exists()


@pytest.mark.django_db
class TestActions:
    def test_confirm_hold_resume_cancel(self, api, firm):
        customer = make_customer(firm, addresses=[{"kind": "billing", "line1": "1 Road",
                                                   "city": "Riyadh"}])
        order = make_order(firm, customer=customer)
        response = api.post(f"{PATH}/{order.pk}/confirm", {}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["message"] == "Order confirmed successfully"
        assert body["messageAr"] == "تم تأكيد الطلب بنجاح" or body["messageAr"]
        confirmed = body["data"]["order"]
        assert confirmed["status"] == "confirmed" and confirmed["confirmedAt"]
        assert confirmed["billingAddress"]["addressLine1"] == "1 Road"
        assert confirmed["shippingAddress"]["city"] == "Riyadh"
        held = api.post(f"{PATH}/{order.pk}/hold", {"reason": "credit check"}, format="json")
        assert held.json()["data"]["order"]["status"] == "on_hold"
        resumed = api.post(f"{PATH}/{order.pk}/resume", {}, format="json")
        assert resumed.json()["data"]["order"]["status"] == "confirmed"
        error = assert_error(api.post(f"{PATH}/{order.pk}/cancel", {}, format="json"), 400,
                             "validation_error")
        assert "reason" in error["details"]
        cancelled = api.post(f"{PATH}/{order.pk}/cancel", {"reason": "Customer withdrew"},
                             format="json")
        assert cancelled.status_code == 200
        assert cancelled.json()["data"]["order"]["cancellationReason"] == "Customer withdrew"

    @pytest.mark.parametrize(("status", "action"), [
        (S.CONFIRMED, "confirm"), (S.DRAFT, "hold"), (S.COMPLETED, "hold"),
        (S.CONFIRMED, "resume"), (S.SHIPPED, "cancel"), (S.CANCELLED, "confirm")])
    def test_refused_moves_answer_409_with_the_allowed(self, api, firm, status, action):
        order = order_in(firm, status)
        error = assert_error(api.post(f"{PATH}/{order.pk}/{action}", {"reason": "r"},
                                      format="json"), 409, "invalid_transition")
        assert error["details"]["from"] == status
        assert error["details"]["allowed"] == services.order_allowed_targets(order=order)
        assert SalesOrder.all_objects.get(pk=order.pk).status == status

    def test_cancel_refused_once_delivered(self, api, firm):
        order = order_in(firm, S.CONFIRMED)
        set_quantities(order, delivered=[1, 0])
        error = assert_error(api.post(f"{PATH}/{order.pk}/cancel", {"reason": "late"},
                                      format="json"), 409, "invalid_transition")
        assert "cancelled" not in error["details"]["allowed"]

    def test_confirm_without_lines(self, api, firm):
        order = make_order(firm, lines=[])
        assert_error(api.post(f"{PATH}/{order.pk}/confirm", {}, format="json"), 400,
                     "order_incomplete")

    def test_from_quote_once(self, api, firm):
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        response = api.post(f"{PATH}/from-quote/{quote.pk}", {}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        order = body["data"]["order"]
        assert (order["quoteId"], order["quoteNumber"], order["status"],
                order["totalAmount"]) == (quote.pk, quote.number, "draft", 2408)
        assert body["message"] == "Sales order created from quote"
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.CONVERTED
        error = assert_error(api.post(f"{PATH}/from-quote/{quote.pk}", {}, format="json"),
                             409, "quote_already_converted")
        assert error["details"]["orderId"] == order["id"]

    def test_from_quote_of_another_firm_is_not_found(self, api, other_firm):
        quote = quote_in(other_firm, QuoteStatus.ACCEPTED)
        assert_error(api.post(f"{PATH}/from-quote/{quote.pk}", {}, format="json"), 404,
                     "not_found")

    def test_stats(self, api, firm):
        services.order_confirm(order=make_order(firm), actor=None)
        make_order(firm)
        response = api.get(f"{PATH}/stats")
        assert response.status_code == 200
        stats = response.json()["data"]["stats"]
        assert (stats["count"], stats["bookedCount"], stats["bookedAmount"]) == (2, 1, 2408)
        assert {row["status"]: row["count"] for row in stats["byStatus"]}["draft"] == 1

    def test_pdf(self, api, firm):
        order = make_order(firm)
        assert_pdf_served(api, f"{PATH}/{order.pk}/pdf")

    def test_soft_deleted_orders_leave_lists_and_stats_but_stay_readable(
            self, api, firm, admin_user, django_capture_on_commit_callbacks):
        campaign = make_campaign(firm)
        gone = make_order(firm, campaign=campaign)
        kept = make_order(firm)
        with django_capture_on_commit_callbacks(execute=True):
            crm_services.campaign_delete(campaign=campaign, actor=admin_user)
        listed = [row["id"] for row in api.get(PATH).json()["data"]["orders"]]
        assert listed == [kept.pk]
        assert api.get(f"{PATH}/stats").json()["data"]["stats"]["count"] == 1
        shown = api.get(f"{PATH}/{gone.pk}").json()["data"]["order"]
        assert shown["deletedAt"] and shown["allowedTransitions"] == []
        assert_error(api.post(f"{PATH}/{gone.pk}/confirm", {}, format="json"), 409,
                     "order_deleted")

    def test_a_seller_sees_their_own_orders(self, firm):
        seller = make_sales_person(firm)
        other = make_sales_person(firm)
        mine = make_order(firm, sales_person=seller)
        entered = make_order(firm, actor=seller.user)
        theirs = make_order(firm, sales_person=other)
        client = client_for(seller.user)
        ids = {row["id"] for row in client.get(PATH).json()["data"]["orders"]}
        assert ids == {mine.pk, entered.pk}
        assert_error(client.get(f"{PATH}/{theirs.pk}"), 404, "not_found")
        stats = client.get(f"{PATH}/stats").json()["data"]["stats"]
        assert stats["count"] == 2

    def test_approve_needs_the_permission(self, firm, users):
        order = make_order(firm, actor=users[Role.SALES_PERSON])
        response = client_for(users[Role.SALES_PERSON]).post(f"{PATH}/{order.pk}/approve", {},
                                                             format="json")
        assert_error(response, 403, "permission_denied")

    def test_warehouse_cannot_confirm(self, firm):
        warehouse = make_user(firm=firm, role=Role.WAREHOUSE)
        order = make_order(firm)
        assert_error(client_for(warehouse).post(f"{PATH}/{order.pk}/confirm", {},
                                                format="json"), 403, "permission_denied")
