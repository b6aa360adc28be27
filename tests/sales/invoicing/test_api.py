"""Invoices and credit notes API (docs/api.md): the list/retrieve contract, create from an order,
post, cancel, payments, PDFs, role permissions and another firm's ids."""

from decimal import Decimal

import pytest

from core.choices import Role
from sales.invoicing.models import CreditNote, Invoice, Refund
from tests.conftest import client_for
from tests.contracts.api import ApiContract, assert_camel_keys, assert_error
from tests.crm.factories import make_customer
from tests.sales.contracts import assert_pdf_served
from tests.sales.factories import (
    confirmed_order,
    credit_note,
    draft_invoice,
    lines_of,
    overpaid_credit_note,
    pay,
    posted_invoice,
    refund,
)

MANAGE = {"list", "retrieve", "create"}


class TestInvoiceContract(ApiContract):
    path = "/api/v1/invoices"
    key, plural = "invoice", "invoices"
    model = Invoice
    sort_fields = ["createdAt", "number", "invoiceDate", "dueDate", "total", "amountDue",
                   "status", "customerName"]
    permissions = {Role.ADMIN: MANAGE, Role.SALES_MANAGER: MANAGE, Role.FINANCE: MANAGE}
    query_rows = (2, 12)

    # Invoices are never edited or deleted through the API: they are posted and cancelled.
    test_update_writes_history_with_actor = None
    test_delete = None
    test_role_permissions = None
    test_other_firm_is_not_found = None  # TestInvoiceActions has the invoice's own version

    def make(self, firm, **kw):
        return draft_invoice(firm, **kw)

    def create_payload(self, firm):
        return {"orderId": confirmed_order(firm).pk}

    def invalid_payload(self, firm):
        return {"orderId": None}, "orderId"

    def update_payload(self, obj):
        return {"notes": "changed"}

    def search_case(self, firm):
        self.make(firm)
        customer = make_customer(firm, name="Zebra Unique Trading")
        return draft_invoice(firm, order=confirmed_order(firm, customer=customer)), "zebra uniq"

    def filter_cases(self, firm):
        posted, draft = posted_invoice(firm), draft_invoice(firm)
        return [
            ({"status": "posted"}, posted, draft),
            ({"status": "draft,cancelled"}, draft, posted),
            ({"orderId": posted.order_id}, posted, draft),
            ({"customerId": draft.customer_id}, draft, posted),
            ({"kind": "regular"}, draft, make_down_payment_invoice(firm)),
        ]


def make_down_payment_invoice(firm):
    from sales.invoicing.services import invoice_create

    return invoice_create(firm=firm, actor=None, customer=make_customer(firm), lines=[
        {"description": "Advance", "quantity": 1, "unit_price": Decimal("100")}])


class TestCreditNoteContract(ApiContract):
    path = "/api/v1/credit-notes"
    key, plural = "creditNote", "creditNotes"
    model = CreditNote
    sort_fields = ["createdAt", "number", "creditDate", "total", "status"]
    query_rows = (2, 10)
    permissions = {Role.ADMIN: MANAGE, Role.SALES_MANAGER: MANAGE, Role.FINANCE: MANAGE}

    # Credit notes are never edited or deleted through the API: they are posted and cancelled.
    test_update_writes_history_with_actor = None
    test_delete = None
    test_role_permissions = None  # TestCreditNoteActions has the credit note's own version
    test_other_firm_is_not_found = None

    def make(self, firm, **kw):
        return credit_note(posted_invoice(firm))

    def create_payload(self, firm):
        invoice = posted_invoice(firm)
        return {"invoiceId": invoice.pk, "reason": "Damaged on arrival", "lines": [
            {"invoiceLineId": invoice.lines.order_by("position").last().pk, "quantity": 1}]}

    def invalid_payload(self, firm):
        return {"invoiceId": posted_invoice(firm).pk, "reason": "x", "lines": []}, "lines"

    def search_case(self, firm):
        self.make(firm)
        note = credit_note(posted_invoice(firm), post=True)
        return note, note.number

    def filter_cases(self, firm):
        posted = credit_note(posted_invoice(firm), post=True)
        draft = self.make(firm)
        return [({"status": "posted"}, posted, draft),
                ({"invoiceId": draft.invoice_id}, draft, posted)]


