from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")
    # Patterns per role over this app's permissions (see core.roles); admin has all.
    role_permissions = {
        "sales_manager": ["*"],
        "sales_person": ["view_*", "add_lead", "change_lead", "add_activity",
                         "change_activity", "add_customer", "change_customer",
                         "add_customeraddress", "change_customeraddress",
                         "add_customercontact", "change_customercontact", "add_campaign",
                         "change_campaign", "view_notification", "change_notification"],
        "warehouse": ["view_customer", "view_customeraddress", "view_customercontact",
                      "view_notification", "change_notification"],
        "finance": ["view_customer", "view_customeraddress", "view_customercontact",
                    "view_customergroup", "view_territory", "view_salesperson",
                    "view_salesteam", "view_campaign", "view_notification",
                    "change_notification"],
    }
    navigation = {
        "label": _("CRM"), "icon": "people", "order": 100,
        "items": [
            (_("Leads"), "crm:lead_list", "crm.view_lead"),
            (_("Pipeline board"), "crm:lead_board", "crm.view_lead"),
            (_("Customers"), "crm:customer_list", "crm.view_customer"),
            (_("Activities"), "crm:activity_list", "crm.view_activity"),
            (_("Campaigns"), "crm:campaign_list", "crm.view_campaign"),
            (_("Cases"), "crm:case_list", "crm.view_case"),
            (_("Sales teams"), "crm:salesteam_list", "crm.view_salesteam"),
            (_("Sales persons"), "crm:salesperson_list", "crm.view_salesperson"),
            (_("Pipelines"), "crm:pipeline_list", "crm.view_pipeline"),
            (_("Customer groups"), "crm:customergroup_list", "crm.view_customergroup"),
            (_("Territories"), "crm:territory_list", "crm.view_territory"),
            (_("Notifications"), "crm:notification_list", "crm.view_notification"),
        ],
    }
    notifications_url_name = "crm:notification_list"

    def ready(self) -> None:
        from core.registry import activity_entity_register

        from . import receivers  # noqa: F401  (connects the dashboard cache invalidation)
        from .choices import ActivityEntity
        from .models import Case, Customer, Lead

        # What an activity may be about; sales adds its quotes from its own ready().
        for name, model in ((ActivityEntity.LEAD, Lead), (ActivityEntity.CUSTOMER, Customer),
                            (ActivityEntity.CASE, Case)):
            activity_entity_register(name=name, model=model)

    def unread_count(self, user) -> int:
        """The layout's bell badge (core.context_processors asks every app that has this)."""
        from .models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    def seed_demo(self, *, firm, users: dict) -> None:
        from .demo import crm_seed_demo

        crm_seed_demo(firm=firm, users=users)
