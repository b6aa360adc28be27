"""What a user can do to an invoice and to a credit note, declared once: the staff pages, the
API and the admin are built from these (architecture §5.13). Payments (record, void) are the
invoice's sub-resource, not state moves of it, and stay hand-written; a refund is declared on
the credit note it pays back (no status move), so its button, form and API route come from
here."""

from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format
from core.kit.actions import DocumentAction, DocumentActions
from sales.invoicing import services
from sales.invoicing.api.serializers import RefundCreateSerializer
from sales.invoicing.choices import CreditNoteStatus, InvoiceStatus
from sales.invoicing.forms import RefundForm
from sales.invoicing.models import CreditNote, Invoice

POST_INVOICE = "sales.post_invoice"
CHANGE_CREDIT_NOTE = "sales.change_creditnote"
REFUND_CREDIT_NOTE = "sales.refund_creditnote"

INVOICE_ACTIONS = DocumentActions(
    model=Invoice, document_argument="invoice", available=services.invoice_available_actions,
    actions=[
        DocumentAction("post", _("Post invoice"), services.invoice_post, POST_INVOICE,
                       target=InvoiceStatus.POSTED,
                       message=lambda invoice: lazy_format(_("Invoice %(number)s posted"),
                                                           number=invoice.number),
                       bulk_label=_("Post the selected draft invoices"),
                       help_text=_("draft → posted: numbered now, its quantities counted on "
                                   "the order.")),
        DocumentAction("cancel", _("Cancel invoice"), services.invoice_cancel, POST_INVOICE,
                       reason="required", style="outline-danger",
                       target=InvoiceStatus.CANCELLED, message=_("Invoice cancelled"),
                       help_text=_("draft or posted → cancelled (a reason; refused with "
                                   "payments).")),
    ])

CREDIT_NOTE_ACTIONS = DocumentActions(
    model=CreditNote, document_argument="credit_note",
    available=services.credit_note_available_actions,
    actions=[
        DocumentAction("post", _("Post credit note"), services.credit_note_post,
                       CHANGE_CREDIT_NOTE, target=CreditNoteStatus.POSTED,
                       bulk_label=_("Post the selected draft credit notes"),
                       help_text=_("draft → posted: numbered now; lowers the invoice's amount "
                                   "due.")),
        DocumentAction("cancel", _("Cancel credit note"), services.credit_note_cancel,
                       CHANGE_CREDIT_NOTE, reason="required", style="outline-danger",
                       target=CreditNoteStatus.CANCELLED,
                       help_text=_("draft → cancelled with a reason.")),
        DocumentAction("refund", _("Record refund"), services.refund_record,
                       REFUND_CREDIT_NOTE, reason="none", serializer=RefundCreateSerializer,
                       form=RefundForm, style="outline-primary", message=_("Refund recorded"),
                       help_text=_("Pay money back against a posted credit note: at most its "
                                   "total less its refunds and what the customer has overpaid "
                                   "on the invoice (400 `amount_exceeds_refundable`); the "
                                   "amount left out, all of it.")),
    ])
