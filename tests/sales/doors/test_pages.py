"""Quote staff pages: the page contract, the form with its line formset, the htmx pricing
endpoint, transitions by role, revising and the versions diff."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.contracts.pages import PagesContract
from tests.crm.factories import make_customer
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule
from tests.sales.factories import make_quote, quote_in

D = Decimal


def line_data(rows: list[dict], *, initial: int = 0) -> dict:
    data = {"items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": str(initial),
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
        data.setdefault(f"items-{index}-taxable", "on")
    return data


def header(customer, **extra) -> dict:
    return {"customer": customer.pk, "quote_date": "2026-03-01", "discount_type": "amount",
            "discount_value": "0", "shipping_cost": "0", **extra}


class TestQuotePages(PagesContract):
    namespace = "sales"
    model = Quote
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON}
    scope_user = None

    def make(self, firm, **overrides):
        # Rows the role under test owns, so its own scope reaches them.
        if self.scope_user is not None and self.scope_user.firm_id == firm.pk:
            overrides.setdefault("owner", self.scope_user)
        return make_quote(firm, **overrides)

    def form_data(self, firm):
        owner = self.scope_user if self.scope_user is not None else None
        customer = make_customer(firm, owner=owner) if owner else make_customer(firm)
        return {**header(customer), **line_data([
            {"description": "Consulting", "quantity": "2", "unit_price": "100"}])}

    @pytest.mark.parametrize("role", Role.values)
    def test_list_and_detail_by_role(self, client, users, firm, role):
        self.scope_user = users[role]
        super().test_list_and_detail_by_role(client, users, firm, role)

    @pytest.mark.parametrize("role", Role.values)
    def test_forms_by_role(self, client, users, firm, role):
        self.scope_user = users[role]
        super().test_forms_by_role(client, users, firm, role)


@pytest.mark.django_db
class TestQuoteForm:
    def test_creates_quote_with_two_lines_and_discount(self, client, admin_user, firm):
        client.force_login(admin_user)
        product = make_product(firm, standard_price=D("250"))
        customer = make_customer(firm)
        data = {**header(customer, discount_type="percentage", discount_value="10"),
                **line_data([{"product": product.pk, "quantity": "2"},
                             {"description": "Installation", "quantity": "1",
                              "unit_price": "100", "discount_amount": "20"}])}
        response = client.post(reverse("sales:quote_create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        quote = Quote.objects.get(firm=firm)
        # 2 × 250 = 500; 100 − 20 = 80; subtotal 580, less 10 % = 522; VAT 15 % 78.30.
        assert (quote.subtotal, quote.discount_amount, quote.tax_amount, quote.total) == (
            D("580.00"), D("58.00"), D("78.30"), D("600.30"))
        assert list(quote.lines.values_list("description", "unit_price")) == [
            (product.name, D("250.00")), ("Installation", D("100.00"))]
        assert response["Location"] == reverse("sales:quote_detail", args=[quote.pk])
        detail = client.get(response["Location"]).content.decode()
        assert "ستمائة ريال وثلاثون هللة" in detail
        assert 'data-testid="pricing-trace"' in detail

    def test_line_error_shows_on_its_row(self, client, admin_user, firm):
        client.force_login(admin_user)
        data = {**header(make_customer(firm)),
                **line_data([{"description": "", "quantity": "1", "unit_price": "5"}])}
        response = client.post(reverse("sales:quote_create"), data)
        assert response.status_code == 200
        formset = response.context["formsets"][0]["formset"]
        assert formset.forms[0].errors
        assert not Quote.objects.filter(firm=firm).exists()

    def test_edit_replaces_lines_and_sent_quote_is_not_editable(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        quote = make_quote(firm)
        page = client.get(reverse("sales:quote_update", args=[quote.pk]))
        assert page.status_code == 200
        assert page.context["formsets"][0]["formset"].initial[0]["description"] == "Line A"
        data = {**header(quote.customer), **line_data([
            {"description": "Only line", "quantity": "3", "unit_price": "10"}])}
        response = client.post(reverse("sales:quote_update", args=[quote.pk]), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        quote.refresh_from_db()
        assert (quote.lines.count(), quote.total) == (1, D("34.50"))
        sent = quote_in(firm, QuoteStatus.SENT)
        response = client.get(reverse("sales:quote_update", args=[sent.pk]))
        assert response.status_code == 302


@pytest.mark.django_db
class TestPricingEndpoint:
    def test_prices_lines_with_resolver_without_saving(self, client, admin_user, firm):
        client.force_login(admin_user)
        product = make_product(firm, standard_price=D("120"))
        price_list = make_price_list(firm, is_default=True)
        make_item(price_list, product, "100")
        rule = make_rule(firm, discount_value=D("10"))
        data = {**header(make_customer(firm)),
                **line_data([{"product": product.pk, "quantity": "3"}])}
        response = client.post(reverse("sales:quote_price"), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="quote-lines"' in html and 'data-testid="pricing-trace"' in html
        assert rule.code in html and price_list.code in html
        lines = response.context["lines"]
        assert (lines[0].unit_price, lines[0].discount_amount, lines[0].line_total) == (
            D("100.00"), D("30.00"), D("270.00"))
        assert response.context["totals"].total == D("310.50")
        assert not Quote.objects.exists()

    def test_answers_errors_in_the_panel(self, client, admin_user, firm):
        client.force_login(admin_user)
        data = {**header(make_customer(firm)), **line_data([
            {"description": "X", "quantity": "1", "unit_price": "100",
             "discount_percent": "90"}])}
        response = client.post(reverse("sales:quote_price"), data)
        assert response.status_code == 200
        assert 'data-testid="pricing-errors"' in response.content.decode()

    def test_needs_login_and_role(self, client, users, firm):
        url = reverse("sales:quote_price")
        assert client.post(url, {}).status_code == 302
        client.force_login(users[Role.WAREHOUSE])
        assert client.post(url, {}).status_code == 403


@pytest.mark.django_db
class TestTransitionsAndVersions:
    def test_buttons_follow_state_and_role(self, client, users, firm):
        quote = quote_in(firm, QuoteStatus.PENDING_APPROVAL, owner=users[Role.SALES_PERSON])
        client.force_login(users[Role.SALES_PERSON])
        names = [button["name"] for button in client.get(
            reverse("sales:quote_detail", args=[quote.pk])).context["transition_buttons"]]
        assert names == ["rejected", "draft"]
        client.force_login(users[Role.ADMIN])
        names = [button["name"] for button in client.get(
            reverse("sales:quote_detail", args=[quote.pk])).context["transition_buttons"]]
        assert names == ["approved", "rejected", "draft"]

    def test_approve_page_refused_to_seller_and_done_by_admin(self, client, users, firm):
        quote = quote_in(firm, QuoteStatus.PENDING_APPROVAL, owner=users[Role.SALES_PERSON])
        url = reverse("sales:quote_transition", args=[quote.pk, "approved"])
        client.force_login(users[Role.SALES_PERSON])
        assert client.post(url, {"reason": "x"}).status_code == 403
        client.force_login(users[Role.ADMIN])
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": "Fine"})
        assert response.status_code == 302
        quote.refresh_from_db()
        assert (quote.status, quote.approved_by_id) == ("approved", users[Role.ADMIN].pk)

    def test_reject_needs_a_reason(self, client, admin_user, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        client.force_login(admin_user)
        url = reverse("sales:quote_transition", args=[quote.pk, "rejected"])
        assert client.post(url, {"reason": ""}).status_code == 400
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT

    def test_revise_then_version_diff(self, client, admin_user, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        client.force_login(admin_user)
        response = client.post(reverse("sales:quote_transition", args=[quote.pk, "revised"]),
                               {"reason": "Customer asked for more"})
        assert response.status_code == 302
        quote.refresh_from_db()
        assert (quote.status, quote.version) == ("draft", 2)
        data = {**header(quote.customer, discount_value="100",
                         quote_date=quote.quote_date.isoformat()),
                **line_data([
                    {"description": "Line A", "quantity": "3", "unit_price": "1000",
                     "discount_percent": "10", "tax_rate": "15"},
                    {"description": "Line C", "quantity": "1", "unit_price": "40",
                     "tax_rate": "15"}])}
        response = client.post(reverse("sales:quote_update", args=[quote.pk]), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        detail = client.get(reverse("sales:quote_detail", args=[quote.pk]) + "?tab=versions")
        assert [version.version for version in detail.context["versions"]] == [1]
        page = client.get(reverse("sales:quote_version", args=[quote.pk, 1]))
        assert page.status_code == 200
        diff = page.context["diff"]
        assert [line["description"] for line in diff["added"]] == ["Line C"]
        assert [line["description"] for line in diff["removed"]] == ["Line B"]
        [changed] = diff["changed"]
        assert changed["line"]["description"] == "Line A"
        assert {str(change["label"]): (change["old"], change["new"])
                for change in changed["fields"]} == {
            "Quantity": ("2.0000", D("3.0000")), "Line total": ("1800.00", D("2700.00"))}
        assert {str(change["label"]) for change in diff["totals"]} >= {"Subtotal", "Total"}
        assert client.get(reverse("sales:quote_version", args=[quote.pk, 7])).status_code \
            == 404

    def test_delete_draft_only(self, client, admin_user, firm):
        client.force_login(admin_user)
        draft, sent = make_quote(firm), quote_in(firm, QuoteStatus.SENT)
        response = client.post(reverse("sales:quote_delete", args=[draft.pk]))
        assert response.status_code == 302 and not Quote.objects.filter(pk=draft.pk).exists()
        client.post(reverse("sales:quote_delete", args=[sent.pk]))
        assert Quote.objects.filter(pk=sent.pk).exists()

    def test_list_filters_search_and_badges(self, client, admin_user, firm):
        client.force_login(admin_user)
        customer = make_customer(firm, name="Najd Cement")
        found = make_quote(firm, customer=customer, quote_date=datetime.date(2026, 2, 1))
        other = quote_in(firm, QuoteStatus.SENT)
        html = client.get(reverse("sales:quote_list"), {"search": "najd"}).content.decode()
        assert found.number in html and other.number not in html
        html = client.get(reverse("sales:quote_list"), {"status": "sent"}).content.decode()
        assert other.number in html and found.number not in html
        assert "badge-status-sent" in html
