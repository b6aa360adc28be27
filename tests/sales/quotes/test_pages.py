"""Quote pages: the staff page contract, the form with its line formset, the htmx pricing
endpoint, transitions by role, revising and the versions diff, sending and the PDF, converting an
accepted quote; and the customer's public page /q/<signed>/ (business-rules §5)."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

import sales.receivers  # registers quotes with crm's activities (until SalesConfig.ready)
from core import services as core_services
from core.choices import Role
from core.models import DocumentEvent
from crm.choices import LeadStatus
from crm.models import Lead, Notification
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from sales.quotes.services import sending
from tests.contracts.pages import HTMX, READERS, SELLERS, PagesContract
from tests.crm import RoleScopedPages
from tests.crm.factories import make_customer, make_lead
from tests.factories import make_user
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule
from tests.sales.contracts import line_data, own_customer
from tests.sales.factories import make_quote, quote_in

assert sales.receivers

D = Decimal


def header(customer, **extra) -> dict:
    return {"customer": customer.pk, "quote_date": "2026-03-01", "discount_type": "amount",
            "discount_value": "0", "shipping_cost": "0", **extra}


class TestQuotePages(RoleScopedPages, PagesContract):
    model = Quote
    factory = make_quote
    scope_field = "owner"
    view_roles = READERS
    change_roles = SELLERS

    def form_data(self, firm):
        return {**header(own_customer(self, firm)), **line_data([
            {"description": "Consulting", "quantity": "2", "unit_price": "100"}])}


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
        response = client.post(reverse("sales:quote_price"), data, **HTMX)
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
        assert names == ["reject", "redraft"]
        client.force_login(users[Role.ADMIN])
        names = [button["name"] for button in client.get(
            reverse("sales:quote_detail", args=[quote.pk])).context["transition_buttons"]]
        assert names == ["approve", "reject", "redraft"]

    def test_approve_is_offered_to_the_quotes_approvers_only(self, client, users, firm):
        named = make_user(firm=firm, role=Role.SALES_MANAGER, username="chief")
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"require_approval": True, "approvers": [named.pk]}})
        quote = quote_in(firm, QuoteStatus.PENDING_APPROVAL)
        detail = reverse("sales:quote_detail", args=[quote.pk])
        for user, names in ((users[Role.ADMIN], ["reject", "redraft"]),
                            (named, ["approve", "reject", "redraft"])):
            client.force_login(user)
            assert [button["name"] for button in
                    client.get(detail).context["transition_buttons"]] == names
        client.force_login(users[Role.ADMIN])
        response = client.get(reverse("sales:quote_transition", args=[quote.pk, "approve"]),
                              follow=True)
        assert "This step is not possible" in response.content.decode()
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.PENDING_APPROVAL

    def test_approve_page_refused_to_seller_and_done_by_admin(self, client, users, firm):
        quote = quote_in(firm, QuoteStatus.PENDING_APPROVAL, owner=users[Role.SALES_PERSON])
        url = reverse("sales:quote_transition", args=[quote.pk, "approve"])
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
        url = reverse("sales:quote_transition", args=[quote.pk, "reject"])
        assert client.post(url, {"reason": ""}).status_code == 400
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT

    def test_revise_then_version_diff(self, client, admin_user, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        client.force_login(admin_user)
        response = client.post(reverse("sales:quote_transition", args=[quote.pk, "revise"]),
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


# --- send and PDF -----------------------------------------------------------------------------

@pytest.mark.django_db
class TestSendPages:
    def test_send_page(self, client, admin_user, firm, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        client.force_login(admin_user)
        detail = client.get(reverse("sales:quote_detail", args=[quote.pk]))
        assert detail.context["send_url"] == reverse("sales:quote_send", args=[quote.pk])
        url = reverse("sales:quote_send", args=[quote.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"to": "nope"}).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"to": "buyer@example.com", "language": "ar"})
        assert response.status_code == 302
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT and len(mail.outbox) == 1

    def test_send_button_only_while_the_quote_may_go_out(self, client, admin_user, firm):
        client.force_login(admin_user)
        for status in (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.VIEWED):
            quote = quote_in(firm, status)
            page = client.get(reverse("sales:quote_detail", args=[quote.pk]))
            assert page.context["send_url"] == reverse("sales:quote_send", args=[quote.pk])
            assert "send" not in [button["name"] for button in page.context["transition_buttons"]]
        accepted = quote_in(firm, QuoteStatus.ACCEPTED)
        assert client.get(reverse("sales:quote_detail", args=[accepted.pk])).context[
            "send_url"] is None
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"require_approval": True}})
        needs_approval = make_quote(firm)
        assert client.get(reverse("sales:quote_detail", args=[needs_approval.pk])).context[
            "send_url"] is None

    def test_pdf_page_and_roles(self, client, users, firm):
        quote = make_quote(firm)
        client.force_login(users[Role.FINANCE])
        response = client.get(reverse("sales:quote_pdf", args=[quote.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert client.get(reverse("sales:quote_send", args=[quote.pk])).status_code == 403


# --- conversion of an accepted quote (business-rules §5) --------------------------------------

@pytest.mark.django_db
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


@pytest.mark.django_db
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


# --- the customer's page /q/<signed>/: no login, viewed once, accept, reject ------------------


def page_url(quote, language="en", action=""):
    value = sending.quote_public_value(quote=quote, language=language)
    return f"/q/{value}/{action + '/' if action else ''}"


def status_of(quote) -> str:
    return Quote.objects.get(pk=quote.pk).status


@pytest.fixture
def visitor():
    """The customer's browser: not logged in, CSRF checked as a real browser's is."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def sent(firm, admin_user):
    customer = make_customer(firm, name="Gulf Build LLC", name_ar="شركة الخليج للبناء")
    return quote_in(firm, QuoteStatus.SENT, customer=customer, owner=admin_user)


