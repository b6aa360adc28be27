"""Down payments in the Django admin: read-only, scoped to the firm, cancel through the
service."""

import pytest
from django.urls import reverse

from sales.down_payments.models import DownPayment
from tests.sales.factories import make_down_payment, paid_down_payment


@pytest.mark.django_db
class TestAdmin:
    def test_changelist_and_change_page_open(self, client, admin_user, firm):
        advance = paid_down_payment(firm)
        client.force_login(admin_user)
        assert client.get(reverse("admin:sales_downpayment_changelist")).status_code == 200
        response = client.get(reverse("admin:sales_downpayment_change", args=[advance.pk]))
        assert response.status_code == 200
        assert advance.number in response.content.decode()

    def test_cancel_action_goes_through_the_service(self, client, admin_user, firm):
        draft, paid = make_down_payment(firm), paid_down_payment(firm)
        client.force_login(admin_user)
        client.post(reverse("admin:sales_downpayment_changelist"), {
            "action": "cancel_selected", "_selected_action": [draft.pk, paid.pk]})
        assert DownPayment.objects.get(pk=draft.pk).status == "cancelled"
        assert DownPayment.objects.get(pk=paid.pk).status == "paid"

    def test_other_firms_rows_are_not_reached(self, client, admin_user, other_firm):
        foreign = make_down_payment(other_firm)
        client.force_login(admin_user)
        response = client.get(reverse("admin:sales_downpayment_change", args=[foreign.pk]))
        assert response.status_code in (302, 404)
