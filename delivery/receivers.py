"""delivery's reactions to sales' signals (connected from DeliveryConfig.ready)."""

from django.dispatch import receiver

from core.services import settings_read
from sales import signals

from .services import delivery_note_create


@receiver(signals.order_confirmed, dispatch_uid="delivery.note_on_confirmation")
def note_on_order_confirmed(sender, order, actor=None, **kwargs) -> None:
    """`orders.autoCreateDeliveryNote`: a draft note with every line's quantity as soon as the
    order is confirmed, inside the confirmation's transaction (both or neither)."""
    if settings_read(firm=order.firm).orders.auto_create_delivery_note:
        delivery_note_create(firm=order.firm, actor=actor, order=order)
