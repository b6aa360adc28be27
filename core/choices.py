from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_PERSON = "sales_person", _("Sales person")
    WAREHOUSE = "warehouse", _("Warehouse")
    FINANCE = "finance", _("Finance")


class DocumentType(models.TextChoices):
    """Documents that take a number from a sequence (business-rules §1)."""

    QUOTE = "quote", _("Quote")
    ORDER = "order", _("Sales order")
    DELIVERY = "delivery", _("Delivery note")
    RETURN = "return", _("Return")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DOWN_PAYMENT = "down_payment", _("Down payment")
    SETTLEMENT = "settlement", _("Commission settlement")
    CUSTOMER = "customer", _("Customer code")
    CASE = "case", _("Case")


class ResetPeriod(models.TextChoices):
    NEVER = "never", _("Never")
    YEARLY = "yearly", _("Yearly")
    MONTHLY = "monthly", _("Monthly")


class PaymentTerms(models.TextChoices):
    DUE_ON_RECEIPT = "due_on_receipt", _("Due on receipt")
    NET_7 = "net_7", _("Net 7 days")
    NET_15 = "net_15", _("Net 15 days")
    NET_30 = "net_30", _("Net 30 days")
    NET_45 = "net_45", _("Net 45 days")
    NET_60 = "net_60", _("Net 60 days")
    NET_90 = "net_90", _("Net 90 days")
    CUSTOM = "custom", _("Custom")
