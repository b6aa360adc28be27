"""The abstract pieces every document is built from (architecture §5.13), declared once.

Field names, labels and options are the ones the documents already store, so a document that
takes a piece instead of its own copy needs no migration.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import money_field


class CustomerSnapshot(models.Model):
    """The customer's names as they were when the document was made: a document never changes
    because the customer record did."""

    customer_name = models.CharField(_("customer name"), max_length=200, blank=True,
                                     editable=False)
    customer_name_ar = models.CharField(_("customer Arabic name"), max_length=200,
                                        blank=True, editable=False)

    class Meta:
        abstract = True


class TaxCustomerSnapshot(CustomerSnapshot):
    """The snapshot a tax document prints: the names and the customer's VAT number."""

    customer_vat_number = models.CharField(_("customer VAT number"), max_length=20,
                                           blank=True, editable=False)

    class Meta:
        abstract = True


class DocumentTotals(models.Model):
    """Totals (business-rules §2), written by the services from the totals engine only."""

    subtotal = money_field(_("subtotal"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)
    total = money_field(_("total"), editable=False)
    total_in_words = models.CharField(_("total in words"), max_length=500, blank=True,
                                      editable=False)
    total_in_words_en = models.CharField(_("total in words (English)"), max_length=500,
                                         blank=True, editable=False)

    class Meta:
        abstract = True


class DiscountedTotals(DocumentTotals):
    """Totals of a document with a document-level discount."""

    discount_amount = money_field(_("document discount"), editable=False)
    after_discount = money_field(_("after discount"), editable=False)

    class Meta:
        abstract = True


class Cancellable(models.Model):
    """A document cancelled with a reason; its cancel transition calls `record_cancellation`."""

    cancellation_reason = models.TextField(_("cancellation reason"), blank=True,
                                           editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True,
                                        editable=False)

    class Meta:
        abstract = True

    def record_cancellation(self, *, reason: str, by=None) -> None:
        self.cancellation_reason = reason
        self.cancelled_at = timezone.now()
        if hasattr(self, "cancelled_by_id"):
            self.cancelled_by = by


class CancellableBy(Cancellable):
    """Cancellable, remembering who cancelled."""

    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)

    class Meta:
        abstract = True


class Postable(models.Model):
    """A document that becomes final, and takes its statutory number, when posted; its post
    transition calls `record_posting`."""

    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)

    class Meta:
        abstract = True

    def record_posting(self, *, number: str, by) -> None:
        self.number = number
        self.posted_at = timezone.now()
        self.posted_by = by