def notices(user, quote):
    return Notification.objects.filter(user=user, entity_type="quote", entity_id=quote.pk)


CSRF_SECRET = "k" * 32


def csrf_post(visitor, url, data=None):
    """Post as a browser does: the form's token matching the CSRF cookie."""
    visitor.cookies["csrftoken"] = CSRF_SECRET
    return visitor.post(url, {**(data or {}), "csrfmiddlewaretoken": CSRF_SECRET})


@pytest.mark.django_db
class TestPage:
    def test_no_login_needed_and_the_quote_shown(self, visitor, sent):
        response = visitor.get(page_url(sent))
        assert response.status_code == 200
        html = response.content.decode()
        assert sent.number in html
        assert "Gulf Build LLC" in html
        assert "2,408.00 SAR" in html
        assert "Line A" in html and "Line B" in html
        assert sent.total_in_words_en in html
        assert 'dir="ltr"' in html and 'lang="en"' in html
        assert 'data-testid="accept"' in html and 'data-testid="reject"' in html
        assert "csrfmiddlewaretoken" in html
        assert response["Cache-Control"].startswith("max-age=0")
        assert response["Referrer-Policy"] == "same-origin"

    def test_arabic_when_sent_in_arabic_or_asked(self, visitor, sent):
        for url in [page_url(sent, "ar"), page_url(sent, "en") + "?lang=ar"]:
            response = visitor.get(url)
            html = response.content.decode()
            assert 'dir="rtl"' in html and 'lang="ar"' in html, url
            assert "شركة الخليج للبناء" in html
            assert sent.total_in_words in html
            assert "bootstrap.rtl.min.css" in html
            assert response["Content-Language"] == "ar"
        english = visitor.get(page_url(sent, "ar") + "?lang=en").content.decode()
        assert 'dir="ltr"' in english

    def test_pdf_download(self, visitor, sent):
        response = visitor.get(page_url(sent, action="pdf"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{sent.number}.pdf"'
        assert response.content.startswith(b"%PDF-")

    @pytest.mark.parametrize("bad", ["nonsense", "a:b:c", "x" * 300])
    def test_bad_links_are_404(self, visitor, sent, bad):
        for action in ["", "pdf/"]:
            response = visitor.get(f"/q/{bad}/{action}")
            assert response.status_code == 404
            assert "This link is not valid" in response.content.decode()
        assert status_of(sent) == QuoteStatus.SENT

    def test_tampered_link_is_404(self, visitor, sent):
        url = page_url(sent)
        value = url.split("/")[2]
        tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
        assert visitor.get(f"/q/{tampered}/").status_code == 404
        forged = signing.dumps({"t": sent.public_token, "l": "en", "e": "2999-12-31"},
                               salt="wrong")
        assert visitor.get(f"/q/{forged}/").status_code == 404
        assert status_of(sent) == QuoteStatus.SENT

    def test_expired_link_is_404(self, visitor, sent, firm):
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=sent.pk).update(
            quote_date=today - datetime.timedelta(days=90),
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS + 1))
        sent.refresh_from_db()
        assert visitor.get(page_url(sent)).status_code == 404
        assert status_of(sent) == QuoteStatus.SENT

    @pytest.mark.parametrize("status", ["draft", "pending_approval", "approved", "revised",
                                        "cancelled", "archived"])
    def test_a_quote_not_out_shows_its_state_only(self, visitor, firm, admin_user, status):
        quote = quote_in(firm, status, owner=admin_user)
        response = visitor.get(page_url(quote))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="quote-state"' in html
        assert "Line A" not in html and "2,408.00" not in html
        assert 'data-testid="accept"' not in html
        assert visitor.get(page_url(quote, action="pdf")).status_code == 404
        assert status_of(quote) == status

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "converted"])
    def test_a_decided_quote_shows_its_state_and_no_buttons(self, visitor, firm, status):
        quote = quote_in(firm, status)
        html = visitor.get(page_url(quote)).content.decode()
        assert 'data-testid="quote-state"' in html
        assert "2,408.00 SAR" in html
        assert 'data-testid="accept"' not in html and 'data-testid="reject"' not in html
        assert status_of(quote) == status


