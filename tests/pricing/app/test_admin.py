"""pricing in the Django admin as a whole: every model is registered (items inline) and
opens."""

import pytest
from django.contrib import admin

from pricing import models
from tests.contracts.admin import assert_list_and_add_open

TOP_LEVEL = [models.Brand, models.ProductGroup, models.Product, models.PriceList,
             models.PriceListItem, models.PricingRule, models.PricingRuleUsage]


def test_every_pricing_model_is_registered_with_items_inline():
    assert set(TOP_LEVEL) <= set(admin.site._registry)
    inlines = {inline.model for inline in admin.site._registry[models.PriceList].inlines}
    assert models.PriceListItem in inlines


@pytest.mark.django_db
class TestPricingAdmin:
    @pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda model: model.__name__)
    def test_changelist_and_add_pages_open(self, client, admin_user, model):
        client.force_login(admin_user)
        assert_list_and_add_open(client, model,
                                 add_allowed=model is not models.PricingRuleUsage)
