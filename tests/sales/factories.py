"""Factories for every sales document, each made through the sales services (architecture §5.1).

One module and one signature per helper: makers take the firm first and keyword overrides of the
service's fields; helpers that work on a document (`pay`, `credit_note`, `lines_of`,
`set_quantities`) take that document first. Other apps' tests import these too: keep names
stable.
"""

from decimal import Decimal

from core.models import Firm, User
from sales.down_payments import services as down_payment_services
from sales.down_payments.models import DownPayment
from sales.invoicing import services as invoice_services
from sales.invoicing.models import CreditNote, Invoice, Payment, Refund
from sales.orders import services as order_services
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.quotes import services
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from tests.crm.factories import make_customer

D = Decimal

# business-rules §2's example as service rows: A 2 × 1000 less 10 %; B 1 × 500 less 50, untaxed.
EXAMPLE_LINES = [
    {"description": "Line A", "quantity": Decimal("2"), "unit_price": Decimal("1000"),
     "discount_percent": Decimal("10"), "tax_rate": Decimal("15")},
    {"description": "Line B", "quantity": Decimal("1"), "unit_price": Decimal("500"),
     "discount_amount": Decimal("50"), "tax_rate": Decimal("15"), "taxable": False},
]


def _example(firm: Firm, lines: list[dict] | None, kw: dict, *,
             parties=("customer",)) -> dict:
    """The fields of a priced document's create service: `kw`, a new customer unless one of
    `parties` is given, and EXAMPLE_LINES with the example's 100 off unless `lines` are."""
    if not any(party in kw for party in parties):
        kw["customer"] = make_customer(firm)
    if lines is None:
        kw.setdefault("discount_value", Decimal("100"))
    return {**kw, "lines": EXAMPLE_LINES if lines is None else lines}


# --- quotes -------------------------------------------------------------------------------

def make_quote(firm: Firm, *, actor: User | None = None, lines: list[dict] | None = None,
               **kw) -> Quote:
    """A draft quote for a new customer (unless a customer or lead is given) with
    EXAMPLE_LINES and the example's 100 off unless `lines` are given (total 2408.00)."""
    return services.quote_create(firm=firm, actor=actor,
                                 **_example(firm, lines, kw, parties=("customer", "lead")))


def quote_in(firm: Firm, status: str, **kw) -> Quote:
    """A quote made by the service, then put straight into `status` (protected FSM fields
    refuse assignment, so the row is updated)."""
    quote = make_quote(firm, **kw)
    if status != QuoteStatus.DRAFT:
        Quote.objects.filter(pk=quote.pk).update(status=status)
    return Quote.objects.get(pk=quote.pk)


# --- sales orders -------------------------------------------------------------------------

def make_order(firm: Firm, *, actor: User | None = None, lines: list[dict] | None = None,
               **kw) -> SalesOrder:
    """A draft order for a new customer (unless given) with business-rules §2's example lines and
    100 off unless `lines` are given (total 2408.00)."""
    return order_services.order_create(firm=firm, actor=actor, **_example(firm, lines, kw))


def order_in(firm: Firm, status: str, **kw) -> SalesOrder:
    """An order made by the service, then put straight into `status` (the protected FSM
    field refuses assignment, so the row is updated)."""
    order = make_order(firm, **kw)
    if status != "draft":
        SalesOrder.objects.filter(pk=order.pk).update(status=status)
    return SalesOrder.all_objects.get(pk=order.pk)


def confirmed_order(firm: Firm, *, total: str | None = None, actor: User | None = None,
                    **kw) -> SalesOrder:
    """A confirmed order: business-rules §2's example (total 2408.00, or the given `lines`), or,
    given `total`, one untaxed line so the order's total is exactly `total`."""
    if total is not None:
        if "lines" in kw:
            raise TypeError("confirmed_order takes `lines` or `total`, not both")
        kw["lines"] = [{"description": "Fit-out works", "quantity": D("1"),
                        "unit_price": D(total), "tax_rate": D("0"), "taxable": False}]
    return order_services.order_confirm(order=make_order(firm, actor=actor, **kw), actor=actor)


def set_quantities(order: SalesOrder, *, delivered=None, invoiced=None) -> None:
    """Set the lines' delivered/invoiced quantities (lists, one per line), as the delivery and
    invoice services will."""
    for index, line in enumerate(order.lines.order_by("position", "pk")):
        changes = {}
        if delivered is not None:
            changes["delivered_quantity"] = Decimal(str(delivered[index]))
        if invoiced is not None:
            changes["invoiced_quantity"] = Decimal(str(invoiced[index]))
        SalesOrderLine.objects.filter(pk=line.pk).update(**changes)