@pytest.mark.django_db
class TestViewed:
    def test_viewed_once_and_owner_told_once(self, visitor, sent, admin_user):
        url = page_url(sent)
        visitor.get(url)
        stored = Quote.objects.get(pk=sent.pk)
        assert stored.status == QuoteStatus.VIEWED
        assert stored.viewed_at is not None
        visitor.get(url)
        visitor.get(page_url(sent, "ar"))
        assert Quote.objects.get(pk=sent.pk).viewed_at == stored.viewed_at
        [notice] = notices(admin_user, sent)
        assert notice.title == f"Quote {sent.number} viewed"
        assert notice.title_ar == f"تم فتح عرض السعر {sent.number}"
        assert "Gulf Build LLC" in notice.message and "شركة الخليج للبناء" in notice.message_ar
        events = DocumentEvent.objects.filter(object_id=sent.pk, firm_id=sent.firm_id,
                                              to_status=QuoteStatus.VIEWED)
        assert [(event.actor_id, event.from_status) for event in events] == [(None, "sent")]

    def test_the_firms_own_staff_do_not_count(self, sent, admin_user):
        staff = Client()
        staff.force_login(admin_user)
        assert staff.get(page_url(sent)).status_code == 200
        assert status_of(sent) == QuoteStatus.SENT
        assert not notices(admin_user, sent).exists()

    def test_other_firms_quote_unaffected(self, visitor, sent, other_firm):
        theirs = quote_in(other_firm, QuoteStatus.SENT)
        visitor.get(page_url(sent))
        assert status_of(theirs) == QuoteStatus.SENT
        assert status_of(sent) == QuoteStatus.VIEWED


