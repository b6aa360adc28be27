"""Demo quotes and orders for `manage.py seed_demo`.

Quotes: one or more in every status of business-rules §5, for the demo customers and leads, with
lines priced by the resolver from the demo catalogue, and one quote revised to a second
version. Orders: one in every status the sales app reaches on its own (the shipped ones come
with deliveries), invoiced through posted invoices, one paid. Idempotent: a firm with demo
quotes is left alone (the crm demo's leads in proposal already have draft quotes of their
own, business-rules §4)."""

import datetime
from decimal import Decimal

from django.db import transaction

from core.models import Firm
from core.services import firm_today
from crm.models import Customer, Lead
from pricing.models import Product
from sales.invoicing import services as invoice_services
from sales.invoicing.conversion import quote_convert
from sales.orders import services as order_services
from sales.orders.choices import SalesOrderStatus as O
from sales.orders.models import SalesOrder
from sales.quotes import services
from sales.quotes.choices import QuoteStatus as S
from sales.quotes.models import Quote

DEMO_NOTE = "Demo quote"
# How each demo quote gets to its status from a draft (the services check every step).
PATHS = {
    S.DRAFT: [],
    S.PENDING_APPROVAL: [S.PENDING_APPROVAL],
    S.APPROVED: [S.PENDING_APPROVAL, S.APPROVED],
    S.SENT: ["send"],
    S.VIEWED: ["send", S.VIEWED],
    S.ACCEPTED: ["send", S.VIEWED, S.ACCEPTED],
    S.REJECTED: ["send", S.REJECTED],
    S.EXPIRED: ["send", S.EXPIRED],
    S.REVISED: ["send", S.REVISED],
    S.CONVERTED: ["send", S.ACCEPTED, "convert"],
    S.CANCELLED: [S.CANCELLED],
    S.ARCHIVED: ["send", S.EXPIRED, S.ARCHIVED],
}
# Orders: (status, product codes with quantities). Each is made, confirmed, then moved.
ORDERS = [
    (O.DRAFT, [("LT-200", 2)]),
    (O.CONFIRMED, [("FU-100", 8), ("FU-200", 8)]),
    (O.ON_HOLD, [("PH-100", 5)]),
    (O.CANCELLED, [("ST-100", 30)]),
    (O.PARTIALLY_INVOICED, [("LT-100", 6), ("AC-100", 6)]),
    (O.INVOICED, [("AC-200", 10), ("ST-200", 15)]),
]
DEMO_ORDER_NOTE = "Demo order"
# (status, product codes with quantities, document discount %, for a lead)
QUOTES = [
    (S.DRAFT, [("LT-100", 5), ("AC-100", 5)], 0, False),
    (S.PENDING_APPROVAL, [("LT-200", 10), ("AC-300", 10)], 5, False),
    (S.APPROVED, [("FU-100", 12), ("FU-200", 6)], 0, False),
    (S.SENT, [("PH-100", 3)], 0, True),
    (S.VIEWED, [("ST-100", 40), ("ST-200", 20)], 0, False),
    (S.ACCEPTED, [("LT-300", 4), ("AC-200", 4)], 0, False),
    (S.REJECTED, [("PH-200", 2)], 0, False),
    (S.EXPIRED, [("FU-300", 3)], 0, True),
    (S.REVISED, [("AC-400", 25)], 0, False),
    (S.CONVERTED, [("LT-100", 2), ("AC-300", 2)], 0, False),
    (S.CANCELLED, [("ST-300", 10)], 0, False),
    (S.ARCHIVED, [("AC-100", 6)], 0, True),
]


def _lines(firm: Firm, items: list[tuple[str, int]]) -> list[dict]:
    products = {product.code: product for product in Product.objects.filter(
        firm=firm, code__in=[code for code, _quantity in items])}
    rows = []
    for code, quantity in items:
        if code in products:
            rows.append({"product": products[code], "quantity": Decimal(quantity)})
        else:  # the pricing demo did not run: a plain line
            rows.append({"description": code, "quantity": Decimal(quantity),
                         "unit_price": Decimal("100")})
    return rows


