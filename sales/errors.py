"""The error codes sales sends (docs/api.md: `error.code`), one place for each string; the
values are the API's and never change."""

from enum import StrEnum

from django.utils.functional import Promise

from core.errors import ApplicationError
from sales.common.choices import DRAFT


class SalesErrorCode(StrEnum):
    AMOUNT_EXCEEDS_DUE = "amount_exceeds_due"
    AMOUNT_EXCEEDS_INVOICE = "amount_exceeds_invoice"
    AMOUNT_EXCEEDS_REFUNDABLE = "amount_exceeds_refundable"
    AMOUNT_EXCEEDS_REMAINING = "amount_exceeds_remaining"
    AMOUNT_MISMATCH = "amount_mismatch"
    APPROVAL_NOT_NEEDED = "approval_not_needed"
    APPROVAL_REQUIRED = "approval_required"
    BELOW_MINIMUM_MARGIN = "below_minimum_margin"
    CONVERSION_NOT_ALLOWED = "conversion_not_allowed"
    CUSTOMER_MISMATCH = "customer_mismatch"
    DOWN_PAYMENT_EXCEEDS_TOTAL = "down_payment_exceeds_total"
    DOWN_PAYMENT_NOT_DELETABLE = "down_payment_not_deletable"
    DOWN_PAYMENT_NOT_EDITABLE = "down_payment_not_editable"
    INVOICE_HAS_PAYMENTS = "invoice_has_payments"
    INVOICE_NOT_APPLICABLE = "invoice_not_applicable"
    INVOICE_NOT_POSTED = "invoice_not_posted"
    NOTHING_TO_CLOSE = "nothing_to_close"
    NOTHING_TO_INVOICE = "nothing_to_invoice"
    ORDER_DELETED = "order_deleted"
    ORDER_HAS_OPEN_DOCUMENTS = "order_has_open_documents"
    ORDER_INCOMPLETE = "order_incomplete"
    ORDER_NOT_DELETABLE = "order_not_deletable"
    ORDER_NOT_EDITABLE = "order_not_editable"
    ORDER_NOT_INVOICABLE = "order_not_invoicable"
    PARTIAL_INVOICING_NOT_ALLOWED = "partial_invoicing_not_allowed"
    PAYMENT_VOIDED = "payment_voided"
    PRICE_OVERRIDE_NOT_ALLOWED = "price_override_not_allowed"
    QUOTE_ALREADY_CONVERTED = "quote_already_converted"
    QUOTE_NOT_DELETABLE = "quote_not_deletable"
    QUOTE_NOT_EDITABLE = "quote_not_editable"
    REFUND_EXCEEDS_AVAILABLE = "refund_exceeds_available"
    SOURCE_NOT_ELIGIBLE = "source_not_eligible"


class NotDraft(ApplicationError):
    """409: a document is changed or deleted only while it is a draft; the details give its
    status, `code` and `message` which document and which of the two."""

    status_code = 409

    def __init__(self, *, code: SalesErrorCode, message: str | Promise, status: str) -> None:
        super().__init__(code=code, message=message, details={"status": status})


def draft_required(document, *, code: SalesErrorCode, message: str | Promise) -> None:
    """NotDraft unless `document` (locked by the caller) is still a draft."""
    if document.status != DRAFT:
        raise NotDraft(code=code, message=message, status=document.status)
