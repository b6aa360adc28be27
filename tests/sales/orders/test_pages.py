"""Sales order staff pages: the page contract, the form with its lines, the detail (lines
with delivered and invoiced quantities, progress, linked quote, actions by status), actions
through their services, PDF, "create order" from an accepted quote, soft-deleted orders."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from sales.orders import services
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.contracts.pages import READERS, SELLERS, PagesContract
from tests.crm import RoleScopedPages
from tests.crm.factories import make_campaign, make_customer
from tests.sales.contracts import line_data, own_customer
from tests.sales.factories import make_order, order_in, quote_in, set_quantities

S = SalesOrderStatus


def header(customer, **extra) -> dict:
    return {"customer": customer.pk, "order_date": "2026-03-01", "discount_type": "amount",
            "discount_value": "0", "shipping_cost": "0", **extra}


class TestSalesOrderPages(RoleScopedPages, PagesContract):
    model = SalesOrder
    factory = make_order
    scope_field = "actor"  # a seller reaches the orders they entered
    view_roles = READERS | {Role.WAREHOUSE}
    change_roles = SELLERS

    def form_data(self, firm):
        return {**header(own_customer(self, firm)), **line_data([
            {"description": "Consulting", "quantity": "2", "unit_price": "100"}])}


@pytest.mark.django_db
class TestOrderPages:
    def test_form_creates_a_priced_order(self, client, admin_user, firm):
        client.force_login(admin_user)
        customer = make_customer(firm)
        data = {**header(customer, discount_type="percentage", discount_value="10"),
                **line_data([{"description": "Chair", "quantity": "2", "unit_price": "250"},
                             {"description": "Fitting", "quantity": "1", "unit_price": "100",
                              "discount_amount": "20"}])}
        response = client.post(reverse("sales:salesorder_create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        order = SalesOrder.objects.get(firm=firm)
        assert (order.subtotal, order.discount_amount, order.tax_amount, order.total) == (
            Decimal("580.00"), Decimal("58.00"), Decimal("78.30"), Decimal("600.30"))
        assert order.created_by == admin_user

    def test_line_error_is_shown(self, client, admin_user, firm):
        client.force_login(admin_user)
        data = {**header(make_customer(firm)), **line_data([
            {"description": "x", "quantity": "1", "unit_price": "100",
             "discount_percent": "90"}])}
        response = client.post(reverse("sales:salesorder_create"), data)
        assert response.status_code == 200
        assert not SalesOrder.objects.exists()

    def test_detail_shows_quantities_progress_quote_and_actions(self, client, admin_user,
                                                                firm):
        client.force_login(admin_user)
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        order = services.order_from_quote(quote=quote, actor=admin_user)
        order = services.order_confirm(order=order, actor=admin_user)
        set_quantities(order, delivered=[1, 0], invoiced=[1, 0])
        services.order_progress_update(order=order)
        response = client.get(reverse("sales:salesorder_detail", args=[order.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="progress"' in html and "33.3 %" in html
        assert reverse("sales:quote_detail", args=[quote.pk]) in html
        # One of three delivered: the rest is a backorder that can be short-closed.
        assert [button["name"] for button in response.context["transition_buttons"]] == [
            "hold", "close_remaining"]
        assert response.context["edit_url"] is None
        assert reverse("sales:salesorder_pdf", args=[order.pk]) in html

    @pytest.mark.parametrize(("status", "actions"), [
        (S.DRAFT, ["confirm", "cancel"]), (S.CONFIRMED, ["hold", "cancel"]),
        (S.ON_HOLD, ["resume", "cancel"]), (S.SHIPPED, ["hold"]), (S.COMPLETED, []),
        (S.CANCELLED, [])])
    def test_actions_by_status(self, client, admin_user, firm, status, actions):
        client.force_login(admin_user)
        order = order_in(firm, status)
        response = client.get(reverse("sales:salesorder_detail", args=[order.pk]))
        assert [button["name"] for button in response.context["transition_buttons"]] == actions

    def test_confirm_then_cancel_with_reason(self, client, admin_user, firm):
        client.force_login(admin_user)
        order = make_order(firm)
        url = reverse("sales:salesorder_transition", args=[order.pk, "confirm"])
        assert client.get(url).status_code == 200
        assert client.post(url, {}).status_code == 302
        assert SalesOrder.objects.get(pk=order.pk).status == S.CONFIRMED
        cancel = reverse("sales:salesorder_transition", args=[order.pk, "cancel"])
        assert client.post(cancel, {"reason": ""}).status_code == 400
        assert SalesOrder.objects.get(pk=order.pk).status == S.CONFIRMED
        client.post(cancel, {"reason": "Duplicate order"})
        cancelled = SalesOrder.objects.get(pk=order.pk)
        assert (cancelled.status, cancelled.cancellation_reason) == (S.CANCELLED,
                                                                     "Duplicate order")

    def test_refused_action_says_why(self, client, admin_user, firm):
        client.force_login(admin_user)
        order = order_in(firm, S.CONFIRMED)
        set_quantities(order, delivered=[1, 0])
        response = client.post(reverse("sales:salesorder_transition",
                                       args=[order.pk, "cancel"]), {"reason": "late"})
        assert response.status_code == 302
        assert SalesOrder.objects.get(pk=order.pk).status == S.CONFIRMED

    def test_finance_cannot_confirm(self, client, users, firm):
        client.force_login(users[Role.FINANCE])
        order = make_order(firm)
        response = client.post(reverse("sales:salesorder_transition",
                                       args=[order.pk, "confirm"]), {})
        assert response.status_code == 403
        assert SalesOrder.objects.get(pk=order.pk).status == S.DRAFT

    def test_confirmed_order_form_redirects(self, client, admin_user, firm):
        client.force_login(admin_user)
        order = order_in(firm, S.CONFIRMED)
        response = client.get(reverse("sales:salesorder_update", args=[order.pk]))
        assert response.status_code == 302

    def test_delete_draft(self, client, admin_user, firm):
        client.force_login(admin_user)
        order = make_order(firm)
        response = client.post(reverse("sales:salesorder_delete", args=[order.pk]))
        assert response.status_code == 302
        assert not SalesOrder.all_objects.filter(pk=order.pk).exists()

    def test_create_from_accepted_quote_once(self, client, admin_user, firm):
        client.force_login(admin_user)
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        url = reverse("sales:salesorder_from_quote", args=[quote.pk])
        response = client.post(url)
        order = SalesOrder.objects.get(quote=quote)
        assert response["Location"] == reverse("sales:salesorder_detail", args=[order.pk])
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.CONVERTED
        again = client.post(url)
        assert again["Location"] == reverse("sales:quote_detail", args=[quote.pk])
        assert SalesOrder.objects.filter(quote=quote).count() == 1

    def test_pdf_page(self, client, admin_user, firm):
        client.force_login(admin_user)
        order = make_order(firm)
        response = client.get(reverse("sales:salesorder_pdf", args=[order.pk]),
                              {"language": "ar"})
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")

    def test_soft_deleted_order_leaves_the_list_but_opens(self, client, admin_user, firm):
        client.force_login(admin_user)
        campaign = make_campaign(firm)
        order = make_order(firm, campaign=campaign)
        services.orders_soft_delete_for_campaign(campaign=campaign, actor=admin_user)
        listed = client.get(reverse("sales:salesorder_list")).content.decode()
        assert reverse("sales:salesorder_detail", args=[order.pk]) not in listed
        detail = client.get(reverse("sales:salesorder_detail", args=[order.pk]))
        assert detail.status_code == 200 and 'data-testid="deleted"' in detail.content.decode()
        assert detail.context["transition_buttons"] == []

    def test_list_filters_by_status(self, client, admin_user, firm):
        client.force_login(admin_user)
        draft, confirmed = make_order(firm), order_in(firm, S.CONFIRMED)
        html = client.get(reverse("sales:salesorder_list"), {"status": "confirmed"}
                          ).content.decode()
        assert reverse("sales:salesorder_detail", args=[confirmed.pk]) in html
        assert reverse("sales:salesorder_detail", args=[draft.pk]) not in html
