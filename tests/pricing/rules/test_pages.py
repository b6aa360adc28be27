"""Pricing rule staff pages."""

from django.urls import reverse

from pricing.models import PricingRule
from tests.contracts.pages import READERS, management
from tests.pricing import CodedPages
from tests.pricing.factories import make_rule


class TestPricingRulePages(CodedPages):
    model = PricingRule
    factory = make_rule
    view_roles = READERS
    code_prefix, names = "RU", ("Volume 5 %", "خصم الكمية")
    fields = {"type": "discount", "priority": "10", "apply_on": "all_items",
              "discount_type": "percentage", "discount_value": "5",
              "match_all_conditions": "on", "can_stack": "on", **management("conditions")}

    def test_conditions_builder_saves_and_shows_errors_per_row(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("conditions", 2),
                "conditions-0-field": "quantity", "conditions-0-operator": "between",
                "conditions-0-value": "5", "conditions-0-value2": "10",
                "conditions-1-field": "day_of_week", "conditions-1-operator": "in",
                "conditions-1-value": "4, 5"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        rule = PricingRule.objects.get(firm=firm, code=data["code"])
        assert rule.conditions == [
            {"field": "quantity", "operator": "between", "value": 5, "value2": 10},
            {"field": "day_of_week", "operator": "in", "value": [4, 5]}]
        edit = client.get(self.page("update", rule.pk))
        assert edit.context["formsets"][0]["formset"].initial[1]["value"] == "4, 5"
        bad = {**data, "code": "OTHER", "conditions-1-value": "9"}
        response = client.post(self.page("create"), bad)
        assert response.status_code == 200
        rows = response.context["formsets"][0]["formset"].forms
        assert rows[1].errors["value"] and not rows[0].errors
        assert not PricingRule.objects.filter(code="OTHER").exists()

    def test_detail_shows_conditions_and_buttons(self, client, admin_user, firm):
        rule = self.make(firm, conditions=[{"field": "quantity", "operator": "greater_than",
                                            "value": 3}])
        client.force_login(admin_user)
        html = client.get(self.page("detail", rule.pk)).content.decode()
        assert 'data-testid="conditions"' in html and "greater than" in html
        client.post(reverse("pricing:pricingrule_toggle_active", args=[rule.pk]))
        rule.refresh_from_db()
        assert rule.is_active is False
        response = client.post(reverse("pricing:pricingrule_duplicate", args=[rule.pk]))
        assert response.status_code == 302
        assert PricingRule.objects.filter(firm=firm).count() == 2
