"""Price lists in the Django admin: change and history pages of the firm's own rows only."""

import pytest

from pricing import models
from tests.contracts.admin import admin_url
from tests.pricing.factories import make_item, make_price_list, make_product


@pytest.mark.django_db
class TestPricingAdmin:

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
