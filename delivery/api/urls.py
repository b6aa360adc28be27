"""delivery API routes (docs/api.md `delivery-notes`). `POST /sales-orders/:id/delivery-note`
is served here: sales cannot import delivery (architecture §4), and the orders router has no
such route, so the path falls through to this one."""

from django.urls import re_path

from core.api.urls import Router

from .views import DeliveryNoteViewSet, TrackingWebhookView

app_name = "delivery-api"

router = Router()
router.register("delivery-notes", DeliveryNoteViewSet, basename="deliverynote")
urlpatterns = [
    re_path(r"^delivery-notes/tracking-events/?$", TrackingWebhookView.as_view(),
            name="tracking-events"),
    re_path(r"^sales-orders/(?P<order_id>[0-9]+)/delivery-note/?$",
            DeliveryNoteViewSet.as_view({"post": "from_order"}),
            name="salesorder-delivery-note"),
    *router.urls,
]
