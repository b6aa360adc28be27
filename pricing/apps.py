from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = _("Pricing")
    # Patterns per role over this app's permissions (see core.roles); admin has all. Price
    # checks (calculate, apply, validate a promotion) need only the view permissions.
    role_permissions = {
        "sales_manager": ["*"],
        "sales_person": ["view_*"],
        "finance": ["view_*"],
        "warehouse": ["view_product", "view_productgroup", "view_brand"],
    }
    navigation = {
        "label": _("Pricing"), "icon": "tags", "order": 200,
        "items": [
            (_("Products"), "pricing:product_list", "pricing.view_product"),
            (_("Product groups"), "pricing:productgroup_list", "pricing.view_productgroup"),
            (_("Brands"), "pricing:brand_list", "pricing.view_brand"),
            (_("Price lists"), "pricing:pricelist_list", "pricing.view_pricelist"),
            (_("Pricing rules"), "pricing:pricingrule_list", "pricing.view_pricingrule"),
            (_("Price check"), "pricing:price_check", "pricing.view_pricelist"),
        ],
    }

    def seed_demo(self, *, firm, users: dict) -> None:
        from .demo import pricing_seed_demo

        pricing_seed_demo(firm=firm, users=users)