def lines_of(order: SalesOrder) -> list:
    return list(order.lines.order_by("position", "pk"))


# --- invoices, payments, credit notes -----------------------------------------------------

def draft_invoice(firm: Firm, *, order: SalesOrder | None = None, actor: User | None = None,
                  **kw) -> Invoice:
    """A draft invoice of `order` (a new confirmed example order unless given) for what is not
    yet invoiced, or the quantities in `kw`."""
    return invoice_services.invoice_create_from_order(order=order or confirmed_order(firm),
                                                      actor=actor, **kw)


def posted_invoice(firm: Firm, *, order: SalesOrder | None = None, actor: User | None = None,
                   **kw) -> Invoice:
    """draft_invoice(), posted."""
    return invoice_services.invoice_post(
        invoice=draft_invoice(firm, order=order, actor=actor, **kw), actor=actor)


def pay(invoice: Invoice, amount, *, actor: User | None = None, **kw) -> Payment:
    return invoice_services.payment_record(invoice=invoice, actor=actor,
                                           amount=Decimal(str(amount)), **kw)


def invoice_in(firm: Firm, status: str, *, actor: User | None = None) -> Invoice:
    """An invoice of 2408.00 brought to `status` by the services."""
    if status == "draft":
        return draft_invoice(firm, actor=actor)
    if status == "cancelled":
        return invoice_services.invoice_cancel(invoice=draft_invoice(firm, actor=actor),
                                               actor=actor, reason="test")
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
    note = invoice_services.credit_note_create(invoice=invoice, actor=actor, lines=lines,
                                               reason="Damaged on arrival")
    return invoice_services.credit_note_post(credit_note=note, actor=actor) if post else note


def overpaid_credit_note(firm: Firm, *, paid: bool = True, actor: User | None = None
                         ) -> CreditNote:
    """business-rules §8's refund example: an invoice of 115.00 (paid in full unless `paid` is
    False) and a posted credit note of 103.50 on it (90.00 net + 15 % VAT)."""
    invoice = posted_invoice(firm, order=confirmed_order(firm, total="115"), actor=actor)
    if paid:
        pay(invoice, "115", actor=actor)
    return credit_note(invoice, post=True, actor=actor, lines=[
        {"description": "Returned goods", "quantity": Decimal("1"),
         "unit_price": Decimal("90"), "tax_rate": Decimal("15")}])


def refund(note: CreditNote, amount=None, *, actor: User | None = None, **kw) -> Refund:
    return invoice_services.refund_record(
        credit_note=note, actor=actor, amount=None if amount is None else Decimal(str(amount)),
        **kw)


# --- down payments ------------------------------------------------------------------------

def make_down_payment(firm: Firm, *, source=None, actor: User | None = None,
                      **kw) -> DownPayment:
    """A draft down payment on `source` (a new confirmed 3600 order unless given): 10 % unless
    a fixed amount is given."""
    if source is None:
        source = confirmed_order(firm, total="3600", actor=actor)
    key = "quote" if source._meta.model_name == "quote" else "sales_order"
    if "fixed_amount" in kw:
        kw.setdefault("type", "fixed_amount")
    else:
        kw.setdefault("type", "percentage")
        kw.setdefault("percentage_value", D("10"))
    return down_payment_services.down_payment_create(firm=firm, actor=actor, **{key: source},
                                                     **kw)


def paid_down_payment(firm: Firm, *, actor: User | None = None, **kw) -> DownPayment:
    """A down payment walked to paid: invoice generated, payment recorded."""
    down_payment = make_down_payment(firm, actor=actor, **kw)
    down_payment = down_payment_services.down_payment_generate_invoice(
        down_payment=down_payment, actor=actor)
    return down_payment_services.down_payment_record_payment(down_payment=down_payment,
                                                             actor=actor)


def down_payment_in(firm: Firm, status: str, **kw) -> DownPayment:
    """A down payment made by the services, then put straight into `status` (the protected
    FSM field refuses assignment, so the row is updated)."""
    down_payment = make_down_payment(firm, **kw)
    DownPayment.objects.filter(pk=down_payment.pk).update(status=status)
    return DownPayment.objects.get(pk=down_payment.pk)
