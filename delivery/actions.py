"""What a user can do to a delivery note, declared once: the staff page's buttons and forms,
the API (`POST /delivery-notes/:id/<action>`) and the admin's bulk actions are built from this
(architecture §5.13)."""

from django.utils.translation import gettext_lazy as _

from core.kit.actions import DocumentAction, DocumentActions

from . import services
from .api.serializers import (
    DeliverSerializer,
    FailAttemptSerializer,
    PackSerializer,
    ShipSerializer,
)
from .choices import DeliveryNoteStatus
from .forms import DeliverForm, FailAttemptForm, PackForm, ShipForm
from .models import DeliveryNote

CHANGE = "delivery.change_deliverynote"
DELIVER = "delivery.deliver_deliverynote"


def _delivered_target(note: DeliveryNote) -> str:
    return DeliveryNoteStatus.DELIVERED


DELIVERY_NOTE_ACTIONS = DocumentActions(
    model=DeliveryNote, document_argument="note",
    available=services.delivery_note_available_actions,
    actions=[
        DocumentAction("confirm", _("Confirm"), services.delivery_note_confirm, CHANGE,
                       target=DeliveryNoteStatus.CONFIRMED,
                       message=_("Delivery note confirmed"),
                       bulk_label=_("Confirm the selected delivery notes"),
                       help_text=_("draft → confirmed: ready for the warehouse.")),
        DocumentAction("pick", _("Start picking"), services.delivery_note_pick, CHANGE,
                       target=DeliveryNoteStatus.PICKING,
                       message=_("Picking started"),
                       bulk_label=_("Start picking the selected delivery notes"),
                       help_text=_("confirmed → picking.")),
        DocumentAction("pack", _("Packed"), services.delivery_note_pack, CHANGE,
                       serializer=PackSerializer, form=PackForm,
                       target=DeliveryNoteStatus.PACKED,
                       message=_("Delivery note packed"),
                       help_text=_("picking → packed, with weight, dimensions and "
                                   "packages.")),
        DocumentAction("ship", _("Ship"), services.delivery_note_ship, CHANGE,
                       serializer=ShipSerializer, form=ShipForm,
                       target=DeliveryNoteStatus.IN_TRANSIT,
                       message=_("Delivery note shipped"),
                       help_text=_("packed → in_transit, with carrier, tracking and driver; "
                                   "the customer is e-mailed the tracking link.")),
        DocumentAction("deliver", _("Deliver"), services.delivery_note_deliver, DELIVER,
                       reason="none", serializer=DeliverSerializer, form=DeliverForm,
                       style="success",
                       target=_delivered_target, message=_("Delivery confirmed"),
                       help_text=_("in_transit → delivered (or partially_delivered): "
                                   "receiver, signature or photos, quantities per line; the "
                                   "order's delivered quantities follow. Idempotent with "
                                   "`idempotencyKey`.")),
        DocumentAction("fail_attempt", _("Failed attempt"),
                       services.delivery_note_fail_attempt, DELIVER,
                       serializer=FailAttemptSerializer, form=FailAttemptForm,
                       style="outline-warning",
                       target=DeliveryNoteStatus.PACKED, message=_("Failed attempt recorded"),
                       help_text=_("in_transit → packed: why the attempt failed; counted "
                                   "on the note, which can be shipped again.")),
        DocumentAction("cancel", _("Cancel"), services.delivery_note_cancel, CHANGE,
                       reason="required", style="outline-danger",
                       target=DeliveryNoteStatus.CANCELLED,
                       message=_("Delivery note cancelled"),
                       help_text=_("draft, confirmed, picking or packed → cancelled with a "
                                   "reason: its quantities are free again.")),
    ])
