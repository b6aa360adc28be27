"""The seed_demo command builds a pricing catalogue once."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Firm
from pricing import models


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
