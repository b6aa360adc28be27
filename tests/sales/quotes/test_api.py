"""Quotes over the API: the contract, nested lines priced by the resolver, overrides, every
action (calculate, transition, accept, approve, revise, versions, send, pdf, convert) and their
refusals."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from core import services as core_services
from core.choices import Role
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteVersion
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, WORK, assert_error
from tests.crm.factories import make_customer, make_lead, make_sales_person, make_sales_team
from tests.factories import make_user
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule
from tests.sales.contracts import PricedDocumentApi, assert_pdf_served
from tests.sales.factories import make_quote, quote_in

PATH = "/api/v1/quotes"
D = Decimal


class TestQuotesApi(PricedDocumentApi):
    model = Quote
    factory = make_quote
    scope_field = "owner"
    path = PATH
    key, plural = "quote", "quotes"
    sort_fields = ["createdAt", "number", "quoteDate", "validUntil", "total", "status",
                   "probability"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK,
                   Role.FINANCE: READ}
    payload = {"probability": 60}

    def update_payload(self, obj):
        return {"notes": "Call before delivery", "probability": 75}

    def filter_cases(self, firm):
        seller = make_user(firm=firm, role=Role.SALES_PERSON)
        lead = make_lead(firm)
        big = self.make(firm, owner=seller, quote_date=datetime.date(2026, 3, 1),
                        valid_until=datetime.date(2026, 4, 1))
        small = quote_in(firm, QuoteStatus.SENT, lead=lead,
                         lines=[{"description": "S", "quantity": 1, "unit_price": 10}],
                         quote_date=datetime.date(2026, 1, 10),
                         valid_until=datetime.date(2026, 2, 1))
        return [({"status": "sent"}, small, big),
                ({"status": "draft,approved"}, big, small),
                ({"leadId": str(lead.pk)}, small, big),
                ({"ownerId": str(seller.pk)}, big, small),
                *self.document_cases(big, small)]

    def test_list_queries_with_lines(self, api, firm):
        # The contract's 3 vs 30 rows, each quote with its two lines (make_quote's).
        assert Quote.objects.filter(firm=firm).count() == 0
        self.test_list_queries_do_not_grow(api, firm)


@pytest.mark.django_db
class TestQuoteWrites:
    def test_create_stores_rules_example_and_answers_it(self, api, firm, admin_user):
        payload = TestQuotesApi().create_payload(firm)
        response = api.post(PATH, payload, format="json")
        assert response.status_code == 201, response.content
        quote = response.json()["data"]["quote"]
        assert (quote["subtotal"], quote["afterDiscount"], quote["taxAmount"],
                quote["total"], quote["weightedValue"]) == (2250, 2150, 258, 2408, 1444.8)
        assert quote["totalInWords"] == "ألفان وأربعمائة وثمانية ريالات"
        assert quote["number"].startswith("QT-") and quote["status"] == "draft"
        assert quote["ownerId"] == admin_user.pk
        assert [(item["lineTotal"], item["taxAmount"]) for item in quote["items"]] == [
            (1800, 258), (450, 0)]
        assert quote["allowedTransitions"] == ["cancelled", "pending_approval", "sent"]

    def test_product_line_priced_by_resolver_with_trace(self, api, firm):
        product = make_product(firm, standard_price=D("120"), cost_price=D("100"))
        price_list = make_price_list(firm, is_default=True)
        make_item(price_list, product, "100")
        make_rule(firm, discount_value=D("10"))
        response = api.post(PATH, {"customerId": make_customer(firm).pk,
                                   "items": [{"productId": product.pk, "quantity": 3}]},
                            format="json")
        assert response.status_code == 201, response.content
        quote = response.json()["data"]["quote"]
        [item] = quote["items"]
        assert (item["unitPrice"], item["discountAmount"], item["lineTotal"],
                item["description"]) == (100, 30, 270, product.name)
        assert item["pricingTrace"]["basePrice"] == 100
        assert item["pricingTrace"]["priceList"]["id"] == price_list.pk
        assert quote["total"] == 310.5
        # 90 a unit against a cost of 100: a margin warning, not a refusal.
        assert quote["warnings"] and quote["warnings"][0]

    def test_override_refused_when_not_allowed(self, api, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "pricing": {"allow_price_override": False}})
        product = make_product(firm, standard_price=D("100"))
        error = assert_error(api.post(PATH, {
            "customerId": make_customer(firm).pk,
            "items": [{"productId": product.pk, "quantity": 1, "unitPrice": 80}]},
            format="json"), 400, "price_override_not_allowed")
        assert list(error["details"]) == ["items.0.unitPrice"]
        assert not Quote.objects.filter(firm=firm).exists()

    def test_override_reason_required(self, api, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "pricing": {"require_price_override_reason": True}})
        product = make_product(firm, standard_price=D("100"))
        customer = make_customer(firm)
        line = {"productId": product.pk, "quantity": 1, "unitPrice": 80}
        error = assert_error(api.post(PATH, {"customerId": customer.pk, "items": [line]},
                                      format="json"), 400, "validation_error")
        assert list(error["details"]) == ["items.0.priceOverrideReason"]
        response = api.post(PATH, {"customerId": customer.pk, "items": [
            {**line, "priceOverrideReason": "Loyal customer"}]}, format="json")
        assert response.status_code == 201, response.content
        [item] = response.json()["data"]["quote"]["items"]
        assert (item["unitPrice"], item["priceOverrideReason"]) == (80, "Loyal customer")
        assert item["pricingTrace"]["override"]["resolvedUnitPrice"] == 100

    def test_line_errors_name_the_line(self, api, firm):
        error = assert_error(api.post(PATH, {"customerId": make_customer(firm).pk, "items": [
            {"description": "ok", "quantity": 1, "unitPrice": 1},
            {"description": "bad", "quantity": 0, "unitPrice": 1}]}, format="json"),
            400, "validation_error")
        assert "items.1.quantity" in error["details"]

    def test_totals_are_read_only(self, api, firm):
        quote = make_quote(firm)
        error = assert_error(api.patch(f"{PATH}/{quote.pk}", {
            "total": 1, "status": "accepted", "notes": "x"}, format="json"),
            400, "validation_error")
        assert sorted(error["details"]) == ["status", "total"]
        quote.refresh_from_db()
        assert (quote.total, quote.status, quote.notes) == (D("2408.00"), "draft", "")
        response = api.patch(f"{PATH}/{quote.pk}", {"total": 2408, "status": "draft",
                                                    "notes": "x"}, format="json")
        assert response.status_code == 200, response.content
        quote.refresh_from_db()
        assert (quote.total, quote.status, quote.notes) == (D("2408.00"), "draft", "x")

    def test_put_replaces_lines(self, api, firm):
        quote = make_quote(firm)
        response = api.put(f"{PATH}/{quote.pk}", {
            "customerId": quote.customer_id, "discountValue": 0,
            "items": [{"description": "Only", "quantity": 4, "unitPrice": 25}]},
            format="json")
        assert response.status_code == 200, response.content
        data = response.json()["data"]["quote"]
        assert (len(data["items"]), data["subtotal"], data["total"]) == (1, 100, 115)

    def test_edit_of_sent_quote_is_409(self, api, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        assert_error(api.patch(f"{PATH}/{quote.pk}", {"notes": "late"}, format="json"),
                     409, "quote_not_editable")

    def test_delete_only_drafts(self, api, firm):
        sent = quote_in(firm, QuoteStatus.SENT)
        error = assert_error(api.delete(f"{PATH}/{sent.pk}"), 409, "quote_not_deletable")
        assert error["details"] == {"status": "sent"}
        assert Quote.objects.filter(pk=sent.pk).exists()

    def test_sales_person_sees_only_own_quotes(self, firm, users):
        seller = users[Role.SALES_PERSON]
        own = make_quote(firm, owner=seller)
        other = make_quote(firm)
        client = client_for(seller)
        ids = [row["id"] for row in client.get(PATH).json()["data"]["quotes"]]
        assert ids == [own.pk]
        assert_error(client.get(f"{PATH}/{other.pk}"), 404, "not_found")

    def test_csv_has_totals(self, api, firm):
        make_quote(firm)
        response = api.get(PATH, {"format": "csv"})
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "totalInWords" in text.splitlines()[0] and "2408" in text


@pytest.mark.django_db
class TestQuoteActions:
    def test_calculate_stored(self, api, firm):
        quote = make_quote(firm, probability=60)
        response = api.post(f"{PATH}/{quote.pk}/calculate", format="json")
        assert response.status_code == 200, response.content
        calculation = response.json()["data"]["calculation"]
        assert (calculation["subtotal"], calculation["taxAmount"], calculation["total"],
                calculation["weightedValue"]) == (2250, 258, 2408, 1444.8)

    def test_calculate_posted_draft_saves_nothing(self, api, firm):
        quote = make_quote(firm)
        before = quote.history.count()
        response = api.post(f"{PATH}/{quote.pk}/calculate", {
            "discountValue": 0, "items": [{"description": "X", "quantity": 2,
                                           "unitPrice": 50}]}, format="json")
        assert response.status_code == 200, response.content
        calculation = response.json()["data"]["calculation"]
        assert (calculation["subtotal"], calculation["total"]) == (100, 115)
        assert calculation["items"][0]["lineTotal"] == 100
        quote.refresh_from_db()
        assert (quote.total, quote.lines.count(), quote.history.count()) == (
            D("2408.00"), 2, before)

    def test_calculate_new_quote(self, api, firm):
        product = make_product(firm, standard_price=D("40"))
        response = api.post(f"{PATH}/calculate", {"items": [
            {"productId": product.pk, "quantity": 5}]}, format="json")
        assert response.status_code == 200, response.content
        calculation = response.json()["data"]["calculation"]
        assert (calculation["subtotal"], calculation["total"]) == (200, 230)
        assert calculation["items"][0]["pricingTrace"]["basePrice"] == 40
        assert not Quote.objects.exists()

    def test_calculate_new_quote_without_anything(self, api):
        response = api.post(f"{PATH}/calculate", {}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["calculation"]["total"] == 0

    def test_transition_and_refusal(self, api, firm):
        quote = make_quote(firm)
        response = api.post(f"{PATH}/{quote.pk}/transition", {"status": "sent"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["quote"]["status"] == "sent"
        error = assert_error(api.post(f"{PATH}/{quote.pk}/transition",
                                      {"status": "converted"}, format="json"),
                             409, "invalid_transition")
        assert error["details"] == {"from": "sent", "to": "converted", "allowed": [
            "accepted", "expired", "rejected", "revised", "viewed"]}

    def test_transition_bad_status_is_400(self, api, firm):
        quote = make_quote(firm)
        error = assert_error(api.post(f"{PATH}/{quote.pk}/transition", {"status": "gone"},
                                      format="json"), 400, "validation_error")
        assert "status" in error["details"]

    def test_accept(self, api, firm):
        quote = quote_in(firm, QuoteStatus.VIEWED)
        response = api.post(f"{PATH}/{quote.pk}/accept", format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["quote"]["status"] == "accepted"
        assert_error(api.post(f"{PATH}/{make_quote(firm).pk}/accept", format="json"),
                     409, "invalid_transition")

    def test_approve_by_manager_and_refused_to_seller(self, firm, users):
        # The manager approves the seller's quote: a team's manager sees its members' quotes.
        seller, manager = users[Role.SALES_PERSON], users[Role.SALES_MANAGER]
        team = make_sales_team(firm, manager=manager)
        make_sales_person(firm, seller, team=team)
        quote = quote_in(firm, QuoteStatus.PENDING_APPROVAL, owner=seller)
        assert_error(client_for(seller).post(f"{PATH}/{quote.pk}/approve", format="json"),
                     403, "permission_denied")
        # Through the generic transition too: the service checks the approver.
        assert_error(client_for(seller).post(f"{PATH}/{quote.pk}/transition",
                                             {"status": "approved"}, format="json"),
                     403, "permission_denied")
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.PENDING_APPROVAL
        response = client_for(manager).post(f"{PATH}/{quote.pk}/approve",
                                            {"reason": "ok"}, format="json")
        assert response.status_code == 200, response.content
        data = response.json()["data"]["quote"]
        assert (data["status"], data["approvedById"]) == ("approved", manager.pk)
        assert_error(client_for(manager).post(f"{PATH}/{quote.pk}/approve", format="json"),
                     409, "invalid_transition")

    def test_revise_and_versions(self, api, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        live = api.get(f"{PATH}/{quote.pk}").json()["data"]["quote"]
        response = api.post(f"{PATH}/{quote.pk}/revise", {"reason": "New prices"},
                            format="json")
        assert response.status_code == 200, response.content
        data = response.json()["data"]["quote"]
        assert (data["status"], data["version"]) == ("draft", 2)
        versions = api.get(f"{PATH}/{quote.pk}/versions").json()["data"]["versions"]
        assert [(row["version"], row["status"], row["total"], row["reason"])
                for row in versions] == [(1, "sent", 2408, "New prices")]
        snapshot = versions[0]["snapshot"]
        # The version exactly as the live quote showed it (numbers, camelCase), minus what
        # belongs to now; nothing internal.
        stamps = ("createdAt", "updatedAt")  # archived to the millisecond
        assert {key: value for key, value in snapshot.items() if key not in stamps} == {
            key: value for key, value in live.items() if key not in (
                "customerName", "leadName", "allowedTransitions", *stamps)}
        assert [snapshot[key][:23] for key in stamps] == [live[key][:23] for key in stamps]
        assert (snapshot["total"], [item["lineTotal"] for item in snapshot["items"]]) == (
            2408.0, [1800.0, 450.0])
        assert not {"firmId", "publicToken", "createdById", "lines"} & set(snapshot)
        assert QuoteVersion.objects.filter(quote=quote).count() == 1
        assert_error(api.post(f"{PATH}/{quote.pk}/revise", format="json"),
                     409, "invalid_transition")

    def test_actions_on_other_firm_are_404(self, api, other_firm):
        foreign = make_quote(other_firm)
        for action in ("calculate", "accept", "approve", "revise"):
            assert_error(api.post(f"{PATH}/{foreign.pk}/{action}", format="json"),
                         404, "not_found")
        assert_error(api.get(f"{PATH}/{foreign.pk}/versions"), 404, "not_found")

    def test_finance_cannot_transition(self, firm, users):
        quote = make_quote(firm)
        assert_error(client_for(users[Role.FINANCE]).post(
            f"{PATH}/{quote.pk}/transition", {"status": "sent"}, format="json"),
            403, "permission_denied")


# --- send and PDF -----------------------------------------------------------------------------

@pytest.mark.django_db
class TestSendApi:
    def test_send_moves_to_sent_and_emails_after_commit(self, api, firm,
                                                         django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"{PATH}/{quote.pk}/send",
                                {"to": ["buyer@example.com"], "language": "en"},
                                format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["quote"]["status"] == "sent"
        assert [message.to for message in mail.outbox] == [["buyer@example.com"]]

    def test_send_refused(self, api, firm, users):
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        assert_error(api.post(f"{PATH}/{quote.pk}/send", {"to": ["a@example.com"]},
                              format="json"), 409, "invalid_transition")
        error = assert_error(api.post(f"{PATH}/{quote.pk}/send", {"to": ["not-an-address"]},
                                      format="json"), 400, "validation_error")
        assert "to.0" in error["details"]
        assert_error(client_for(users[Role.FINANCE]).post(f"{PATH}/{quote.pk}/send",
                                                          format="json"),
                     403, "permission_denied")

    def test_pdf(self, api, firm, other_firm):
        quote = make_quote(firm)
        assert_pdf_served(api, f"{PATH}/{quote.pk}/pdf")
        assert_error(api.get(f"{PATH}/{make_quote(other_firm).pk}/pdf"), 404, "not_found")


# --- conversion of an accepted quote (business-rules §5) --------------------------------------

def converted(quote: Quote) -> str:
    return Quote.objects.get(pk=quote.pk).status


@pytest.mark.django_db
def test_api_converts_to_a_draft_order_once(firm, admin_user):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    api = client_for(admin_user)
    response = api.post(f"/api/v1/quotes/{quote.pk}/convert", {}, format="json")
    assert response.status_code == 201, response.content
    order = SalesOrder.objects.get(quote=quote)
    body = response.json()
    assert body["data"]["order"]["id"] == order.pk
    assert body["message"] == "Quote converted to a sales order" and body["messageAr"]
    assert order.status == "draft" and order.total == Decimal("2408.00")
    assert converted(quote) == QuoteStatus.CONVERTED
    assert_error(api.post(f"/api/v1/quotes/{quote.pk}/convert", {}, format="json"), 409,
                 "quote_already_converted")
    assert SalesOrder.objects.filter(quote=quote).count() == 1


@pytest.mark.django_db
def test_api_converts_to_an_invoice_through_a_confirmed_order(firm, admin_user):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    response = client_for(admin_user).post(f"/api/v1/quotes/{quote.pk}/convert",
                                           {"to": "invoice"}, format="json")
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(pk=response.json()["data"]["invoice"]["id"])
    assert invoice.status == "draft" and invoice.number == ""
    assert invoice.total == Decimal("2408.00")
    assert invoice.order.status == "confirmed" and invoice.order.quote_id == quote.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("setting", "to"), [("allow_convert_to_order", "order"),
                                             ("allow_convert_to_invoice", "invoice")])
def test_settings_can_forbid_each_conversion(firm, admin_user, setting, to):
    core_services.settings_update(firm=firm, actor=admin_user,
                                  changes={"quotes": {setting: False}})
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    assert_error(client_for(admin_user).post(f"/api/v1/quotes/{quote.pk}/convert",
                                             {"to": to}, format="json"),
                 409, "conversion_not_allowed")
    assert converted(quote) == QuoteStatus.ACCEPTED
    assert not SalesOrder.objects.filter(quote=quote).exists()


@pytest.mark.django_db
def test_only_an_accepted_quote_converts(firm, admin_user):
    quote = quote_in(firm, QuoteStatus.SENT)
    error = assert_error(client_for(admin_user).post(f"/api/v1/quotes/{quote.pk}/convert",
                                                     {}, format="json"),
                         409, "invalid_transition")
    assert error["details"]["from"] == QuoteStatus.SENT


@pytest.mark.django_db
def test_roles_and_tenancy(firm, other_firm, users):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    assert_error(client_for(users[Role.WAREHOUSE]).post(
        f"/api/v1/quotes/{quote.pk}/convert", {}, format="json"), 403, "permission_denied")
    foreign = quote_in(other_firm, QuoteStatus.ACCEPTED)
    assert_error(client_for(users[Role.ADMIN]).post(
        f"/api/v1/quotes/{foreign.pk}/convert", {}, format="json"), 404, "not_found")


@pytest.mark.django_db
def test_a_unit_price_sent_is_an_override_with_no_rule_on_top(api, firm):
    product = make_product(firm, standard_price=D("1000"))
    rule = make_rule(firm, discount_value=D("30"))
    customer = make_customer(firm).pk
    ruled = api.post(PATH, {"customerId": customer, "items": [
        {"productId": product.pk, "quantity": 1}]}, format="json").json()["data"]["quote"]
    assert ruled["items"][0]["lineTotal"] == 700
    typed = api.post(PATH, {"customerId": customer, "items": [
        {"productId": product.pk, "quantity": 1, "unitPrice": 1000}]}, format="json")
    assert typed.status_code == 201, typed.content
    [item] = typed.json()["data"]["quote"]["items"]
    assert (item["unitPrice"], item["discountAmount"], item["lineTotal"]) == (1000, 0, 1000)
    assert item["pricingTrace"]["override"] == {
        "resolvedUnitPrice": 1000, "unitPrice": 1000, "reason": "",
        "rulesNotApplied": [rule.pk]}


@pytest.mark.django_db
def test_a_quote_with_long_terms_is_drawn_and_sent(api, firm,
                                                   django_capture_on_commit_callbacks):
    terms = "\n".join(f"Clause {n}: delivery, payment and warranty terms of this clause."
                      for n in range(60))
    quote = make_quote(firm, terms=terms, terms_ar=terms, notes=terms)
    pdf = api.get(f"{PATH}/{quote.pk}/pdf", {"language": "both"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"{PATH}/{quote.pk}/send", {"to": ["buyer@x.example"]}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["data"]["quote"]["status"] == "sent"
    [email] = mail.outbox
    assert email.attachments[0][2] == "application/pdf"
