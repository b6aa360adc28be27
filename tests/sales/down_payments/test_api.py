"""Down payments over the API (docs/api.md `down-payments`): the contract, and every
action with its refusals."""

import datetime
from decimal import Decimal

import pytest

from core.choices import Role
from sales.down_payments.choices import DownPaymentStatus
from sales.down_payments.models import DownPayment
from sales.invoicing.models import Invoice
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, ApiContract, assert_error, assert_params_refused
from tests.crm import RoleScopedContract
from tests.crm.factories import make_customer
from tests.sales.factories import (
    confirmed_order,
    make_down_payment,
    make_quote,
    paid_down_payment,
    posted_invoice,
)

PATH = "/api/v1/down-payments"
D = Decimal


class TestDownPaymentsApi(RoleScopedContract, ApiContract):
    model = DownPayment
    factory = make_down_payment
    scope_field = "actor"  # a seller reaches what they entered; everyone else the firm's
    path = PATH
    key, plural = "downPayment", "downPayments"
    sort_fields = ["createdAt", "number", "requestedDate", "dueDate", "amount", "status",
                   "remainingAmount", "customerName"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.FINANCE: ALL,
                   Role.SALES_PERSON: READ}

    def create_payload(self, firm):
        return {"sourceType": "sales_order", "sourceId": confirmed_order(firm, total="3600").pk,
                "type": "percentage", "percentageValue": 10, "notes": "On signing"}

    def invalid_payload(self, firm):
        return {"sourceType": "sales_order", "sourceId": confirmed_order(firm, total="3600").pk,
                "type": "percentage", "percentageValue": 150}, "percentageValue"

    def update_payload(self, obj):
        return {"notes": "Due on signing", "percentageValue": 20}

    def search_case(self, firm):
        self.make(firm)
        customer = make_customer(firm, name="Tabuk Marble Works")
        order = confirmed_order(firm, total="3600", customer=customer)
        return self.make(firm, source=order), "tabuk marble"

    def filter_cases(self, firm):
        order = confirmed_order(firm, total="3600")
        on_order = self.make(firm, source=order, fixed_amount=D("100"),
                             requested_date=datetime.date(2026, 1, 5),
                             due_date=datetime.date(2026, 1, 20))
        on_quote = self.make(firm, source=make_quote(firm), percentage_value=D("50"),
                             requested_date=datetime.date(2026, 3, 1),
                             due_date=datetime.date(2026, 3, 10))
        DownPayment.objects.filter(pk=on_quote.pk).update(status=DownPaymentStatus.PENDING)
        return [({"status": "pending"}, on_quote, on_order),
                ({"status": "draft,paid"}, on_order, on_quote),
                ({"customerId": str(order.customer_id)}, on_order, on_quote),
                ({"salesOrderId": str(order.pk)}, on_order, on_quote),
                ({"quoteId": str(on_quote.quote_id)}, on_quote, on_order),
                ({"sourceType": "quote"}, on_quote, on_order),
                ({"type": "fixed_amount"}, on_order, on_quote),
                ({"startDate": "2026-02-01"}, on_quote, on_order),
                ({"endDate": "2026-02-01"}, on_order, on_quote),
                ({"amountMin": "1000"}, on_quote, on_order),
                ({"dueTo": "2026-02-01"}, on_order, on_quote)]

    def test_bad_filter_values_are_refused(self, api):
        assert_params_refused(api, PATH, {"status": "asleep", "amountMin": "lots"})