def _walk(quote: Quote, path: list[str], *, approver, actor) -> Quote:
    for step in path:
        if step == "send":
            # A quote needing approval goes through it first (business-rules §5).
            if S.SENT not in services.quote_allowed_targets(quote=quote):
                quote = services.quote_transition(quote=quote, target=S.PENDING_APPROVAL,
                                                  actor=actor)
                quote = services.quote_approve(quote=quote, actor=approver)
            step = S.SENT
        if step == "convert":
            quote_convert(quote=quote, actor=actor, to="order")
            continue
        reason = "Budget moved to next year" if step == S.REJECTED else ""
        who = approver if step == S.APPROVED else actor
        quote = services.quote_transition(quote=quote, target=step, actor=who, reason=reason)
    return quote


@transaction.atomic
def sales_seed_demo(*, firm: Firm, users: dict) -> None:
    if Quote.objects.filter(firm=firm, notes=DEMO_NOTE).exists():
        return  # seeded before: leave staff's changes alone
    admin, sales = users.get("admin"), users.get("sales")
    # Approving needs an admin or a manager of the firm (a demo name may be someone's else).
    admin = admin if admin is not None and admin.firm_id == firm.pk else (
        users.get("manager") if users.get("manager") is not None
        and users["manager"].firm_id == firm.pk else None)
    if admin is None:
        return
    actor = sales if sales is not None and sales.firm_id == firm.pk else admin
    customers = list(Customer.objects.filter(firm=firm).order_by("pk"))
    leads = list(Lead.objects.filter(firm=firm).order_by("pk"))
    if not customers and not leads:
        return
    today = firm_today(firm=firm)
    for index, (status, items, discount, for_lead) in enumerate(QUOTES):
        party = ({"lead": leads[index % len(leads)]} if for_lead and leads
                 else {"customer": customers[index % len(customers)]} if customers
                 else {"lead": leads[index % len(leads)]})
        quote = services.quote_create(
            firm=firm, actor=actor, owner=actor, lines=_lines(firm, items),
            quote_date=today - datetime.timedelta(days=3 * index),
            discount_type="percentage", discount_value=Decimal(discount),
            probability=Decimal(40 + 5 * index), notes=DEMO_NOTE,
            notes_ar="عرض سعر تجريبي", **party)
        _walk(quote, PATHS[status], approver=admin, actor=actor)
    # One quote with history: sent, then revised to a second version with an extra line.
    first = services.quote_create(firm=firm, actor=actor, owner=actor, notes=DEMO_NOTE,
                                  customer=customers[0] if customers else None,
                                  lead=None if customers else leads[0],
                                  lines=_lines(firm, [("FU-200", 4)]))
    first = _walk(first, ["send"], approver=admin, actor=actor)
    services.quote_revise(quote=first, actor=actor, reason="Customer asked for chairs too",
                          lines=_lines(firm, [("FU-200", 4), ("FU-100", 4)]))
    _seed_orders(firm=firm, customers=customers, actor=admin)


def _seed_orders(*, firm: Firm, customers: list[Customer], actor) -> None:
    for index, (status, items) in enumerate(ORDERS if customers else []):
        order = order_services.order_create(
            firm=firm, actor=actor, customer=customers[(index + 1) % len(customers)],
            lines=_lines(firm, items), notes=DEMO_ORDER_NOTE, notes_ar="أمر بيع تجريبي")
        if status == O.DRAFT:
            continue
        if order.needs_approval:
            order = order_services.order_approve(order=order, actor=actor)
        order = order_services.order_confirm(order=order, actor=actor)
        if status == O.ON_HOLD:
            order_services.order_hold(order=order, actor=actor, reason="Awaiting site survey")
        elif status == O.CANCELLED:
            order_services.order_cancel(order=order, actor=actor,
                                        reason="Customer chose another supplier")
        elif status in (O.PARTIALLY_INVOICED, O.INVOICED):
            _seed_invoice(order, actor=actor, whole=status == O.INVOICED)


def _seed_invoice(order: SalesOrder, *, actor, whole: bool) -> None:
    """Invoice the order (half of its first line when not `whole`), post it; a whole one is
    paid in part, so the demo has money on an invoice too."""
    lines = None if whole else [{"order_line_id": line.pk, "quantity": line.quantity / 2}
                                for line in order.lines.order_by("position", "pk")[:1]]
    invoice = invoice_services.invoice_create_from_order(order=order, actor=actor, lines=lines)
    invoice = invoice_services.invoice_post(invoice=invoice, actor=actor)
    if whole:
        invoice_services.payment_record(invoice=invoice, actor=actor,
                                        amount=(invoice.amount_due / 2).quantize(
                                            Decimal("0.01")),
                                        reference="Demo transfer")