# --- actions ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestInvoiceActions:
    def test_create_partial_post_pay_and_pdf(self, api, firm, admin_user):
        order = confirmed_order(firm)
        a, _b = lines_of(order)
        created = api.post("/api/v1/invoices", {"orderId": order.pk, "lines": [
            {"orderLineId": a.pk, "quantity": 1}]}, format="json")
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["message"] and body["messageAr"]
        invoice = body["data"]["invoice"]
        assert_camel_keys(body)
        assert (invoice["status"], invoice["number"], invoice["total"],
                invoice["amountDue"]) == ("draft", "", 989.0, 989.0)
        assert invoice["allowedTransitions"] == ["cancelled", "posted"]
        posted = api.post(f"/api/v1/invoices/{invoice['id']}/post")
        assert posted.status_code == 200, posted.content
        data = posted.json()["data"]["invoice"]
        assert data["number"].startswith("INV-") and data["status"] == "posted"
        assert data["number"] in posted.json()["message"]
        paid = api.post(f"/api/v1/invoices/{invoice['id']}/payments",
                        {"amount": 500.5, "method": "cash", "reference": "R-1"}, format="json")
        assert paid.status_code == 201, paid.content
        assert paid.json()["data"]["payment"]["amount"] == 500.5
        assert paid.json()["data"]["invoice"]["amountDue"] == 488.5
        assert paid.json()["data"]["invoice"]["status"] == "partially_paid"
        listed = api.get(f"/api/v1/invoices/{invoice['id']}/payments").json()["data"]
        assert [row["reference"] for row in listed["payments"]] == ["R-1"]
        assert_pdf_served(api, f"/api/v1/invoices/{invoice['id']}/pdf")

    def test_an_open_draft_and_a_cancelled_order_never_meet(self, api, firm):
        order = confirmed_order(firm)
        draft = api.post("/api/v1/invoices", {"orderId": order.pk}, format="json")
        draft_id = draft.json()["data"]["invoice"]["id"]
        error = assert_error(api.post(f"/api/v1/sales-orders/{order.pk}/cancel",
                                      {"reason": "customer left"}, format="json"),
                             409, "order_has_open_documents")
        assert error["details"] == {"documents": [{"type": "invoice", "id": draft_id}]}
        assert api.get(f"/api/v1/sales-orders/{order.pk}").json()["data"]["order"][
            "status"] == "confirmed"
        assert api.post(f"/api/v1/sales-orders/{order.pk}/hold").status_code == 200
        assert_error(api.post(f"/api/v1/invoices/{draft_id}/post"), 409, "order_not_invoicable")
        invoice = api.get(f"/api/v1/invoices/{draft_id}").json()["data"]["invoice"]
        assert (invoice["status"], invoice["number"]) == ("draft", "")
        assert api.post(f"/api/v1/invoices/{draft_id}/cancel",
                        {"reason": "order stopped"}, format="json").status_code == 200
        cancelled = api.post(f"/api/v1/sales-orders/{order.pk}/cancel",
                             {"reason": "customer left"}, format="json")
        assert cancelled.json()["data"]["order"]["status"] == "cancelled"

    def test_business_errors(self, api, firm):
        order = confirmed_order(firm)
        a, _b = lines_of(order)
        error = assert_error(api.post("/api/v1/invoices", {"orderId": order.pk, "lines": [
            {"orderLineId": a.pk, "quantity": 5}]}, format="json"), 400,
            "quantity_exceeds_remaining")
        assert "lines.0.quantity" in error["details"]
        error = assert_error(api.post("/api/v1/invoices", {"orderId": order.pk, "lines": [
            {"orderLineId": 987654, "quantity": 1}]}, format="json"), 400, "validation_error")
        assert "lines.0.orderLineId" in error["details"]
        invoice = posted_invoice(firm)
        error = assert_error(api.post(f"/api/v1/invoices/{invoice.pk}/payments",
                                      {"amount": 2408.01}, format="json"),
                             400, "amount_exceeds_due")
        assert error["details"]["amountDue"] == "2408.00" or error["details"]["amountDue"]
        pay(invoice, "1")
        error = assert_error(api.post(f"/api/v1/invoices/{invoice.pk}/cancel",
                                      {"reason": "x"}, format="json"), 409,
                             "invalid_transition")
        assert error["details"]["from"] == "partially_paid"
        assert_error(api.post(f"/api/v1/invoices/{invoice.pk}/post"), 409,
                     "invalid_transition")
        assert_error(api.post(f"/api/v1/invoices/{invoice.pk}/cancel", {}, format="json"),
                     400, "validation_error")
        assert_error(api.post("/api/v1/invoices", {"orderId": confirmed_order(firm).pk,
                                                   "lines": []}, format="json"),
                     400, "validation_error")

    def test_cancel(self, api, firm):
        invoice = posted_invoice(firm)
        response = api.post(f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "duplicate"},
                            format="json")
        assert response.status_code == 200, response.content
        data = response.json()["data"]["invoice"]
        assert (data["status"], data["cancellationReason"], data["number"]) == (
            "cancelled", "duplicate", invoice.number)

    def test_overdue_filter_and_dates(self, api, firm):
        late, current = posted_invoice(firm), posted_invoice(firm)
        Invoice.objects.filter(pk=late.pk).update(invoice_date="2020-01-01",
                                                  due_date="2020-01-31")
        ids = [row["id"] for row in api.get("/api/v1/invoices", {"overdue": "true"}).json()[
            "data"]["invoices"]]
        assert ids == [late.pk]
        assert api.get(f"/api/v1/invoices/{late.pk}").json()["data"]["invoice"]["isOverdue"]
        ids = [row["id"] for row in api.get("/api/v1/invoices", {
            "startDate": "2020-01-01", "endDate": "2020-12-31"}).json()["data"]["invoices"]]
        assert ids == [late.pk]
        assert current.pk not in ids
        assert_error(api.get("/api/v1/invoices", {"startDate": "yesterday"}), 400,
                     "validation_error")

    def test_another_firms_invoice_and_order_are_not_found(self, api, firm, other_firm):
        foreign = posted_invoice(other_firm)
        for response in (api.get(f"/api/v1/invoices/{foreign.pk}"),
                         api.post(f"/api/v1/invoices/{foreign.pk}/post"),
                         api.post(f"/api/v1/invoices/{foreign.pk}/payments", {"amount": 1},
                                  format="json"),
                         api.get(f"/api/v1/invoices/{foreign.pk}/pdf")):
            assert_error(response, 404, "not_found")
        error = assert_error(api.post("/api/v1/invoices", {"orderId": foreign.order_id},
                                      format="json"), 400, "validation_error")
        assert "orderId" in error["details"]
        assert not foreign.payments.exists()

    def test_no_edit_or_delete_routes(self, api, firm):
        invoice = draft_invoice(firm)
        assert_error(api.patch(f"/api/v1/invoices/{invoice.pk}", {"notes": "x"},
                               format="json"), 405, "method_not_allowed")
        assert_error(api.delete(f"/api/v1/invoices/{invoice.pk}"), 405, "method_not_allowed")

    def test_credit_note_pdf(self, api, firm):
        note = credit_note(posted_invoice(firm), post=True)
        response = api.get(f"/api/v1/credit-notes/{note.pk}/pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        data = api.get(f"/api/v1/credit-notes/{note.pk}").json()["data"]["creditNote"]
        assert (data["total"], data["invoiceNumber"]) == (430.0, note.invoice.number)


CREDIT_NOTES = "/api/v1/credit-notes"


@pytest.mark.django_db
class TestCreditNoteActions:
    def test_create_post_and_the_invoice_follows(self, api, firm, admin_user):
        invoice = posted_invoice(firm)  # 2408.00
        line_a, line_b = invoice.lines.order_by("position")
        created = api.post(CREDIT_NOTES, {
            "invoiceId": invoice.pk, "reason": "Damaged on arrival", "reasonAr": "تالف",
            "sourceReference": "RMA-7", "lines": [
                {"invoiceLineId": line_b.pk, "quantity": 1},
                {"description": "Goodwill", "quantity": 1, "unitPrice": 100, "taxRate": 15}]},
            format="json")
        assert created.status_code == 201, created.content
        note = created.json()["data"]["creditNote"]
        assert_camel_keys(created.json())
        # Line B's net unit: 450 × 2150 / 2250 = 430, untaxed; goodwill 100 + 15 VAT.
        assert (note["status"], note["number"], note["subtotal"], note["taxAmount"],
                note["total"]) == ("draft", "", 530.0, 15.0, 545.0)
        assert [item["invoiceLineId"] for item in note["items"]] == [line_b.pk, None]
        assert note["allowedTransitions"] == ["cancelled", "posted"]
        assert line_a.pk not in [item["invoiceLineId"] for item in note["items"]]
        posted = api.post(f"{CREDIT_NOTES}/{note['id']}/post")
        assert posted.status_code == 200, posted.content
        data = posted.json()["data"]["creditNote"]
        assert data["status"] == "posted" and data["number"].startswith("CN-")
        after = api.get(f"/api/v1/invoices/{invoice.pk}").json()["data"]["invoice"]
        assert (after["creditNotesTotal"], after["amountDue"]) == (545.0, 1863.0)
        assert_error(api.post(f"{CREDIT_NOTES}/{note['id']}/cancel", {"reason": "x"},
                              format="json"), 409, "invalid_transition")

    def test_a_draft_is_cancelled_with_a_reason(self, api, firm):
        note = credit_note(posted_invoice(firm))
        assert_error(api.post(f"{CREDIT_NOTES}/{note.pk}/cancel", {}, format="json"),
                     400, "validation_error")
        cancelled = api.post(f"{CREDIT_NOTES}/{note.pk}/cancel", {"reason": "Typed twice"},
                             format="json")
        assert cancelled.status_code == 200, cancelled.content
        data = cancelled.json()["data"]["creditNote"]
        assert (data["status"], data["cancellationReason"]) == ("cancelled", "Typed twice")

    def test_refusals_leave_nothing(self, api, firm, other_firm):
        invoice = posted_invoice(firm)
        line_b = invoice.lines.order_by("position").last()
        error = assert_error(api.post(CREDIT_NOTES, {
            "invoiceId": invoice.pk, "reason": "x",
            "lines": [{"invoiceLineId": line_b.pk, "quantity": 2}]}, format="json"),
            400, "quantity_exceeds_remaining")
        assert "lines.0.quantity" in error["details"]
        assert_error(api.post(CREDIT_NOTES, {
            "invoiceId": invoice.pk, "reason": "x",
            "lines": [{"description": "Too much", "unitPrice": 5000, "taxRate": 0}]},
            format="json"), 400, "amount_exceeds_invoice")
        error = assert_error(api.post(CREDIT_NOTES, {
            "invoiceId": invoice.pk, "reason": "",
            "lines": [{"invoiceLineId": line_b.pk}]}, format="json"), 400, "validation_error")
        assert "reason" in error["details"]
        draft = draft_invoice(firm)
        assert_error(api.post(CREDIT_NOTES, {
            "invoiceId": draft.pk, "reason": "x", "lines": [{"description": "A",
                                                             "unitPrice": 1}]},
            format="json"), 409, "invoice_not_posted")
        foreign = posted_invoice(other_firm)
        error = assert_error(api.post(CREDIT_NOTES, {
            "invoiceId": foreign.pk, "reason": "x", "lines": [{"description": "A",
                                                               "unitPrice": 1}]},
            format="json"), 400, "validation_error")
        assert "invoiceId" in error["details"]
        assert not CreditNote.objects.exists()
        foreign_note = credit_note(foreign)
        assert_error(api.post(f"{CREDIT_NOTES}/{foreign_note.pk}/post"), 404, "not_found")
        assert CreditNote.objects.get(pk=foreign_note.pk).status == "draft"

    def test_a_post_to_the_document_itself_is_not_its_post_action(self, api, firm):
        note, invoice = credit_note(posted_invoice(firm)), draft_invoice(firm)
        assert_error(api.post(f"{CREDIT_NOTES}/{note.pk}", {}, format="json"),
                     405, "method_not_allowed")
        assert_error(api.post(f"/api/v1/invoices/{invoice.pk}", {}, format="json"),
                     405, "method_not_allowed")
        assert CreditNote.objects.get(pk=note.pk).status == "draft"
        assert Invoice.objects.get(pk=invoice.pk).status == "draft"

    def test_no_edit_or_delete_routes(self, api, firm):
        note = credit_note(posted_invoice(firm))
        assert_error(api.patch(f"{CREDIT_NOTES}/{note.pk}", {"reason": "x"}, format="json"),
                     405, "method_not_allowed")
        assert_error(api.delete(f"{CREDIT_NOTES}/{note.pk}"), 405, "method_not_allowed")

    @pytest.mark.parametrize("role", Role.values)
    def test_roles(self, role, users, firm):
        client = client_for(users[role])
        invoice = posted_invoice(firm)
        note = credit_note(invoice)
        manages = role in (Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE)
        created = client.post(CREDIT_NOTES, {"invoiceId": invoice.pk, "reason": "x", "lines": [
            {"description": "Goodwill", "unitPrice": 10, "taxRate": 0}]}, format="json")
        posted = client.post(f"{CREDIT_NOTES}/{note.pk}/post")
        if manages:
            assert (created.status_code, posted.status_code) == (201, 200)
        else:
            assert_error(created, 403, "permission_denied")
            assert_error(posted, 403, "permission_denied")
            assert CreditNote.objects.get(pk=note.pk).status == "draft"


# --- refunds ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRefunds:
    def test_refund_answers_the_credit_note_and_the_invoice_follows(self, api, firm):
        note = overpaid_credit_note(firm)  # invoice 115.00 paid, credit note 103.50
        read = api.get(f"{CREDIT_NOTES}/{note.pk}").json()["data"]["creditNote"]
        assert (read["amountRefunded"], read["refunds"]) == (0.0, [])
        response = api.post(f"{CREDIT_NOTES}/{note.pk}/refund", {
            "amount": "103.50", "date": "2026-01-15", "method": "cash", "reference": "RF-1",
            "notes": "At the counter"}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["success"] is True and body["message"] and body["messageAr"]
        assert_camel_keys(body)
        data = body["data"]["creditNote"]
        made = Refund.objects.get()
        assert data["amountRefunded"] == 103.5
        assert data["refunds"] == [{"id": made.pk, "creditNoteId": note.pk, "amount": 103.5,
                                    "refundDate": "2026-01-15", "method": "cash",
                                    "reference": "RF-1", "status": "recorded"}]
        invoice = api.get(f"/api/v1/invoices/{note.invoice_id}").json()["data"]["invoice"]
        assert (invoice["amountPaid"], invoice["amountRefunded"], invoice["creditNotesTotal"],
                invoice["amountDue"], invoice["status"]) == (115.0, 103.5, 103.5, 0.0, "paid")
        assert [row["id"] for row in invoice["refunds"]] == [made.pk]
        error = assert_error(api.post(f"{CREDIT_NOTES}/{note.pk}/refund", {"amount": 0.01},
                                      format="json"), 400, "amount_exceeds_refundable")
        assert error["details"]["refundable"] == 0.0
        assert Refund.objects.count() == 1

    def test_the_amount_left_out_is_everything_refundable(self, api, firm):
        note = overpaid_credit_note(firm)
        refund(note, "100")
        response = api.post(f"{CREDIT_NOTES}/{note.pk}/refund", {}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["creditNote"]["amountRefunded"] == 103.5
        assert sorted(Refund.objects.values_list("amount", flat=True)) == [
            Decimal("3.50"), Decimal("100.00")]

    def test_refusals_leave_nothing(self, api, firm, other_firm):
        unpaid = overpaid_credit_note(firm, paid=False)  # 11.50 still due: nothing to refund
        error = assert_error(api.post(f"{CREDIT_NOTES}/{unpaid.pk}/refund", {"amount": 1},
                                      format="json"), 400, "amount_exceeds_refundable")
        assert error["details"]["refundable"] == 0.0
        draft = credit_note(posted_invoice(firm))
        error = assert_error(api.post(f"{CREDIT_NOTES}/{draft.pk}/refund", {"amount": 1},
                                      format="json"), 409, "invalid_transition")
        assert (error["details"]["from"], error["details"]["to"]) == ("draft", "refund")
        note = overpaid_credit_note(firm)
        error = assert_error(api.post(f"{CREDIT_NOTES}/{note.pk}/refund",
                                      {"amount": 1, "method": "barter"}, format="json"),
                             400, "validation_error")
        assert "method" in error["details"]
        foreign = overpaid_credit_note(other_firm)
        assert_error(api.post(f"{CREDIT_NOTES}/{foreign.pk}/refund", {"amount": 1},
                              format="json"), 404, "not_found")
        assert not Refund.objects.exists()

    @pytest.mark.parametrize("role", Role.values)
    def test_roles(self, role, users, firm):
        note = overpaid_credit_note(firm)
        response = client_for(users[role]).post(f"{CREDIT_NOTES}/{note.pk}/refund",
                                                {"amount": 10}, format="json")
        if role in (Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE):
            assert response.status_code == 200, response.content
            assert Refund.objects.get().amount == Decimal("10.00")
        else:
            assert_error(response, 403, "permission_denied")
            assert not Refund.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_roles(role, users, firm):
    client = client_for(users[role])
    invoice = posted_invoice(firm)
    can_view = role != Role.WAREHOUSE
    manages = role in (Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE)
    listed = client.get("/api/v1/invoices")
    if not can_view:
        assert_error(listed, 403, "permission_denied")
    else:
        ids = [row["id"] for row in listed.json()["data"]["invoices"]]
        # A sales person sees only their own sales' invoices: this one is nobody's.
        assert ids == ([] if role == Role.SALES_PERSON else [invoice.pk])
    paid = client.post(f"/api/v1/invoices/{invoice.pk}/payments", {"amount": 1},
                       format="json")
    created = client.post("/api/v1/invoices", {"orderId": confirmed_order(firm).pk},
                          format="json")
    if manages:
        assert paid.status_code == 201, paid.content
        assert created.status_code == 201, created.content
    else:
        assert_error(paid, 403, "permission_denied")
        assert_error(created, 403, "permission_denied")


@pytest.mark.django_db
def test_a_sales_person_sees_their_own_invoices(users, firm):
    from tests.crm.factories import make_sales_person

    seller = make_sales_person(firm, user=users[Role.SALES_PERSON])
    own = posted_invoice(firm, order=confirmed_order(firm, sales_person=seller))
    posted_invoice(firm)
    client = client_for(users[Role.SALES_PERSON])
    ids = [row["id"] for row in client.get("/api/v1/invoices").json()["data"]["invoices"]]
    assert ids == [own.pk]
    assert client.get(f"/api/v1/invoices/{own.pk}/pdf").status_code == 200
    assert_error(client.post(f"/api/v1/invoices/{own.pk}/cancel", {"reason": "x"},
                             format="json"), 403, "permission_denied")


@pytest.mark.django_db
def test_invoice_from_the_sales_orders_api(api, firm, users):
    order = confirmed_order(firm)
    _a, b = lines_of(order)
    response = api.post(f"/api/v1/sales-orders/{order.pk}/invoice",
                        {"lines": [{"orderLineId": b.pk, "quantity": 1}]}, format="json")
    assert response.status_code == 201, response.content
    invoice = response.json()["data"]["invoice"]
    assert (invoice["orderId"], invoice["status"], invoice["number"]) == (order.pk, "draft", "")
    assert [item["orderLineId"] for item in invoice["items"]] == [b.pk]
    error = assert_error(api.post(f"/api/v1/sales-orders/{order.pk}/invoice", {"lines": [
        {"orderLineId": b.pk, "quantity": 1}]}, format="json"), 400,
        "quantity_exceeds_remaining")
    assert "lines.0.quantity" in error["details"]
    assert_error(client_for(users[Role.WAREHOUSE]).post(
        f"/api/v1/sales-orders/{order.pk}/invoice", {}, format="json"), 403,
        "permission_denied")