@pytest.mark.django_db
class TestDownPaymentWrites:
    def test_create_answers_amounts_and_source(self, api, firm):
        order = confirmed_order(firm, total="3600")
        response = api.post(PATH, {"sourceType": "sales_order", "sourceId": order.pk,
                                   "type": "fixed_amount", "fixedAmount": 1150,
                                   "vatRate": 15, "dueDate": "2030-01-31"}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()["data"]["downPayment"]
        assert body["downPaymentNumber"] == body["number"]
        assert body["number"].startswith("DP-")
        assert (body["amount"], body["amountExcludingVat"], body["vatAmount"]) == (
            1150, 1000, 150)
        assert (body["sourceType"], body["sourceId"], body["salesOrderId"],
                body["sourceNumber"], body["sourceTotalAmount"]) == (
            "sales_order", order.pk, order.pk, order.number, 3600)
        assert body["customerId"] == order.customer_id
        assert body["status"] == "draft"
        assert body["allowedTransitions"] == ["cancelled", "pending"]
        assert body["applications"] == [] and body["refunds"] == []

    def test_create_above_the_total_answers_what_remains(self, api, firm):
        order = confirmed_order(firm, total="3600")
        make_down_payment(firm, source=order, fixed_amount=D("3000"))
        error = assert_error(api.post(PATH, {"sourceType": "sales_order",
                                             "sourceId": order.pk, "type": "fixed_amount",
                                             "fixedAmount": 700}, format="json"),
                             400, "down_payment_exceeds_total")
        assert error["details"]["remaining"] == 600

    @pytest.mark.parametrize(("payload", "field"), [
        ({"type": "percentage", "percentageValue": 10}, "sourceType"),
        ({"sourceType": "quote", "type": "percentage", "percentageValue": 10}, "sourceId"),
        ({"sourceType": "invoice", "sourceId": 1, "type": "percentage"}, "sourceType"),
        ({"sourceType": "sales_order", "type": "fixed_amount"}, "fixedAmount"),
    ])
    def test_create_refusals_name_the_field(self, api, firm, payload, field):
        if "sourceId" not in payload and payload.get("sourceType") == "sales_order":
            payload = {**payload, "sourceId": confirmed_order(firm, total="3600").pk}
        error = assert_error(api.post(PATH, payload, format="json"), 400, "validation_error")
        assert field in error["details"]

    def test_another_firms_source_is_refused(self, api, other_firm):
        order = confirmed_order(other_firm, total="3600")
        error = assert_error(api.post(PATH, {"sourceType": "sales_order", "sourceId": order.pk,
                                             "type": "percentage", "percentageValue": 10},
                                      format="json"), 400, "validation_error")
        assert "sourceId" in error["details"]

    def test_source_cannot_change(self, api, firm):
        advance = make_down_payment(firm)
        error = assert_error(api.patch(f"{PATH}/{advance.pk}", {
            "sourceType": "quote", "sourceId": make_quote(firm).pk}, format="json"),
            400, "validation_error")
        assert "sourceId" in error["details"]

    def test_only_drafts_change_or_go(self, api, firm):
        advance = paid_down_payment(firm)
        assert_error(api.patch(f"{PATH}/{advance.pk}", {"notes": "x"}, format="json"), 409,
                     "down_payment_not_editable")
        assert_error(api.delete(f"{PATH}/{advance.pk}"), 409, "down_payment_not_deletable")


@pytest.mark.django_db
class TestDownPaymentActions:
    def test_the_whole_way(self, api, firm):
        order = confirmed_order(firm, total="3600")
        advance = make_down_payment(firm, source=order, fixed_amount=D("1000"))
        url = f"{PATH}/{advance.pk}"
        generated = api.post(f"{url}/generate-invoice", {}, format="json")
        assert generated.status_code == 200, generated.content
        body = generated.json()
        assert body["message"] and body["messageAr"]
        assert body["data"]["downPayment"]["status"] == "pending"
        assert body["data"]["downPayment"]["invoiceNumber"].startswith("INV-")
        paid = api.post(f"{url}/record-payment", {"paymentMethod": "cash",
                                                  "paymentReference": "R-9",
                                                  "paidDate": "2026-05-01"}, format="json")
        assert paid.status_code == 200, paid.content
        shown = paid.json()["data"]["downPayment"]
        assert (shown["status"], shown["paidAmount"], shown["remainingAmount"],
                shown["paymentMethod"], shown["paidDate"]) == (
            "paid", 1000, 1000, "cash", "2026-05-01")
        invoice = posted_invoice(firm, order=order)
        available = api.get(f"{PATH}/available-for/{invoice.pk}").json()["data"]
        assert [row["id"] for row in available["downPayments"]] == [advance.pk]
        applied = api.post(f"{url}/apply", {"invoiceId": invoice.pk, "amount": 400},
                           format="json")
        assert applied.status_code == 200, applied.content
        shown = applied.json()["data"]["downPayment"]
        assert (shown["status"], shown["appliedAmount"], shown["remainingAmount"]) == (
            "partially_applied", 400, 600)
        assert [(row["invoiceId"], row["appliedAmount"]) for row in shown["applications"]] == [
            (invoice.pk, 400)]
        assert Invoice.objects.get(pk=invoice.pk).amount_due == D("3200.00")
        refunded = api.post(f"{url}/refund", {"amount": 600, "reason": "Scope reduced"},
                            format="json")
        assert refunded.status_code == 200, refunded.content
        shown = refunded.json()["data"]["downPayment"]
        assert (shown["status"], shown["refundedAmount"], shown["remainingAmount"]) == (
            "refunded", 600, 0)
        assert shown["refunds"][0]["reason"] == "Scope reduced"
        customer = api.get(f"{PATH}/customer/{order.customer_id}").json()["data"]
        assert [row["id"] for row in customer["downPayments"]] == [advance.pk]

    def test_refusals(self, api, firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("500"))
        url = f"{PATH}/{advance.pk}"
        invoice = posted_invoice(firm, order=order)
        error = assert_error(api.post(f"{url}/apply", {"invoiceId": invoice.pk,
                                                       "amount": 500.01}, format="json"),
                             400, "amount_exceeds_remaining")
        assert error["details"]["remaining"] == 500
        assert_error(api.post(f"{url}/refund", {"amount": 501, "reason": "x"}, format="json"),
                     400, "refund_exceeds_available")
        assert_error(api.post(f"{url}/refund", {"amount": 1}, format="json"), 400,
                     "validation_error")
        error = assert_error(api.post(f"{url}/generate-invoice", {}, format="json"), 409,
                             "invalid_transition")
        assert error["details"]["from"] == "paid"
        assert_error(api.post(f"{url}/cancel", {}, format="json"), 409, "invalid_transition")
        error = assert_error(api.post(f"{url}/apply", {"invoiceId": 987654321, "amount": 1},
                                      format="json"), 400, "validation_error")
        assert "invoiceId" in error["details"]

    def test_other_firms_are_not_found(self, api, firm, other_firm):
        foreign = paid_down_payment(other_firm)
        assert_error(api.post(f"{PATH}/{foreign.pk}/cancel", {}, format="json"), 404,
                     "not_found")
        assert_error(api.get(f"{PATH}/customer/{foreign.customer_id}"), 404, "not_found")
        assert_error(api.get(f"{PATH}/available-for/{foreign.invoice_id}"), 404, "not_found")

    def test_stats(self, api, firm):
        make_down_payment(firm, fixed_amount=D("100"))
        paid_down_payment(firm, fixed_amount=D("250"))
        response = api.get(f"{PATH}/stats")
        assert response.status_code == 200
        stats = response.json()["data"]["stats"]
        assert (stats["count"], stats["totalRequested"], stats["totalPaid"]) == (2, 350, 250)
        by_status = {row["status"]: row["count"] for row in stats["byStatus"]}
        assert by_status["draft"] == by_status["paid"] == 1
        filtered = api.get(f"{PATH}/stats", {"status": "paid"}).json()["data"]["stats"]
        assert filtered["count"] == 1

    @pytest.mark.parametrize("role", [Role.SALES_PERSON, Role.WAREHOUSE])
    def test_roles_without_change_may_not_act(self, users, firm, role):
        advance = make_down_payment(firm, actor=users[role])
        client = client_for(users[role])
        assert_error(client.post(f"{PATH}/{advance.pk}/generate-invoice", {}, format="json"),
                     403, "permission_denied")
        assert DownPayment.objects.get(pk=advance.pk).status == "draft"

    def test_finance_works_them(self, users, firm):
        advance = make_down_payment(firm)
        response = client_for(users[Role.FINANCE]).post(
            f"{PATH}/{advance.pk}/generate-invoice", {}, format="json")
        assert response.status_code == 200, response.content

    def test_a_seller_sees_only_their_own(self, users, firm):
        seller = users[Role.SALES_PERSON]
        mine = make_down_payment(firm, actor=seller)
        make_down_payment(firm)
        rows = client_for(seller).get(PATH).json()["data"]["downPayments"]
        assert [row["id"] for row in rows] == [mine.pk]
