"""Factories for sales orders, made through sales.orders.services (architecture §5.1)."""

from decimal import Decimal

from core.models import Firm, User
from sales.orders import services
from sales.orders.models import SalesOrder, SalesOrderLine
from tests.crm.factories import make_customer
from tests.sales.factories import EXAMPLE_LINES


def make_order(firm: Firm, *, actor: User | None = None, lines: list[dict] | None = None,
               **kw) -> SalesOrder:
    """A draft order for a new customer (unless given) with business-rules §2's example lines and
    100
    off unless `lines` are given (total 2408.00)."""
    if "customer" not in kw:
        kw["customer"] = make_customer(firm)
    if lines is None:
        kw.setdefault("discount_value", Decimal("100"))
    return services.order_create(firm=firm, actor=actor,
                                 lines=EXAMPLE_LINES if lines is None else lines, **kw)


def order_in(firm: Firm, status: str, **kw) -> SalesOrder:
    """An order made by the service, then put straight into `status` (the protected FSM
    field refuses assignment, so the row is updated)."""
    order = make_order(firm, **kw)
    if status != "draft":
        SalesOrder.objects.filter(pk=order.pk).update(status=status)
    return SalesOrder.all_objects.get(pk=order.pk)


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
