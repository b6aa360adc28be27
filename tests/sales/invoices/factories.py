"""Invoices, payments and credit notes made through sales.invoicing.services (architecture §5.1)."""

from decimal import Decimal

from core.models import Firm, User
from sales.invoicing import services
from sales.invoicing.models import CreditNote, Invoice, Payment
from sales.orders.models import SalesOrder
from sales.orders.services import order_confirm
from tests.sales.orders.factories import make_order


def confirmed_order(firm: Firm, *, actor: User | None = None, **kw) -> SalesOrder:
    """business-rules §2's example order (A 2 × 1000 −10 %, B 1 × 500 −50 untaxed, 100 off:
    total 2408.00), confirmed."""
    return order_confirm(order=make_order(firm, actor=actor, **kw), actor=actor)


def lines_of(order: SalesOrder) -> list:
    return list(order.lines.order_by("position", "pk"))


def draft_invoice(firm: Firm, *, order: SalesOrder | None = None, actor: User | None = None,
                  **kw) -> Invoice:
    return services.invoice_create_from_order(order=order or confirmed_order(firm),
                                              actor=actor, **kw)


def posted_invoice(firm: Firm, *, actor: User | None = None, **kw) -> Invoice:
    return services.invoice_post(invoice=draft_invoice(firm, actor=actor, **kw), actor=actor)


def pay(invoice: Invoice, amount, *, actor: User | None = None, **kw) -> Payment:
    return services.payment_record(invoice=invoice, actor=actor, amount=Decimal(str(amount)),
                                   **kw)


def invoice_in(firm: Firm, status: str, *, actor: User | None = None) -> Invoice:
    """An invoice of 2408.00 brought to `status` by the services."""
    if status == "draft":
        return draft_invoice(firm, actor=actor)
    if status == "cancelled":
        return services.invoice_cancel(invoice=draft_invoice(firm, actor=actor), actor=actor,
                                       reason="test")
    invoice = posted_invoice(firm, actor=actor)
    if status == "partially_paid":
        pay(invoice, "1000", actor=actor)
    elif status == "paid":
        pay(invoice, "2408", actor=actor)
    return Invoice.objects.get(pk=invoice.pk)


def credit_note(invoice: Invoice, *, lines=None, actor: User | None = None,
                post: bool = False) -> CreditNote:
    if lines is None:
        lines = [{"invoice_line_id": invoice.lines.order_by("position").last().pk,
                  "quantity": Decimal("1")}]
    note = services.credit_note_create(invoice=invoice, actor=actor, lines=lines,
                                       reason="Damaged on arrival")
    return services.credit_note_post(credit_note=note, actor=actor) if post else note
