"""What a user can do to a sales order, declared once: the staff page, the API and the admin
are built from this (architecture §5.13)."""

from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format
from core.kit.actions import DocumentAction, DocumentActions
from sales.orders import services
from sales.orders.api.serializers import CloseRemainingSerializer
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder

CHANGE = "sales.change_salesorder"

ORDER_ACTIONS = DocumentActions(
    model=SalesOrder, document_argument="order", available=services.order_available_actions,
    actions=[
        DocumentAction("approve", _("Approve"), services.order_approve,
                       "sales.approve_salesorder", style="success",
                       message=_("Order approved"),
                       help_text=_("Approve a draft order that needs approval (its approvers "
                                   "only).")),
        DocumentAction("confirm", _("Confirm order"), services.order_confirm,
                       "sales.confirm_salesorder", target=SalesOrderStatus.CONFIRMED,
                       message=_("Order confirmed successfully"),
                       bulk_label=_("Confirm the selected orders"),
                       help_text=_("draft → confirmed: needs a line (and an approval when the "
                                   "order needs one); copies the customer's addresses and "
                                   "counts the pricing rules used.")),
        DocumentAction("hold", _("Put on hold"), services.order_hold, CHANGE,
                       style="outline-warning", target=SalesOrderStatus.ON_HOLD,
                       message=_("Order put on hold"),
                       bulk_label=_("Put the selected orders on hold")),
        DocumentAction("resume", _("Resume"), services.order_resume, CHANGE,
                       style="outline-primary",
                       target=lambda order: services.order_progress_status(order=order),
                       message=lambda order: lazy_format(
                           _("Order resumed: %(status)s"),
                           status=SalesOrderStatus(order.status).label),
                       bulk_label=_("Resume the selected orders"),
                       help_text=_("on_hold → the status the order's delivery and invoicing "
                                   "progress give.")),
        DocumentAction("close_remaining", _("Close the backorder"),
                       services.order_close_remaining, CHANGE, reason="required",
                       serializer=CloseRemainingSerializer, style="outline-secondary",
                       message=_("Backorder closed"),
                       help_text=_("Short-close what is left to deliver (no open delivery note "
                                   "plans it), with a reason, so the order can complete; "
                                   "progress then counts against ordered − closed.")),
        DocumentAction("cancel", _("Cancel order"), services.order_cancel, CHANGE,
                       reason="required", style="outline-danger",
                       target=SalesOrderStatus.CANCELLED, message=_("Order cancelled"),
                       help_text=_("→ cancelled with a reason, only while nothing is delivered "
                                   "or invoiced.")),
    ])