@pytest.mark.django_db
class TestAccept:
    def test_accepted_and_the_lead_won(self, visitor, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.PROPOSAL, assigned_to=admin_user)
        quote = quote_in(firm, QuoteStatus.SENT, lead=lead, owner=admin_user)
        response = csrf_post(visitor, page_url(quote, action="accept"))
        assert response.status_code == 302
        assert response["Location"].startswith("/q/")
        assert response["Location"].endswith("/?lang=en")
        stored = Quote.objects.get(pk=quote.pk)
        assert stored.status == QuoteStatus.ACCEPTED
        assert stored.accepted_at is not None
        won = Lead.objects.get(pk=lead.pk)
        assert won.status == LeadStatus.WON
        assert stored.customer_id == won.customer_id is not None
        assert notices(admin_user, quote).filter(
            title=f"Quote {quote.number} accepted").count() == 1
        page = visitor.get(response["Location"]).content.decode()
        assert 'data-testid="accept"' not in page and "You accepted this quote" in page

    def test_accept_after_viewing(self, visitor, sent):
        visitor.get(page_url(sent))
        csrf_post(visitor, page_url(sent, action="accept"))
        assert status_of(sent) == QuoteStatus.ACCEPTED

    def test_without_csrf_refused(self, visitor, sent):
        response = visitor.post(page_url(sent, action="accept"))
        assert response.status_code == 403
        assert status_of(sent) == QuoteStatus.SENT

    def test_get_is_not_allowed(self, visitor, sent):
        assert visitor.get(page_url(sent, action="accept")).status_code == 405
        assert status_of(sent) == QuoteStatus.SENT

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "draft"])
    def test_not_open_changes_nothing(self, visitor, firm, status):
        quote = quote_in(firm, status)
        response = csrf_post(visitor, page_url(quote, action="accept"))
        assert response.status_code == 302
        assert status_of(quote) == status

    def test_past_valid_until_is_not_accepted(self, visitor, sent, firm):
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=sent.pk).update(
            quote_date=today - datetime.timedelta(days=10),
            valid_until=today - datetime.timedelta(days=1))
        sent.refresh_from_db()
        html = visitor.get(page_url(sent)).content.decode()
        assert "This quote has expired" in html and 'data-testid="accept"' not in html
        csrf_post(visitor, page_url(sent, action="accept"))
        assert status_of(sent) == QuoteStatus.VIEWED

    def test_tampered_accept_is_404(self, visitor, sent):
        assert csrf_post(visitor, "/q/nonsense/accept/").status_code == 404
        assert csrf_post(visitor, "/q/nonsense/reject/", {"reason": "x"}).status_code == 404
        assert status_of(sent) == QuoteStatus.SENT


@pytest.mark.django_db
class TestReject:
    def test_rejected_with_the_reason(self, visitor, sent, admin_user):
        response = csrf_post(visitor, page_url(sent, action="reject"),
                             {"reason": "Too expensive for us."})
        assert response.status_code == 302
        stored = Quote.objects.get(pk=sent.pk)
        assert stored.status == QuoteStatus.REJECTED
        assert stored.rejection_reason == "Too expensive for us."
        [notice] = notices(admin_user, sent).filter(title__contains="rejected")
        assert "Too expensive for us." in notice.message
        event = DocumentEvent.objects.get(object_id=sent.pk, firm_id=sent.firm_id,
                                          to_status=QuoteStatus.REJECTED)
        assert (event.actor_id, event.reason) == (None, "Too expensive for us.")

    def test_a_reason_is_needed(self, visitor, sent):
        response = csrf_post(visitor, page_url(sent, action="reject"), {"reason": "   "})
        assert response.status_code == 400
        assert 'data-testid="reason-error"' in response.content.decode()
        assert status_of(sent) == QuoteStatus.SENT

    def test_a_too_long_reason(self, visitor, sent):
        response = csrf_post(visitor, page_url(sent, action="reject"),
                             {"reason": "x" * (sending.REASON_MAX_LENGTH + 1)})
        assert response.status_code == 400
        assert status_of(sent) == QuoteStatus.SENT

    def test_without_csrf_refused(self, visitor, sent):
        response = visitor.post(page_url(sent, action="reject"), {"reason": "No"})
        assert response.status_code == 403
        assert status_of(sent) == QuoteStatus.SENT
