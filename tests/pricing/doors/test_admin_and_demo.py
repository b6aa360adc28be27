"""pricing in the Django admin (every model, scoped to the firm, items inline) and the demo
data (realistic and idempotent)."""

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from core.models import Firm
from pricing import models
from tests.pricing.factories import make_item, make_price_list, make_product, make_rule

TOP_LEVEL = [models.Brand, models.ProductGroup, models.Product, models.PriceList,
             models.PriceListItem, models.PricingRule, models.PricingRuleUsage]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:pricing_{model._meta.model_name}_{action}", args=args)


def test_every_pricing_model_is_registered_with_items_inline():
    assert set(TOP_LEVEL) <= set(admin.site._registry)
    inlines = {inline.model for inline in admin.site._registry[models.PriceList].inlines}
    assert models.PriceListItem in inlines


@pytest.mark.django_db
class TestPricingAdmin:
    @pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda model: model.__name__)
    def test_changelist_and_add_pages_open(self, client, admin_user, model):
        client.force_login(admin_user)
        assert client.get(admin_url(model, "changelist")).status_code == 200
        expected = 403 if model is models.PricingRuleUsage else 200
        assert client.get(admin_url(model, "add")).status_code == expected

    def test_change_and_history_pages_of_own_rows_only(self, client, admin_user, firm,
                                                       other_firm):
        ours = make_price_list(firm)
        make_item(ours, make_product(firm), "5")
        theirs = make_price_list(other_firm)
        client.force_login(admin_user)
        rows = client.get(admin_url(models.PriceList, "changelist")).context["cl"].result_list
        assert ours in rows and theirs not in rows
        assert client.get(admin_url(models.PriceList, "change", ours.pk)).status_code == 200
        assert client.get(admin_url(models.PriceList, "history", ours.pk)).status_code == 200
        assert client.get(admin_url(models.PriceList, "change", theirs.pk)).status_code == 302
        assert client.get(admin_url(models.PriceList, "history", theirs.pk)).status_code == 404

    def test_rule_conditions_are_validated(self, client, admin_user, firm):
        rule = make_rule(firm)
        client.force_login(admin_user)
        page = client.get(admin_url(models.PricingRule, "change", rule.pk))
        form = page.context["adminform"].form
        data = {name: value for name, value in form.initial.items()
                if value is not None and not isinstance(value, list)}
        data.update({"conditions": '[{"field": "colour", "operator": "equals", "value": 1}]',
                     "code": rule.code, "name": rule.name})
        response = client.post(admin_url(models.PricingRule, "change", rule.pk), data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["conditions"]
        assert "usage_count" not in response.context["adminform"].form.fields


@pytest.mark.django_db
def test_seed_demo_builds_a_catalogue_once():
    call_command("seed_demo", "--force", stdout=StringIO())
    firm = Firm.objects.get(slug="demo")
    counts = [models.Product.objects.filter(firm=firm).count(),
              models.PriceList.objects.filter(firm=firm).count(),
              models.PricingRule.objects.filter(firm=firm).count()]
    assert counts[0] >= 15 and counts[1] == 3 and counts[2] >= 4
    assert all(product.name_ar for product in models.Product.objects.filter(firm=firm))
    projects = models.PriceList.objects.get(firm=firm, code="PROJECTS")
    assert projects.based_on.code == "RETAIL" and projects.markup_percent > 0
    assert models.PriceList.objects.get(firm=firm, code="WHOLESALE").customer_groups.exists()
    assert models.PricingRule.objects.filter(firm=firm, requires_promo_code=True).exists()
    assert models.PricingRule.objects.filter(firm=firm, reward_type="free_item").exists()
    assert models.ProductGroup.objects.filter(firm=firm, parent__isnull=False).exists()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert counts == [models.Product.objects.filter(firm=firm).count(),
                      models.PriceList.objects.filter(firm=firm).count(),
                      models.PricingRule.objects.filter(firm=firm).count()]
