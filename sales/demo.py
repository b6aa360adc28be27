"""Demo quotes for `manage.py seed_demo`: one or more in every status of RULES.md §5, for the
demo customers and leads, with lines priced by the resolver from the demo catalogue, and one
quote revised to a second version. Idempotent: a firm with demo quotes is left alone (the
crm demo's leads in proposal already have draft quotes of their own, RULES.md §4)."""

import datetime
from decimal import Decimal

from django.db import transaction

from core.models import Firm
from core.services import firm_today
from crm.models import Customer, Lead
from pricing.models import Product

from . import services
from .choices import QuoteStatus as S
from .models import Quote

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
    S.CONVERTED: ["send", S.ACCEPTED, S.CONVERTED],
    S.CANCELLED: [S.CANCELLED],
    S.ARCHIVED: ["send", S.EXPIRED, S.ARCHIVED],
}
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
            # A quote needing approval goes through it first (RULES.md §5).
            if S.SENT not in services.quote_allowed_targets(quote=quote):
                quote = services.quote_transition(quote=quote, target=S.PENDING_APPROVAL,
                                                  actor=actor)
                quote = services.quote_approve(quote=quote, actor=approver)
            step = S.SENT
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
