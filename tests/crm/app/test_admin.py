"""crm in the Django admin as a whole: every model is registered or inline, and each
opens."""

import pytest
from django.contrib import admin

from crm import models
from tests.contracts.admin import assert_list_and_add_open

TOP_LEVEL = [models.CustomerGroup, models.Territory, models.SalesTeam, models.SalesPerson,
             models.Customer, models.Case, models.StaffRelationship, models.Pipeline,
             models.Campaign, models.Lead, models.LeadTransaction, models.Activity,
             models.Notification]


def test_every_crm_model_is_registered_or_inline():
    registered = set(admin.site._registry)
    assert set(TOP_LEVEL) <= registered
    inline_models = {inline.model for model in registered if model._meta.app_label == "crm"
                     for inline in admin.site._registry[model].inlines}
    assert {models.CustomerAddress, models.CustomerContact, models.Stage,
            models.LeadTeamMember} <= inline_models


@pytest.mark.django_db
class TestCrmAdmin:
    @pytest.mark.parametrize("model", TOP_LEVEL, ids=lambda model: model.__name__)
    def test_changelist_and_add_pages_open(self, client, admin_user, model):
        client.force_login(admin_user)
        assert_list_and_add_open(client, model, add_allowed=model not in (
            models.LeadTransaction, models.Notification))
