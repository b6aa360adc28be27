"""What a user can do to a down payment, declared once: the staff page's action forms, the
API and the admin are built from this (architecture §5.13)."""

from django.utils.translation import gettext_lazy as _

from core.kit.actions import DocumentAction, DocumentActions
from sales.down_payments import services
from sales.down_payments.api.serializers import (
    ApplySerializer,
    RecordPaymentSerializer,
    RefundSerializer,
)
from sales.down_payments.choices import DownPaymentStatus
from sales.down_payments.forms import ApplyForm, RecordPaymentForm, RefundForm
from sales.down_payments.models import DownPayment

CHANGE = "sales.change_downpayment"

DOWN_PAYMENT_ACTIONS = DocumentActions(
    model=DownPayment, document_argument="down_payment",
    available=services.down_payment_available_actions,
    actions=[
        DocumentAction("generate_invoice", _("Generate invoice"),
                       services.down_payment_generate_invoice, CHANGE,
                       target=DownPaymentStatus.PENDING,
                       message=_("Down payment invoice generated"),
                       help_text=_("draft → pending: the down-payment invoice is issued "
                                   "(posted) to the customer.")),
        DocumentAction("record_payment", _("Record payment"),
                       services.down_payment_record_payment, CHANGE,
                       serializer=RecordPaymentSerializer, form=RecordPaymentForm,
                       target=DownPaymentStatus.PAID,
                       message=_("Down payment recorded as paid"),
                       help_text=_("pending → paid: the whole amount was received (also "
                                   "recorded on its invoice).")),
        DocumentAction("apply", _("Apply to an invoice"), services.down_payment_apply, CHANGE,
                       reason="none", serializer=ApplySerializer, form=ApplyForm,
                       message=_("Down payment applied to the invoice"),
                       help_text=_("Set part of the down payment against a posted regular "
                                   "invoice of the customer (400 `amount_exceeds_remaining`, "
                                   "`amount_exceeds_due`).")),
        DocumentAction("refund", _("Refund"), services.down_payment_refund, CHANGE,
                       reason="required", serializer=RefundSerializer, form=RefundForm,
                       message=_("Down payment refunded"),
                       help_text=_("Give back paid money not applied (400 "
                                   "`refund_exceeds_available`).")),
        DocumentAction("cancel", _("Cancel down payment"), services.down_payment_cancel,
                       CHANGE, style="outline-danger", target=DownPaymentStatus.CANCELLED,
                       message=_("Down payment cancelled"),
                       bulk_label=_("Cancel the selected down payments (draft or pending)"),
                       help_text=_("draft or pending → cancelled (a pending one's invoice is "
                                   "cancelled too).")),
    ])
