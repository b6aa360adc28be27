from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery")
    # Patterns per role over this app's permissions (see core.roles); admin has all.
    role_permissions = {
        "sales_manager": ["*"],
        # Everything about notes; the carriers' webhook secret stays the admins'.
        "warehouse": ["*_deliverynote", "*_deliverynoteline", "*_deliveryphoto",
                      "view_trackingevent"],
        "sales_person": ["view_*"],
        "finance": ["view_*"],
    }
    # The warehouse works deliveries first: its menu opens with them (core.context_processors).
    navigation = {
        "label": _("Delivery"), "icon": "truck", "order": 400, "lead_for_roles": ["warehouse"],
        "items": [
            (_("Delivery notes"), "delivery:deliverynote_list", "delivery.view_deliverynote"),
            (_("Dispatch board"), "delivery:board", "delivery.change_deliverynote"),
            (_("Run sheet"), "delivery:run_sheet", "delivery.deliver_deliverynote"),
        ],
    }

    def ready(self) -> None:
        from core.registry import (
            order_lines_reserved_register,
            order_open_delivery_check_register,
            order_open_documents_register,
            order_page_section_register,
        )

        from . import receivers  # noqa: F401  (creates a note when an order is confirmed)
        from .services import order_has_open_note, order_lines_planned, order_open_notes
        from .views import order_delivery_section

        # Sales cannot import this app (architecture §4): it asks through the registry.
        order_open_delivery_check_register(check=order_has_open_note)
        order_open_documents_register(check=order_open_notes)
        order_lines_reserved_register(check=order_lines_planned)
        # The order's page lists its notes and offers "Create delivery note".
        order_page_section_register(section=order_delivery_section)

    def seed_demo(self, *, firm, users: dict) -> None:
        from .demo import delivery_seed_demo

        delivery_seed_demo(firm=firm, users=users)
