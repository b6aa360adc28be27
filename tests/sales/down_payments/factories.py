"""Down payments and the documents around them, made through the services (architecture §5.1)."""

from decimal import Decimal

from core.models import Firm, User
from sales.down_payments import services
from sales.down_payments.models import DownPayment
from sales.invoicing import services as invoice_services
from sales.invoicing.models import Invoice
from sales.orders import services as order_services
from sales.orders.models import SalesOrder
from tests.crm.factories import make_customer
from tests.sales.orders.factories import make_order

D = Decimal


def confirmed_order(firm: Firm, *, total: str = "3600", actor: User | None = None,
                    **kw) -> SalesOrder:
    """A confirmed order of one untaxed line, so its total is exactly `total`."""
    kw.setdefault("customer", make_customer(firm))
    order = make_order(firm, actor=actor, lines=[
        {"description": "Fit-out works", "quantity": D("1"), "unit_price": D(total),
         "tax_rate": D("0"), "taxable": False}], **kw)
    return order_services.order_confirm(order=order, actor=actor)


def posted_invoice(order: SalesOrder, *, actor: User | None = None) -> Invoice:
    """The order's regular invoice for everything not yet invoiced, posted."""
    draft = invoice_services.invoice_create_from_order(order=order, actor=actor)
    return invoice_services.invoice_post(invoice=draft, actor=actor)


def make_down_payment(firm: Firm, *, source=None, actor: User | None = None,
                      **kw) -> DownPayment:
    """A draft down payment on `source` (a new confirmed 3600 order unless given): 10 % unless
    a fixed amount is given."""
    source = source if source is not None else confirmed_order(firm, actor=actor)
    key = "quote" if source._meta.model_name == "quote" else "sales_order"
    if "fixed_amount" in kw:
        kw.setdefault("type", "fixed_amount")
    else:
        kw.setdefault("type", "percentage")
        kw.setdefault("percentage_value", D("10"))
    return services.down_payment_create(firm=firm, actor=actor, **{key: source}, **kw)


def paid_down_payment(firm: Firm, *, actor: User | None = None, **kw) -> DownPayment:
    """A down payment walked to paid: invoice generated, payment recorded."""
    down_payment = make_down_payment(firm, actor=actor, **kw)
    down_payment = services.down_payment_generate_invoice(down_payment=down_payment,
                                                          actor=actor)
    return services.down_payment_record_payment(down_payment=down_payment, actor=actor)


def down_payment_in(firm: Firm, status: str, **kw) -> DownPayment:
    """A down payment made by the services, then put straight into `status` (the protected
    FSM field refuses assignment, so the row is updated)."""
    down_payment = make_down_payment(firm, **kw)
    DownPayment.objects.filter(pk=down_payment.pk).update(status=status)
    return DownPayment.objects.get(pk=down_payment.pk)
