"""Delivery notes API (docs/api.md `delivery-notes`): parse, call delivery.services, present.
Keys `deliveryNote` / `deliveryNotes`; document number `deliveryNumber` (and `number`).

Status, delivered quantities, shipping and delivery times, proof and counters are read-only:
the services write them. A note is created for one sales order (`salesOrderId`), with its
lines as `[{orderLineId, quantity, …}]` or, left out, every remaining quantity.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import ModelSerializer, RoundedDecimalField, reference
from core.fields import QUANTITY
from core.models import User
from crm.models import CustomerAddress, CustomerContact
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder

from .. import services
from ..choices import FailureReason, LengthUnit, TrackingStatus, WeightUnit
from ..models import DeliveryNote, DeliveryNoteLine, DeliveryPhoto, TrackingEvent

COORDINATE = {"max_digits": 9, "decimal_places": 6, "required": False, "allow_null": True,
              "default": None}


def _file_url(serializer: serializers.Serializer, note_id: int, kind: str, file) -> str | None:
    """Proof files are served through the API's scoped route, never as public media links."""
    if not file:
        return None
    url = reverse("delivery-api:deliverynote-file", kwargs={"pk": note_id, "kind": kind})
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request else url


class DeliveryNoteLineSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}
    order_line_id = serializers.IntegerField(min_value=1)
    product_id = serializers.IntegerField(read_only=True, allow_null=True)
    quantity = RoundedDecimalField(**QUANTITY, source="quantity_to_deliver", min_value=0,
                                   help_text=_("To deliver: at most what remains of the "
                                               "order line."))
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=100),
                                           required=False, max_length=1000)

    class Meta:
        model = DeliveryNoteLine
        fields = ["id", "order_line_id", "position", "product_id", "description",
                  "description_ar", "unit", "quantity_ordered", "quantity",
                  "quantity_delivered", "warehouse", "serial_numbers", "batch_number", "notes"]
        read_only_fields = ["id", "position", "product_id", "description", "description_ar",
                            "unit", "quantity_ordered", "quantity_delivered"]


class DeliveryPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = DeliveryPhoto
        fields = ["id", "url", "uploaded_at"]
        read_only_fields = fields

    def get_url(self, photo: DeliveryPhoto) -> str | None:
        return _file_url(self, photo.note_id, f"photo-{photo.pk}", photo.image)


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["id", "event_id", "status", "description", "location", "occurred_at",
                  "received_at", "applied", "source"]
        read_only_fields = fields


