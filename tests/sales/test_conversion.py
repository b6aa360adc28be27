"""Converting an accepted quote (business-rules §5): to a sales order, or to an invoice when the
settings allow it; once; through the API and the quote's page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import services as core_services
from core.choices import Role
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.sales.factories import quote_in

pytestmark = pytest.mark.django_db


def converted(quote: Quote) -> str:
    return Quote.objects.get(pk=quote.pk).status


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


def test_api_converts_to_an_invoice_through_a_confirmed_order(firm, admin_user):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    response = client_for(admin_user).post(f"/api/v1/quotes/{quote.pk}/convert",
                                           {"to": "invoice"}, format="json")
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(pk=response.json()["data"]["invoice"]["id"])
    assert invoice.status == "draft" and invoice.number == ""
    assert invoice.total == Decimal("2408.00")
    assert invoice.order.status == "confirmed" and invoice.order.quote_id == quote.pk


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


def test_only_an_accepted_quote_converts(firm, admin_user):
    quote = quote_in(firm, QuoteStatus.SENT)
    error = assert_error(client_for(admin_user).post(f"/api/v1/quotes/{quote.pk}/convert",
                                                     {}, format="json"),
                         409, "invalid_transition")
    assert error["details"]["from"] == QuoteStatus.SENT


def test_roles_and_tenancy(firm, other_firm, users):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    assert_error(client_for(users[Role.WAREHOUSE]).post(
        f"/api/v1/quotes/{quote.pk}/convert", {}, format="json"), 403, "permission_denied")
    foreign = quote_in(other_firm, QuoteStatus.ACCEPTED)
    assert_error(client_for(users[Role.ADMIN]).post(
        f"/api/v1/quotes/{foreign.pk}/convert", {}, format="json"), 404, "not_found")


def test_the_accepted_quote_page_creates_the_order_and_links_it(client, firm, admin_user):
    quote = quote_in(firm, QuoteStatus.ACCEPTED)
    client.force_login(admin_user)
    page = client.get(reverse("sales:quote_detail", args=[quote.pk])).content.decode()
    assert reverse("sales:salesorder_from_quote", args=[quote.pk]) in page
    response = client.post(reverse("sales:salesorder_from_quote", args=[quote.pk]))
    order = SalesOrder.objects.get(quote=quote)
    assert response.url == reverse("sales:salesorder_detail", args=[order.pk])
    page = client.get(reverse("sales:quote_detail", args=[quote.pk])).content.decode()
    assert reverse("sales:salesorder_detail", args=[order.pk]) in page
    assert reverse("sales:salesorder_from_quote", args=[quote.pk]) not in page


def test_the_button_is_only_for_accepted_quotes_and_roles_that_may_create_orders(
        client, firm, users):
    sent = quote_in(firm, QuoteStatus.SENT)
    client.force_login(users[Role.SALES_MANAGER])
    page = client.get(reverse("sales:quote_detail", args=[sent.pk])).content.decode()
    assert reverse("sales:salesorder_from_quote", args=[sent.pk]) not in page
    accepted = quote_in(firm, QuoteStatus.ACCEPTED)
    client.force_login(users[Role.FINANCE])
    page = client.get(reverse("sales:quote_detail", args=[accepted.pk])).content.decode()
    assert reverse("sales:salesorder_from_quote", args=[accepted.pk]) not in page
