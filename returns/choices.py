from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnStatus(models.TextChoices):
    """business-rules §9."""

    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    PROCESSED = "processed", _("Processed")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


CANCELLABLE_STATUSES = [ReturnStatus.DRAFT, ReturnStatus.PENDING_APPROVAL, ReturnStatus.APPROVED]
# A return that does not (or no longer) hold any quantity of the order's lines.
INACTIVE_STATUSES = [ReturnStatus.REJECTED, ReturnStatus.CANCELLED]
# The goods are back: what counts is what was received, not what was asked for.
RECEIVED_STATUSES = [ReturnStatus.RECEIVED, ReturnStatus.INSPECTED, ReturnStatus.PROCESSED,
                     ReturnStatus.REFUNDED]
# Still waiting for the goods: the warehouse's receiving queue.
AWAITING_STATUSES = [ReturnStatus.APPROVED]


class SourceType(models.TextChoices):
    SALES_ORDER = "sales_order", _("Sales order")
    INVOICE = "invoice", _("Invoice")
    DELIVERY_NOTE = "delivery_note", _("Delivery note")


class ReturnReason(models.TextChoices):
    DEFECTIVE = "defective", _("Defective")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    DUPLICATE_ORDER = "duplicate_order", _("Duplicate order")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    QUALITY_ISSUE = "quality_issue", _("Quality issue")
    OTHER = "other", _("Other")


# The customer's own reasons carry the restocking fee (business-rules §9); the seller's do not.
CUSTOMER_REASONS = [ReturnReason.CHANGED_MIND, ReturnReason.DUPLICATE_ORDER, ReturnReason.OTHER]


class Resolution(models.TextChoices):
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    CREDIT_NOTE = "credit_note", _("Credit note")
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange")
    REJECT = "reject", _("Reject")


# What the customer may ask for on the return page ("reject" is the firm's answer, not a wish).
CUSTOMER_RESOLUTIONS = [Resolution.REFUND, Resolution.CREDIT_NOTE, Resolution.REPLACEMENT,
                        Resolution.EXCHANGE, Resolution.REPAIR]
MONEY_RESOLUTIONS = [Resolution.REFUND, Resolution.CREDIT_NOTE]
GOODS_RESOLUTIONS = [Resolution.REPLACEMENT, Resolution.EXCHANGE]


class InspectionResult(models.TextChoices):
    ACCEPTABLE = "acceptable", _("Acceptable")
    DAMAGED = "damaged", _("Damaged")
    USED = "used", _("Used")
    MISSING_PARTS = "missing_parts", _("Missing parts")
    DIFFERENT_ITEM = "different_item", _("Different item")


class Disposition(models.TextChoices):
    RETURN_TO_STOCK = "return_to_stock", _("Back to stock")
    SCRAP = "scrap", _("Scrap")
    VENDOR_RETURN = "vendor_return", _("Return to vendor")
    REFURBISH = "refurbish", _("Refurbish")


class ShippingPaidBy(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    COMPANY = "company", _("Company")


class WindowStart(models.TextChoices):
    """What starts a policy's return window."""

    DELIVERY_DATE = "delivery_date", _("Delivery date")
    INVOICE_DATE = "invoice_date", _("Invoice date")
    ORDER_DATE = "order_date", _("Order date")


class Channel(models.TextChoices):
    STAFF = "staff", _("Staff")
    API = "api", _("API")
    CUSTOMER = "customer", _("Customer return page")


class PhotoStage(models.TextChoices):
    RECEIVED = "received", _("At receipt")
    INSPECTION = "inspection", _("At inspection")
