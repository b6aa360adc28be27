"""Delivery notes API (docs/api.md `delivery-notes`): parse, call delivery.services and
delivery.tracking, present (architecture §5.2)."""

from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.parser import CamelCaseFormParser, CamelCaseMultiPartParser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from core.api.responses import envelope
from core.kit.api import DocumentViewSet
from core.scoping import scope_for
from sales.common.documents import firm_document_language, pdf_response
from sales.orders.models import SalesOrder

from .. import services, tracking
from ..actions import DELIVERY_NOTE_ACTIONS
from ..documents import delivery_note_pdf
from ..filters import DeliveryNoteFilter
from ..models import DeliveryNote, DeliveryPhoto, TrackingEvent
from .serializers import (
    DeliveryNoteSerializer,
    FromOrderSerializer,
    ProofSerializer,
    TrackingEventInSerializer,
    TrackingEventSerializer,
    TrackingSerializer,
    service_lines,
)

VIEW = ["delivery.view_deliverynote"]
CHANGE = ["delivery.change_deliverynote"]
LANGUAGES = ("en", "ar", "both")
STATS = inline_serializer("DeliveryNoteStats", {
    "count": serializers.IntegerField(),
    "by_status": serializers.ListField(child=serializers.DictField()),
    "delivered": serializers.IntegerField(),
    "otif": serializers.IntegerField(),
    "otif_rate": serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True),
    "failed_attempts": serializers.IntegerField(),
    "average_transit_days": serializers.DecimalField(max_digits=8, decimal_places=2,
                                                     allow_null=True),
    "by_carrier": serializers.ListField(child=serializers.DictField()),
})


