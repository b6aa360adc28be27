"""The sales issue's acceptance flow: a sales manager builds a quote (two lines, a document
discount, priced live), sends it; the customer opens the e-mailed link without a staff session,
sees it viewed and accepts it; the manager turns it into a sales order, confirms the order and
finds it on the orders list."""

import re
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse
from playwright.sync_api import Browser, Page, Response, expect

from core import services as core_services
from core.models import Firm
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.browser.conftest import TIMEOUT_MS
from tests.crm.factories import make_customer
from tests.pricing.factories import make_product

PASSWORD = "x-Pass-12345"
VAT = Decimal("15")
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """An amount as the staff pages show it (the `cell` filter, en-US): 2,785.88."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def expected_totals(lines: list[tuple[Decimal, Decimal, Decimal]],
                    discount_percent: Decimal) -> dict[str, Decimal]:
    """business-rules §2 with the default settings (tax on the discounted amount, rounded once):
    lines are (quantity, unit price, line discount %), all taxable at VAT."""
    line_totals = [max(qty * price - qty * price * pct / 100, Decimal(0))
                   for qty, price, pct in lines]
    subtotal = sum(line_totals, Decimal(0))
    discount = min(subtotal * discount_percent / 100, subtotal)
    after = subtotal - discount
    tax = sum((total * (after / subtotal) * VAT / 100 for total in line_totals), Decimal(0))
    return {"subtotal": subtotal, "discount": discount, "after": after, "tax": tax,
            "total": after + tax}


def test_quote_sent_accepted_and_confirmed_as_order(page: Page, login, page_problems,
                                                    live_server, browser: Browser):
    firm = Firm.objects.create(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")
    manager = core_services.user_create(firm=firm, actor=None, username="manager1",
                                        password=PASSWORD, role="sales_manager",
                                        first_name="Faisal", last_name="Al-Harbi",
                                        email="faisal@acme.example")
    customer = make_customer(firm, actor=manager, name="Gulf Foods", name_ar="أغذية الخليج",
                             email="buyer@gulf-foods.example")
    laptop = make_product(firm, actor=manager, code="LAP-01", name="Laptop",
                          standard_price=Decimal("1000"), cost_price=Decimal("600"),
                          tax_rate=VAT)
    mouse = make_product(firm, actor=manager, code="MOU-01", name="Mouse",
                         standard_price=Decimal("250"), cost_price=Decimal("100"),
                         tax_rate=VAT)
    # 2 × 1000 less 10 % = 1800; 3 × 250 = 750; subtotal 2550, less 5 % = 2422.50;
    # VAT 15 % on that = 363.375 → 363.38; total 2785.875 → 2785.88.
    expected = expected_totals([(Decimal(2), Decimal(1000), Decimal(10)),
                                (Decimal(3), Decimal(250), Decimal(0))], Decimal(5))
    assert money(expected["total"]) == "2,785.88"

    login("manager1", PASSWORD)

    # Build the quote: the header, two lines (the second through "Add a row"), a 5 % document
    # discount; the form is priced live (htmx) before anything is saved.
    page.goto(reverse("sales:quote_create"))
    form = page.get_by_test_id("form")
    form.get_by_label("Customer", exact=True).select_option(str(customer.pk))
    form.get_by_label("Discount type").select_option("percentage")
    form.get_by_role("spinbutton", name="Discount", exact=True).fill("5")
    lines = form.get_by_test_id("formset-items")
    form.get_by_test_id("formset-add").click()
    rows = lines.locator("tbody[data-formset-body] > tr")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    first.get_by_label("Product").select_option(str(laptop.pk))
    first.get_by_label("Quantity").fill("2")
    first.get_by_label("Discount (%)").fill("10")
    second.get_by_label("Product").select_option(str(mouse.pk))
    second.get_by_label("Quantity").fill("3")
    second.get_by_label("Quantity").blur()

    pricing = form.get_by_test_id("quote-pricing")
    expect(pricing.get_by_test_id("total")).to_have_text(f"{money(expected['total'])} SAR")
    expect(pricing.get_by_test_id("subtotal")).to_have_text(money(expected["subtotal"]))
    expect(pricing.get_by_test_id("discount")).to_have_text(money(expected["discount"]))
    expect(pricing.get_by_test_id("tax")).to_have_text(money(expected["tax"]))
    expect(pricing.get_by_test_id("line-unit-price")).to_have_text(["1,000.00", "250.00"])
    expect(pricing.get_by_test_id("line-total")).to_have_text(["1,800.00", "750.00"])
    expect(pricing.get_by_test_id("pricing-errors")).to_have_count(0)
    form.get_by_test_id("save").click()

    expect(page).to_have_url(re.compile(r"/sales/quotes/\d+/$"))
    quote = Quote.objects.get(firm=firm)
    expect(page).to_have_url(live_server.url + reverse("sales:quote_detail", args=[quote.pk]))
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    expect(page.get_by_test_id("total")).to_have_text(f"{money(expected['total'])} SAR")
    assert (quote.subtotal, quote.discount_amount, quote.tax_amount, quote.total) == (
        expected["subtotal"].quantize(CENT), expected["discount"].quantize(CENT),
        expected["tax"].quantize(CENT, rounding=ROUND_HALF_UP),
        expected["total"].quantize(CENT, rounding=ROUND_HALF_UP))
    assert quote.lines.count() == 2

    # Send it to the customer: the e-mail goes out after commit (an eager Celery task).
    mail.outbox.clear()
    page.get_by_test_id("send").click()
    send_form = page.get_by_test_id("send-form")
    send_form.get_by_label("Language").select_option("en")
    send_form.get_by_label("Message").fill("As discussed on the phone.")
    send_form.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Quote sent.")
    expect(page.get_by_test_id("status")).to_have_text("Sent")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["buyer@gulf-foods.example"]
    assert quote.number in email.subject
    assert money(expected["total"]) in email.body
    found = re.search(r"(?:https?://[^/\s]+)?(/q/[^\s]+)", email.body)
    assert found, email.body
    public_path = urlsplit(found.group(1)).path
    assert public_path.startswith("/q/")

    # The customer opens the link with no staff session: the quote is marked viewed; they
    # accept it there.
    customer_context = browser.new_context(base_url=live_server.url, locale="en-US",
                                           viewport={"width": 1280, "height": 900})
    customer_context.set_default_timeout(TIMEOUT_MS)
    try:
        public = customer_context.new_page()

        def record_http_error(response: Response) -> None:
            if response.status >= 400:
                page_problems.append(f"HTTP {response.status} (public): {response.url}")

        public.on("pageerror",
                  lambda error: page_problems.append(f"JavaScript error (public): {error}"))
        public.on("response", record_http_error)
        public.goto(public_path)
        expect(public.get_by_test_id("quote-status")).to_have_text("Viewed")
        expect(public.get_by_test_id("customer-name")).to_have_text("Gulf Foods")
        expect(public.get_by_test_id("quote-line")).to_have_count(2)
        expect(public.get_by_test_id("quote-totals")).to_contain_text(
            money(expected["total"]))
        public.get_by_test_id("accept").click()
        expect(public.get_by_test_id("quote-status")).to_have_text("Accepted")
        expect(public.get_by_test_id("quote-state")).to_contain_text("You accepted this quote")
        expect(public.get_by_test_id("quote-actions")).to_have_count(0)
    finally:
        customer_context.close()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.viewed_at is not None

    # Back on the staff page: accepted; create the sales order from it.
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    page.get_by_test_id("convert").click()
    expect(page).to_have_url(re.compile(r"/sales/orders/\d+/$"))
    order = SalesOrder.objects.get(firm=firm)
    expect(page).to_have_url(
        live_server.url + reverse("sales:salesorder_detail", args=[order.pk]))
    expect(page.get_by_test_id("messages")).to_contain_text(
        f"Sales order {order.number} created from the quote.")
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    expect(page.get_by_test_id("line")).to_have_count(2)
    expect(page.get_by_test_id("totals")).to_contain_text(f"{money(expected['total'])} SAR")
    assert order.total == expected["total"].quantize(CENT, rounding=ROUND_HALF_UP)

    # Confirm the order.
    page.get_by_test_id("transition-confirm").click()
    page.get_by_test_id("transition-form").get_by_test_id("confirm").click()
    expect(page).to_have_url(
        live_server.url + reverse("sales:salesorder_detail", args=[order.pk]))
    expect(page.get_by_test_id("status")).to_have_text("Confirmed")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.CONFIRMED

    # The orders list shows it, confirmed, with its total.
    page.goto(reverse("sales:salesorder_list"))
    row = page.get_by_test_id("list-table").locator("tbody tr").filter(has_text=order.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text(money(expected["total"]))

    assert page_problems == []
