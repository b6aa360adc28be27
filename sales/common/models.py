"""The abstract pieces sales documents share: the priced document header of quotes and sales
orders (discount, shipping, texts, totals) and the layers of a line (business-rules §2, §10):
described (credit note lines), with amounts (invoice lines), priced by the resolver (quote and
order lines).

Stored totals are written only by the services through the totals engine (sales.common.totals).
"""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import MONEY, QUANTITY, money_field, percent_field
from core.kit.models import DiscountedTotals
from core.models import TenantModel
from sales.common.choices import DiscountType


def optional_link(to, verbose_name, related_name: str, **options) -> models.ForeignKey:
    """A link a document may leave empty, to a row it does not own: that row cannot be deleted
    while a document points at it."""
    return models.ForeignKey(to, verbose_name=verbose_name, on_delete=models.PROTECT, null=True,
                             blank=True, related_name=related_name, **options)


def actor_link(verbose_name) -> models.ForeignKey:
    """The user who did something to the document (approved it, recorded a payment), set by
    the services only."""
    return optional_link(settings.AUTH_USER_MODEL, verbose_name, "+", editable=False)


class DocumentTexts(models.Model):
    """The texts a customer reads on the document, in English and Arabic."""

    terms = models.TextField(_("terms and conditions"), blank=True)
    terms_ar = models.TextField(_("Arabic terms and conditions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)

    class Meta:
        abstract = True


class Approvable(models.Model):
    """A document that may need an approval before it goes further (business-rules §5, §6):
    the services decide whether, and why, from the discounts and margins."""

    needs_approval = models.BooleanField(_("needs approval"), default=False, editable=False)
    approval_reasons = models.JSONField(_("why approval is needed"), default=list, blank=True,
                                        editable=False, encoder=DjangoJSONEncoder)
    approved_by = actor_link(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class PricedDocument(DiscountedTotals, DocumentTexts):
    """What quotes and sales orders share (business-rules §2): the document discount, shipping,
    texts, and the kit's totals, which the services write from the totals engine
    (sales.common.lines)."""

    discount_type = models.CharField(_("discount type"), max_length=12,
                                     choices=DiscountType.choices, default=DiscountType.AMOUNT)
    # A percentage (4 places) or an amount, as discount_type says.
    discount_value = models.DecimalField(_("discount"), max_digits=16, decimal_places=4,
                                         default=Decimal("0"),
                                         validators=[MinValueValidator(Decimal("0"))])
    shipping_cost = money_field(_("shipping cost"))

    # Margin warnings of the last calculation, shown until the next one.
    warnings = models.JSONField(_("warnings"), default=list, blank=True, editable=False,
                                encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True


class LineDescription(TenantModel):
    """What every document line has, priced or not: its place, its words (English and Arabic)
    and its quantity. Each line adds its document and its product (their reverse names differ)."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY,
                                   validators=[MinValueValidator(Decimal("0.0001"))])

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class LineAmounts(LineDescription):
    """A line priced with a line discount and VAT (business-rules §2): the price it was given and
    the amounts the totals engine writes (after `cost_price`). Quote, order and invoice lines."""

    unit = models.CharField(_("unit"), max_length=20, default="unit")
    unit_price = money_field(_("unit price"))
    discount_percent = percent_field(_("discount (%)"))
    discount_amount = money_field(_("discount amount"))
    tax_rate = percent_field(_("tax rate (%)"))
    taxable = models.BooleanField(_("taxable"), default=True)
    cost_price = models.DecimalField(_("cost price"), **MONEY, null=True, blank=True,
                                     validators=[MinValueValidator(Decimal("0"))])
    base_amount = money_field(_("amount before discount"), editable=False)
    line_discount = money_field(_("line discount"), editable=False)
    line_total = money_field(_("line total"), editable=False)
    tax_amount = money_field(_("VAT"), editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(discount_percent=0) | Q(discount_amount=0),
                                   name="%(app_label)s_%(class)s_one_discount_kind"),
        ]


class DocumentLine(LineAmounts):
    """The priced line quotes and sales orders share (business-rules §2, §10): what the caller or
    the price resolver gives, and what the resolver did to it."""

    # The foreign key to the document, left out when a line is validated before it has one.
    document_field: ClassVar[str]

    # What the price resolver did: base price, list, rules applied and skipped (business-rules §10).
    pricing_trace = models.JSONField(_("pricing trace"), default=dict, blank=True,
                                     encoder=DjangoJSONEncoder)
    price_override_reason = models.CharField(_("price override reason"), max_length=300,
                                             blank=True)
    # A free (or discounted) line a buy-X-get-Y rule added; recomputed on every repricing.
    is_reward = models.BooleanField(_("reward line"), default=False, editable=False)

    class Meta(LineAmounts.Meta):
        abstract = True