class DeliveryNoteSerializer(ModelSerializer):
    serializer_field_mapping = {**ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField}

    delivery_number = serializers.CharField(source="number", read_only=True)
    sales_order_id = reference(SalesOrder, "order", help_text=_(
        "The confirmed sales order delivered; set at creation."))
    sales_order_number = serializers.CharField(source="order_number", read_only=True)
    customer_id = serializers.IntegerField(read_only=True)
    shipping_address_id = reference(CustomerAddress, "shipping_address", help_text=_(
        "Left out: the order's shipping address."))
    shipping_address = serializers.JSONField(source="shipping_address_snapshot",
                                             read_only=True)
    contact_person_id = reference(CustomerContact, "contact")
    contact_person = serializers.CharField(source="contact_name", max_length=150,
                                           required=False, allow_blank=True)
    driver_id = reference(User, "driver")
    invoice_id = reference(Invoice, "invoice")
    latitude = RoundedDecimalField(read_only=True, max_digits=9, decimal_places=6,
                                   allow_null=True)
    longitude = RoundedDecimalField(read_only=True, max_digits=9, decimal_places=6,
                                    allow_null=True)
    tracking_status = serializers.ChoiceField(choices=TrackingStatus.choices, read_only=True,
                                              allow_blank=True, help_text=_(
        "The carrier's last status (empty until a carrier reports one)."))
    signature_url = serializers.SerializerMethodField()
    delivery_proof_url = serializers.SerializerMethodField()
    delivery_photos = DeliveryPhotoSerializer(source="photos", many=True, read_only=True)
    tracking_events = TrackingEventSerializer(many=True, read_only=True)
    map_url = serializers.CharField(read_only=True)
    items = DeliveryNoteLineSerializer(source="lines", many=True, required=False,
                                       max_length=500, help_text=_(
        "Left out at creation: every remaining quantity of the order."))
    cancelled_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = DeliveryNote
        fields = [
            "id", "number", "delivery_number", "delivery_date", "status", "sales_order_id",
            "sales_order_number", "customer_id", "customer_name", "customer_name_ar",
            "shipping_address_id", "shipping_address", "latitude", "longitude", "map_url",
            "contact_person_id", "contact_person", "contact_phone", "items", "carrier",
            "carrier_service", "tracking_number", "tracking_url", "tracking_status",
            "shipping_method", "shipping_cost", "weight", "weight_unit", "length", "width",
            "height", "dimension_unit", "number_of_packages", "scheduled_date",
            "shipped_date", "estimated_delivery_date", "actual_delivery_date", "received_by",
            "received_by_title", "signature_url", "delivery_proof_url", "delivery_photos",
            "failed_attempts", "vehicle_plate", "driver_id", "driver_name", "driver_phone",
            "notes", "notes_ar", "internal_notes", "special_instructions", "invoice_id",
            "invoice_number", "tracking_events", "cancellation_reason", "cancelled_by_id",
            "cancelled_at", "allowed_actions", "created_at", "updated_at"]
        read_only_fields = [
            "number", "status", "customer_name", "customer_name_ar", "tracking_status",
            "shipped_date", "actual_delivery_date", "received_by", "received_by_title",
            "failed_attempts", "invoice_number", "cancellation_reason", "cancelled_at",
            "created_at", "updated_at"]
        validators: list = []

    def get_signature_url(self, note: DeliveryNote) -> str | None:
        return _file_url(self, note.pk, "signature", note.signature)

    def get_delivery_proof_url(self, note: DeliveryNote) -> str | None:
        return _file_url(self, note.pk, "proof", note.delivery_proof)

    def get_allowed_actions(self, note: DeliveryNote) -> list[str]:
        from ..services import delivery_note_available_actions

        return delivery_note_available_actions(document=note)

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not attrs.get("order"):
            raise serializers.ValidationError(
                {"sales_order_id": [_("A delivery note is for a sales order.")]})
        if self.instance is not None and "order" in attrs \
                and attrs["order"] != self.instance.order:
            raise serializers.ValidationError(
                {"sales_order_id": [_("A delivery note stays with its sales order.")]})
        return super().validate(attrs)

    def service_fields(self) -> dict:
        """The validated data as delivery.services takes it: lines as
        `[{order_line_id, quantity, …}]`, or None when not given."""
        data = dict(self.validated_data)
        data.pop("order", None)
        return {"lines": service_lines(data.pop("lines", None)), **data}


def service_lines(rows: list[dict] | None) -> list[dict] | None:
    """Validated note lines (DeliveryNoteLineSerializer) as delivery.services takes them."""
    if rows is None:
        return None
    return [{"order_line_id": row["order_line_id"], "quantity": row["quantity_to_deliver"],
             **{name: row[name] for name in services.LINE_FIELDS if name in row}}
            for row in rows]


