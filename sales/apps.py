from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")
    # Patterns per role over this app's permissions (see core.roles); admin has all.
    # Approving is a permission of its own (approve_quote): managers have it, sellers not.
    role_permissions = {
        "sales_manager": ["*"],
        "sales_person": ["view_*", "add_quote", "change_quote", "add_quoteline",
                         "change_quoteline", "delete_quoteline", "add_salesorder",
                         "change_salesorder", "confirm_salesorder", "add_salesorderline",
                         "change_salesorderline", "delete_salesorderline"],
        # Finance works the money: down payments (invoices, payments, refunds) too, and the
        # refunds paid back against credit notes.
        "finance": ["view_*", "add_downpayment", "change_downpayment", "delete_downpayment",
                    "add_invoice", "change_invoice", "post_invoice", "record_payment",
                    "add_payment", "change_payment", "add_creditnote", "change_creditnote",
                    "refund_creditnote", "add_refund", "change_refund"],
        "warehouse": ["view_salesorder", "view_salesorderline"],
    }
    navigation = {
        "label": _("Sales"), "icon": "receipt", "order": 300,
        "items": [
            (_("Quotes"), "sales:quote_list", "sales.view_quote"),
            (_("Sales orders"), "sales:salesorder_list", "sales.view_salesorder"),
            (_("Down payments"), "sales:downpayment_list", "sales.view_downpayment"),
            (_("Invoices"), "sales:invoice_list", "sales.view_invoice"),
            (_("Credit notes"), "sales:creditnote_list", "sales.view_creditnote"),
        ],
    }

    def ready(self) -> None:
        from core.registry import activity_entity_register, order_open_documents_register
        from crm.choices import ActivityEntity

        from . import receivers  # noqa: F401  (reacts to crm's lead and campaign signals)
        from .invoicing.services import invoice_drafts_of_order
        from .quotes.models import Quote

        # Activities may be about quotes.
        activity_entity_register(name=ActivityEntity.QUOTE, model=Quote)
        # A draft invoice stops its order from being cancelled.
        order_open_documents_register(check=invoice_drafts_of_order)

    def seed_demo(self, *, firm, users: dict) -> None:
        from .demo import sales_seed_demo

        sales_seed_demo(firm=firm, users=users)
