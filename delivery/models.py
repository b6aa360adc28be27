"""Delivery notes: what leaves the warehouse for a sales order, from picking to proof of
delivery (business-rules §7), with their lines, photos and carriers' tracking events.
"""

import secrets
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from core.fields import QUANTITY, money_field, unique_per_firm
from core.kit.models import CancellableBy, CustomerSnapshot
from core.models import DocumentModel, TenantModel
from core.money import quantity_text
from sales.common.models import optional_link

from .choices import (
    CANCELLABLE_STATUSES,
    DONE_STATUSES,
    DeliveryNoteStatus,
    LengthUnit,
    TrackingStatus,
    WeightUnit,
)
from .querysets import DeliveryNoteQuerySet

COORDINATE = {"max_digits": 9, "decimal_places": 6, "null": True, "blank": True}
MEASURE = {"max_digits": 10, "decimal_places": 3, "null": True, "blank": True,
           "validators": [MinValueValidator(Decimal("0"))]}


def proof_path(instance, filename: str) -> str:
    # Per firm and note, under a random name: a URL never guesses another note's files.
    note = getattr(instance, "note", instance)
    return f"delivery/{note.firm_id}/{note.pk}/{secrets.token_hex(8)}-{filename}"


class DeliveryNote(DocumentModel, CustomerSnapshot, CancellableBy):
    """Goods of one sales order on their way to the customer. Quantities, status, dates and
    proof are written by delivery.services only; several notes may share an order."""

    number = models.CharField(_("number"), max_length=30, editable=False)
    delivery_date = models.DateField(_("delivery date"), default=timezone.localdate)

    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("sales order"),
                              on_delete=models.PROTECT, related_name="delivery_notes",
                              editable=False)
    order_number = models.CharField(_("sales order number"), max_length=30, blank=True,
                                    editable=False)
    customer = models.ForeignKey("crm.Customer", verbose_name=_("customer"),
                                 on_delete=models.PROTECT, related_name="delivery_notes",
                                 editable=False)
    shipping_address = models.ForeignKey("crm.CustomerAddress",
                                         verbose_name=_("shipping address"),
                                         on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    # The address as it was when the note was made, coordinates included (the run sheet's map
    # link): editing the customer later never moves a parcel already on its way.
    shipping_address_snapshot = models.JSONField(_("shipping address (as planned)"),
                                                 default=dict, blank=True, editable=False,
                                                 encoder=DjangoJSONEncoder)
    latitude = models.DecimalField(_("latitude"), **COORDINATE)
    longitude = models.DecimalField(_("longitude"), **COORDINATE)
    contact = models.ForeignKey("crm.CustomerContact", verbose_name=_("contact"),
                                on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    status = FSMField(_("status"), max_length=20, choices=DeliveryNoteStatus.choices,
                      default=DeliveryNoteStatus.DRAFT, protected=True)

    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    carrier_service = models.CharField(_("carrier service"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    tracking_status = models.CharField(_("carrier status"), max_length=20, blank=True,
                                       choices=TrackingStatus.choices, editable=False)
    shipping_method = models.CharField(_("shipping method"), max_length=60, blank=True)
    shipping_cost = money_field(_("shipping cost"))
    weight = models.DecimalField(_("weight"), **MEASURE)
    weight_unit = models.CharField(_("weight unit"), max_length=2, choices=WeightUnit.choices,
                                   default=WeightUnit.KG)
    length = models.DecimalField(_("length"), **MEASURE)
    width = models.DecimalField(_("width"), **MEASURE)
    height = models.DecimalField(_("height"), **MEASURE)
    dimension_unit = models.CharField(_("dimension unit"), max_length=2,
                                      choices=LengthUnit.choices, default=LengthUnit.CM)
    number_of_packages = models.PositiveSmallIntegerField(
        _("packages"), default=1, validators=[MinValueValidator(1)])

    scheduled_date = models.DateField(_("scheduled date"), null=True, blank=True)
    shipped_date = models.DateTimeField(_("shipped at"), null=True, blank=True, editable=False)
    estimated_delivery_date = models.DateField(_("estimated delivery date"), null=True,
                                               blank=True)
    actual_delivery_date = models.DateTimeField(_("delivered at"), null=True, blank=True,
                                                editable=False)

    # Proof of delivery: the person who signed, not the customer (business-rules §7).
    received_by = models.CharField(_("received by"), max_length=150, blank=True,
                                   editable=False)
    received_by_title = models.CharField(_("receiver's title"), max_length=100, blank=True,
                                         editable=False)
    signature = models.FileField(_("signature"), upload_to=proof_path, blank=True,
                                 editable=False)
    delivery_proof = models.FileField(_("proof of delivery"), upload_to=proof_path, blank=True,
                                      editable=False)
    # The deliver request's idempotency key: the same request sent again records once.
    delivery_key = models.CharField(_("delivery request key"), max_length=80, blank=True,
                                    editable=False)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0,
                                                       editable=False)

    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    driver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("driver"),
                               on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="delivery_runs")
    driver_name = models.CharField(_("driver name"), max_length=150, blank=True)
    driver_phone = models.CharField(_("driver phone"), max_length=40, blank=True)

    notes = models.TextField(_("notes"), blank=True)
    notes_ar = models.TextField(_("Arabic notes"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    special_instructions = models.TextField(_("special instructions"), blank=True)

    invoice = optional_link("sales.Invoice", _("invoice"), "delivery_notes")
    invoice_number = models.CharField(_("invoice number"), max_length=30, blank=True,
                                      editable=False)

    # Once each: the customer's e-mails and the late warning to the sales person.
    shipped_email_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_email_at = models.DateTimeField(null=True, blank=True, editable=False)
    late_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeliveryNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery note")
        verbose_name_plural = _("delivery notes")
        ordering = ["-delivery_date", "-pk"]
        permissions = [("deliver_deliverynote", _("Can record deliveries"))]
        constraints = [
            unique_per_firm("number", name="delivery_note_number_unique"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="delivery_note_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180),
                name="delivery_note_longitude_range"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="delivery_note_status_idx"),
            models.Index(fields=["firm", "order"], name="delivery_note_order_idx"),
            models.Index(fields=["firm", "-delivery_date"], name="delivery_note_date_idx"),
            models.Index(fields=["firm", "-created_at"], name="delivery_note_created_idx"),
            models.Index(fields=["firm", "tracking_number"], name="delivery_note_tracking_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("New delivery note"))

    @property
    def map_url(self) -> str:
        """A map link to the address: its coordinates, else its words."""
        if self.latitude is not None and self.longitude is not None:
            return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=17/{self.latitude}/{self.longitude}"
        address = self.shipping_address_snapshot or {}
        words = ", ".join(str(address[key]) for key in ("address_line1", "city", "country")
                          if address.get(key))
        return f"https://www.openstreetmap.org/search?query={quote(words)}" if words else ""

    # The state machine declares; delivery.services performs (architecture §5.5).
    @transition(field=status, source=DeliveryNoteStatus.DRAFT,
                target=DeliveryNoteStatus.CONFIRMED)
    def confirm(self) -> None:
        pass

    @transition(field=status, source=DeliveryNoteStatus.CONFIRMED,
                target=DeliveryNoteStatus.PICKING)
    def pick(self) -> None:
        pass

    @transition(field=status, source=DeliveryNoteStatus.PICKING,
                target=DeliveryNoteStatus.PACKED)
    def pack(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)

    @transition(field=status, source=DeliveryNoteStatus.PACKED,
                target=DeliveryNoteStatus.IN_TRANSIT)
    def ship(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.shipped_date = timezone.now()

    @transition(field=status, source=DeliveryNoteStatus.IN_TRANSIT,
                target=RETURN_VALUE(*DONE_STATUSES))
    def deliver(self, *, target: str, **proof) -> str:
        for name, value in proof.items():
            setattr(self, name, value)
        return target

    @transition(field=status, source=DeliveryNoteStatus.IN_TRANSIT,
                target=DeliveryNoteStatus.PACKED)
    def fail_attempt(self) -> None:
        self.failed_attempts += 1
        self.tracking_status = ""

    @transition(field=status, source=CANCELLABLE_STATUSES, target=DeliveryNoteStatus.CANCELLED)
    def cancel(self, *, cancellation_reason: str, by) -> None:
        self.record_cancellation(reason=cancellation_reason, by=by)

    @transition(field=status, source=DONE_STATUSES, target=DeliveryNoteStatus.RETURNED)
    def mark_returned(self) -> None:
        pass


class DeliveryNoteLine(TenantModel):
    """What one order line sends on this note: planned (to deliver), then delivered."""

    note = models.ForeignKey(DeliveryNote, verbose_name=_("delivery note"),
                             on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("sales.SalesOrderLine", verbose_name=_("order line"),
                                   on_delete=models.PROTECT, related_name="delivery_lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = optional_link("pricing.Product", _("product"), "delivery_lines")
    description = models.CharField(_("description"), max_length=500)
    description_ar = models.CharField(_("Arabic description"), max_length=500, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="unit")
    quantity_ordered = models.DecimalField(_("ordered"), **QUANTITY, editable=False)
    quantity_to_deliver = models.DecimalField(_("to deliver"), **QUANTITY,
                                              validators=[MinValueValidator(Decimal("0.0001"))])
    quantity_delivered = models.DecimalField(_("delivered"), **QUANTITY, default=Decimal("0"),
                                             editable=False)
    warehouse = models.CharField(_("warehouse"), max_length=100, blank=True)
    serial_numbers = models.JSONField(_("serial numbers"), default=list, blank=True)
    batch_number = models.CharField(_("batch number"), max_length=60, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery note line")
        verbose_name_plural = _("delivery note lines")
        ordering = ["note", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_to_deliver__gt=0),
                                   name="delivery_line_to_deliver_positive"),
            models.CheckConstraint(
                condition=Q(quantity_delivered__gte=0)
                & Q(quantity_delivered__lte=F("quantity_to_deliver")),
                name="delivery_line_delivered_le_planned"),
            models.UniqueConstraint(fields=["note", "order_line"],
                                    name="delivery_line_once_per_order_line"),
        ]
        indexes = [models.Index(fields=["order_line"], name="delivery_line_order_line_idx")]

    def __str__(self) -> str:
        return f"{quantity_text(self.quantity_to_deliver)} × {self.description}"

    @property
    def short_quantity(self) -> Decimal:
        """Planned but not delivered (the note's share of a backorder)."""
        return self.quantity_to_deliver - self.quantity_delivered


class DeliveryPhoto(TenantModel):
    """A photo taken at the door (re-encoded on upload, stored through Django's storage)."""

    note = models.ForeignKey(DeliveryNote, verbose_name=_("delivery note"),
                             on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=proof_path)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("delivery photo")
        verbose_name_plural = _("delivery photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.image.name


class TrackingEvent(TenantModel):
    """One carrier update, as received (webhook) or typed (PUT /tracking). Kept whether or not
    it moved the note: the timeline shows every one; `event_id` makes a replay harmless."""

    note = models.ForeignKey(DeliveryNote, verbose_name=_("delivery note"),
                             on_delete=models.CASCADE, related_name="tracking_events")
    event_id = models.CharField(_("event id"), max_length=100)
    status = models.CharField(_("carrier status"), max_length=20,
                              choices=TrackingStatus.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    applied = models.BooleanField(_("moved the note"), default=False)
    source = models.CharField(_("source"), max_length=10, default="carrier")
    payload = models.JSONField(_("payload"), default=dict, blank=True,
                               encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "pk"]
        constraints = [unique_per_firm("event_id", name="delivery_tracking_event_once")]

    def __str__(self) -> str:
        return f"{self.note} {self.status}"


class CarrierWebhookSecret(TenantModel):
    """The firm's shared secret for carriers' tracking webhooks (HMAC-SHA256 of the body)."""

    secret = models.CharField(_("secret"), max_length=64, default=secrets.token_hex)
    rotated_at = models.DateTimeField(_("rotated at"), auto_now=True)

    class Meta:
        verbose_name = _("carrier webhook secret")
        verbose_name_plural = _("carrier webhook secrets")
        constraints = [unique_per_firm(name="delivery_webhook_secret_one_per_firm")]

    def __str__(self) -> str:
        return str(_("Webhook secret of %(firm)s") % {"firm": self.firm})
