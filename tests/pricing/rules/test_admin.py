"""Pricing rules in the Django admin: conditions are validated, usage is not editable."""

import pytest

from pricing import models
from tests.contracts.admin import admin_url
from tests.pricing.factories import make_rule


@pytest.mark.django_db
class TestPricingAdmin:

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