class FromOrderSerializer(serializers.Serializer):
    """`POST /sales-orders/:id/delivery-note`: optional lines and fields of the new note."""

    items = DeliveryNoteLineSerializer(many=True, required=False, max_length=500)
    scheduled_date = serializers.DateField(required=False, allow_null=True)
    estimated_delivery_date = serializers.DateField(required=False, allow_null=True)
    carrier = serializers.CharField(max_length=60, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    notes_ar = serializers.CharField(required=False, allow_blank=True)
    special_instructions = serializers.CharField(required=False, allow_blank=True)


# --- the actions' inputs (delivery.actions) ---------------------------------------------


class LocationSerializer(serializers.Serializer):
    """Where the action was taken (the driver's device), kept on the timeline."""

    latitude = RoundedDecimalField(min_value=-90, max_value=90, **COORDINATE)
    longitude = RoundedDecimalField(min_value=-180, max_value=180, **COORDINATE)

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError(
                {"longitude": [_("Give both latitude and longitude, or neither.")]})
        return attrs


class PackSerializer(LocationSerializer):
    weight = RoundedDecimalField(max_digits=10, decimal_places=3, min_value=0, required=False,
                                 allow_null=True)
    weight_unit = serializers.ChoiceField(choices=WeightUnit.choices, required=False)
    length = RoundedDecimalField(max_digits=10, decimal_places=3, min_value=0, required=False,
                                 allow_null=True)
    width = RoundedDecimalField(max_digits=10, decimal_places=3, min_value=0, required=False,
                                allow_null=True)
    height = RoundedDecimalField(max_digits=10, decimal_places=3, min_value=0, required=False,
                                 allow_null=True)
    dimension_unit = serializers.ChoiceField(choices=LengthUnit.choices, required=False)
    number_of_packages = serializers.IntegerField(min_value=1, max_value=32767, required=False)


class ShipSerializer(LocationSerializer):
    carrier = serializers.CharField(max_length=60, required=False, allow_blank=True)
    carrier_service = serializers.CharField(max_length=60, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    estimated_delivery_date = serializers.DateField(required=False, allow_null=True)
    vehicle_plate = serializers.CharField(max_length=20, required=False, allow_blank=True)
    driver_id = reference(User, "driver")
    driver_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    driver_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class DeliveredLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1, help_text=_("The note line's id."))
    quantity = RoundedDecimalField(**QUANTITY, min_value=0)


class DeliverSerializer(LocationSerializer):
    received_by = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                        help_text=_("The person who took the goods."))
    received_by_title = serializers.CharField(max_length=100, required=False,
                                              allow_blank=True)
    signature = serializers.CharField(required=False, allow_blank=True, help_text=_(
        "A `data:image/png;base64,…` URL (a drawn signature); or upload it to /proof."))
    delivered_at = serializers.DateTimeField(required=False, allow_null=True,
                                             source="actual_delivery_date")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    lines = DeliveredLineSerializer(many=True, required=False, allow_null=True, default=None,
                                    help_text=_("Delivered per note line; left out: "
                                                "everything planned."))
    idempotency_key = serializers.CharField(max_length=80, required=False, allow_blank=True,
                                            help_text=_(
        "Send the same key when retrying: the delivery is recorded once."))

    def validate_lines(self, rows):
        if rows is None:
            return None
        delivered = {}
        for row in rows:
            if row["line_id"] in delivered:
                raise serializers.ValidationError(_("A line is given twice."))
            delivered[row["line_id"]] = row["quantity"]
        return delivered

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if "actual_delivery_date" in attrs:
            attrs["delivered_at"] = attrs.pop("actual_delivery_date")
        request = self.context.get("request")
        header = request.headers.get("Idempotency-Key", "") if request else ""
        if header and not attrs.get("idempotency_key"):
            attrs["idempotency_key"] = header[:80]
        return attrs


class FailAttemptSerializer(LocationSerializer):
    failure_reason = serializers.ChoiceField(choices=FailureReason.choices, help_text=_(
        "Why the attempt failed."))


class TrackingSerializer(serializers.Serializer):
    """`PUT /:id/tracking`."""

    carrier = serializers.CharField(max_length=60, required=False, allow_blank=True)
    carrier_service = serializers.CharField(max_length=60, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    estimated_delivery_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=TrackingStatus.choices, required=False,
                                     help_text=_("A carrier status to record (forward only)."))
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProofSerializer(serializers.Serializer):
    """`POST /:id/proof` (multipart): a signature, photos and a scanned proof."""

    signature = serializers.FileField(required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   max_length=10)
    document = serializers.FileField(required=False, allow_null=True)


class TrackingEventInSerializer(serializers.Serializer):
    """What a carrier sends to the webhook (for the schema; the body is read as signed)."""

    event_id = serializers.CharField(max_length=100)
    delivery_note_id = serializers.IntegerField(required=False)
    tracking_number = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=TrackingStatus.choices)
    occurred_at = serializers.DateTimeField(required=False)
    description = serializers.CharField(required=False)
    location = serializers.CharField(required=False)
    received_by = serializers.CharField(required=False)
    failure_reason = serializers.ChoiceField(choices=FailureReason.choices, required=False)
