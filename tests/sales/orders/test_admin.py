"""Sales orders in the admin: list (soft-deleted ones too), change page with lines and
history, saves and deletes through the services, actions."""

import pytest
from django.urls import reverse

from sales.orders import services
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from tests.crm.factories import make_campaign
from tests.sales.factories import make_order, order_in

pytestmark = pytest.mark.django_db


def test_list_change_and_history_pages(client, admin_user, firm):
    client.force_login(admin_user)
    order = make_order(firm, actor=admin_user)
    campaign = make_campaign(firm)
    deleted = make_order(firm, campaign=campaign)
    services.orders_soft_delete_for_campaign(campaign=campaign)
    listing = client.get(reverse("admin:sales_salesorder_changelist"))
    assert listing.status_code == 200
    assert order.number in listing.content.decode() and deleted.number in \
        listing.content.decode()
    change = client.get(reverse("admin:sales_salesorder_change", args=[order.pk]))
    assert change.status_code == 200 and "Line A" in change.content.decode()
    history = client.get(reverse("admin:sales_salesorder_history", args=[order.pk]))
    assert history.status_code == 200


def test_edit_goes_through_the_service(client, admin_user, firm):
    client.force_login(admin_user)
    order = make_order(firm)
    url = reverse("admin:sales_salesorder_change", args=[order.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"notes": "From the admin", "discount_value": "0"})
    data = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}
    # The read-only lines inline still posts its management form.
    data.update({"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "2",
                 "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = SalesOrder.objects.get(pk=order.pk)
    assert saved.notes == "From the admin"
    assert saved.total == saved.subtotal + saved.tax_amount  # no discount any more
    assert saved.history.latest().history_user == admin_user


def test_confirm_action_and_delete_refused_after_draft(client, admin_user, firm):
    client.force_login(admin_user)
    draft = make_order(firm)
    changelist = reverse("admin:sales_salesorder_changelist")
    client.post(changelist, {"action": "confirm_selected", "_selected_action": [draft.pk]})
    assert SalesOrder.objects.get(pk=draft.pk).status == SalesOrderStatus.CONFIRMED
    confirmed = order_in(firm, SalesOrderStatus.CONFIRMED)
    client.post(reverse("admin:sales_salesorder_delete", args=[confirmed.pk]),
                {"post": "yes"})
    assert SalesOrder.objects.filter(pk=confirmed.pk).exists()