class DeliveryNoteViewSet(DocumentViewSet):
    """Delivery notes of sales orders (business-rules §7). Only drafts are deleted and only a
    draft's lines are edited (409 otherwise); the status moves through the actions: confirm,
    pick, pack, ship, deliver, fail-attempt, cancel."""

    queryset = DeliveryNote.objects.select_related("order").prefetch_related(
        "lines", Prefetch("photos", queryset=DeliveryPhoto.objects.order_by("pk")),
        Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at",
                                                                             "pk")))
    serializer_class = DeliveryNoteSerializer
    filterset_class = DeliveryNoteFilter
    resource_key = "delivery_note"
    data_key_plural = "delivery_notes"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number",
                   "deliveryNumber": "number", "deliveryDate": "delivery_date",
                   "scheduledDate": "scheduled_date",
                   "estimatedDeliveryDate": "estimated_delivery_date", "status": "status",
                   "customerName": "customer_name", "carrier": "carrier",
                   "updatedAt": "updated_at"}
    default_sort = "-created_at"
    document_actions = DELIVERY_NOTE_ACTIONS
    required_permissions = {"stats": VIEW, "pdf": VIEW, "tracking": CHANGE,
                            "proof": ["delivery.deliver_deliverynote"], "file": VIEW,
                            "from_order": ["delivery.add_deliverynote"]}

    @property
    def data_key(self) -> str:
        return "stats" if getattr(self, "action", None) == "stats" else "delivery_note"

    def perform_create(self, serializer):
        note = services.delivery_note_create(firm=self.firm, actor=self.actor,
                                             order=serializer.validated_data["order"],
                                             **serializer.service_fields())
        return self.fresh(note)

    def perform_update(self, serializer):
        fields = serializer.service_fields()
        if self.request.method == "PATCH" and fields["lines"] is None:
            fields.pop("lines")
        note = services.delivery_note_update(note=serializer.instance, actor=self.actor,
                                             **fields)
        return self.fresh(note)

    def perform_destroy(self, instance):
        services.delivery_note_delete(note=instance, actor=self.actor)

    @extend_schema(request=FromOrderSerializer, responses={201: DeliveryNoteSerializer})
    @action(detail=False, methods=["post"], url_path=r"from-order/(?P<order_id>[0-9]+)")
    def from_order(self, request, order_id=None):
        """A draft note for a confirmed order: each line's remaining quantity, or the lines
        given (also `POST /sales-orders/:id/delivery-note`)."""
        order = get_object_or_404(scope_for(SalesOrder.objects.all(), user=request.user),
                                  pk=order_id)
        serializer = FromOrderSerializer(data=request.data,
                                         context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = service_lines(data.pop("items", None))
        note = services.delivery_note_create(firm=self.firm, actor=self.actor, order=order,
                                             lines=lines, **data)
        return self.one(self.fresh(note), message=_("Delivery note created"),
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=TrackingSerializer, responses=DeliveryNoteSerializer)
    @action(detail=True, methods=["put"])
    def tracking(self, request, pk=None):
        """Carrier, tracking number and link, estimated date; optionally a carrier status to
        record (forward only)."""
        note = self.get_object()
        data = dict(self.input_data(TrackingSerializer))
        updated = tracking.delivery_note_tracking_update(note=note, actor=self.actor, **data)
        return self.one(self.fresh(updated), message=_("Tracking updated"))

    @extend_schema(request={"multipart/form-data": ProofSerializer},
                   responses=DeliveryNoteSerializer)
    @action(detail=True, methods=["post"],
            parser_classes=[CamelCaseMultiPartParser, CamelCaseFormParser])
    def proof(self, request, pk=None):
        """Upload the signature, photos (`photos`, repeated) or a scanned proof: each checked
        as an image, re-encoded and stored; the note answers their URLs."""
        note = self.get_object()
        data = {"signature": request.FILES.get("signature"),
                "photos": request.FILES.getlist("photos"),
                "document": request.FILES.get("document")}
        updated = services.delivery_note_proof_add(note=note, actor=self.actor, **data)
        return self.one(self.fresh(updated), message=_("Proof of delivery added"))

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"],
            url_path=r"files/(?P<kind>signature|proof|photo-[0-9]+)")
    def file(self, request, pk=None, kind=None):
        """A proof file of a note the caller reaches (signature, proof or photo-<id>)."""
        return note_file_response(self.get_object(), kind)

    @extend_schema(responses=STATS)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts by status, OTIF, average transit days and failed attempts, overall and by
        carrier, for the notes the caller reaches and the list filters given."""
        notes = self.filter_queryset(self.get_queryset())
        return self.envelope({"stats": services.delivery_notes_stats(notes=notes)})

    @extend_schema(parameters=[OpenApiParameter("language", enum=LANGUAGES)],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The delivery note (packing slip) as an A4 PDF in English, Arabic or both."""
        note = self.get_object()
        language = request.query_params.get("language") or firm_document_language(self.firm)
        if language not in LANGUAGES:
            raise serializers.ValidationError(
                {"language": [_("Must be one of: en, ar, both.")]})
        return pdf_response(delivery_note_pdf(note=note, language=language),
                            name=note.number)


def note_file_response(note: DeliveryNote, kind: str) -> FileResponse:
    """Proof files are served only through a view that checked the caller's scope: their
    storage names are not public links."""
    if kind == "signature":
        file = note.signature
    elif kind == "proof":
        file = note.delivery_proof
    else:
        photo = note.photos.filter(pk=int(kind.removeprefix("photo-"))).first()
        file = photo.image if photo else None
    if not file:
        raise Http404
    content_type = "image/png" if file.name.endswith(".png") else "image/jpeg"
    return FileResponse(file.open("rb"), content_type=content_type)


class TrackingWebhookView(APIView):
    """`POST /delivery-notes/tracking-events`: a carrier's signed event (delivery.tracking).
    No user: the firm's HMAC signature is the authentication (401 `invalid_signature`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TrackingEventInSerializer, responses=TrackingEventSerializer,
                   parameters=[OpenApiParameter("X-Firm", location="header", required=True),
                               OpenApiParameter("X-Signature", location="header",
                                                required=True)])
    def post(self, request):
        body = request.body
        firm = tracking.webhook_firm(slug=request.headers.get("X-Firm", ""), body=body,
                                     signature=request.headers.get("X-Signature", ""))
        with transaction.atomic():
            event, new = tracking.tracking_event_receive(firm=firm, body=body)
        return envelope({"event": TrackingEventSerializer(event).data},
                        status=status.HTTP_201_CREATED if new else status.HTTP_200_OK)
