"""Delivery in the Django admin (found by the admin's autodiscovery), scoped to the admin's
firm.

A note's quantities, status and proof move only through delivery.services (the order's lines
are locked there), so the admin shows notes read-only with their lines, photos and carrier
events, deletes drafts through the service and runs the declared bulk actions (confirm, start
picking). The carriers' webhook secret is shown to the firm's admin and rotated by an action.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import FirmScopedAdmin, ReadOnlyFirmAdmin, ServiceDeleteMixin
from core.kit.admin import DocumentAdminMixin
from sales.common.admin import read_only_inline

from . import services, tracking
from .actions import DELIVERY_NOTE_ACTIONS
from .models import (
    CarrierWebhookSecret,
    DeliveryNote,
    DeliveryNoteLine,
    DeliveryPhoto,
    TrackingEvent,
)

LINE_FIELDS = ["position", "description", "unit", "quantity_ordered", "quantity_to_deliver",
               "quantity_delivered", "warehouse", "serial_numbers", "batch_number", "notes"]
PHOTO_FIELDS = ["image", "uploaded_at", "uploaded_by"]
TRACKING_FIELDS = ["occurred_at", "status", "description", "location", "source", "applied",
                   "event_id", "received_at"]


@admin.register(DeliveryNote)
class DeliveryNoteAdmin(DocumentAdminMixin, ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["number", "order_number", "customer_name", "status", "delivery_date",
                    "scheduled_date", "estimated_delivery_date", "carrier", "tracking_number",
                    "driver_name"]
    list_filter = ["status", "carrier", "tracking_status"]
    search_fields = ["number", "order_number", "customer_name", "customer_name_ar",
                     "tracking_number", "driver_name"]
    date_hierarchy = "delivery_date"
    list_select_related = ["order"]
    inlines = [read_only_inline(DeliveryNoteLine, LINE_FIELDS),
               read_only_inline(DeliveryPhoto, PHOTO_FIELDS),
               read_only_inline(TrackingEvent, TRACKING_FIELDS)]
    # Bulk actions: the declared ones with a bulk label (confirm, start picking).
    document_actions = DELIVERY_NOTE_ACTIONS

    def has_add_permission(self, request):
        return False  # made from an order on the staff pages or the API

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in DeliveryNote._meta.fields]

    def delete_with_service(self, obj, actor) -> None:
        services.delivery_note_delete(note=obj, actor=actor)


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyFirmAdmin):
    list_display = ["occurred_at", "note", "status", "location", "source", "applied"]
    list_filter = ["status", "source", "applied"]
    search_fields = ["note__number", "event_id", "description", "location"]
    list_select_related = ["note"]
    readonly_fields = ["note", *TRACKING_FIELDS, "payload"]


@admin.action(description=_("Rotate the secret (carriers must use the new one)"),
              permissions=["rotate"])
def rotate_selected(modeladmin, request, queryset) -> None:
    for secret in queryset.select_related("firm").order_by("pk"):
        tracking.webhook_secret_rotate(firm=secret.firm, actor=request.user)
    modeladmin.message_user(request, _("The webhook secret was rotated: give carriers the "
                                       "new one."), messages.SUCCESS)


@admin.register(CarrierWebhookSecret)
class CarrierWebhookSecretAdmin(FirmScopedAdmin):
    """The secret carriers sign tracking webhooks with (delivery.tracking): made on first
    sight of this page, changed only by rotating it."""

    list_display = ["firm", "secret", "rotated_at"]
    readonly_fields = ["firm", "secret", "rotated_at"]
    fields = ["firm", "secret", "rotated_at"]
    actions = [rotate_selected]

    def changelist_view(self, request, extra_context=None):
        # A firm's admin finds their firm's secret here even before a carrier first called.
        if request.user.firm_id is not None and self.has_view_permission(request):
            tracking.webhook_secret(firm=request.user.firm)
        return super().changelist_view(request, extra_context)

    def has_rotate_permission(self, request) -> bool:
        return request.user.has_perm("delivery.change_carrierwebhooksecret")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the secret is never typed: rotated only

    def has_delete_permission(self, request, obj=None):
        return False
