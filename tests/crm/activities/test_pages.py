"""Activity staff pages."""


import pytest
from django.urls import reverse

from core.choices import Role
from crm.models import (
    Activity,
    Lead,
)
from tests.contracts.pages import SELLERS, PagesContract
from tests.crm.factories import (
    SELLER_ACTIVITIES,
    make_activity,
    make_lead,
    seller_of,
)


class TestActivityPages(PagesContract):
    model = Activity
    view_roles = SELLERS
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        lead = make_lead(firm, assigned_to=seller.user if seller else None)
        return make_activity(firm, entity=lead, **overrides)

    def form_data(self, firm):
        seller = seller_of(firm)
        lead = Lead.objects.filter(firm=firm).first() or make_lead(
            firm, assigned_to=seller.user if seller else None)
        return {"type": "call", "entity_type": "lead", "entity_id": lead.pk,
                "subject": "Follow-up call", "outcome": "successful", "duration": "15"}

    def test_an_unreachable_record_is_refused(self, client, users, firm):
        other_lead = make_lead(firm)  # not the seller's
        client.force_login(users[Role.SALES_PERSON])
        data = {"type": "call", "entity_type": "lead", "entity_id": other_lead.pk}
        before = Activity.objects.count()
        response = client.post(self.page("create"), data)
        assert response.status_code == 200
        assert "entity_id" in response.context["form"].errors
        assert Activity.objects.count() == before

    def test_edit_and_delete_rescore_the_lead(self, client, admin_user, firm):
        lead = make_lead(firm)
        client.force_login(admin_user)
        data = {"type": "call", "entity_type": "lead", "entity_id": lead.pk}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302
        activity = Activity.objects.get(entity_type="lead", entity_id=lead.pk)
        lead.refresh_from_db()
        scored = lead.score
        assert activity.performed_by == admin_user
        form = client.get(self.page("update", activity.pk)).context["form"]
        assert "entity_id" not in form.fields
        assert client.get(self.page("delete", activity.pk)).status_code == 200
        response = client.post(self.page("delete", activity.pk))
        assert response["Location"] == reverse("crm:lead_detail", args=[lead.pk])
        assert not Activity.objects.filter(pk=activity.pk).exists()
        lead.refresh_from_db()
        assert lead.score == scored - 2


@pytest.mark.django_db
class TestActivityScope:

    def test_staff_list_page(self, world, client):
        client.force_login(world["seller"])
        response = client.get(reverse("crm:activity_list"))
        assert response.status_code == 200
        assert {row.pk for row in response.context["object_list"]} == {
            world["activities"][name].pk for name in SELLER_ACTIVITIES}
        other = world["activities"]["on_other_lead"]
        assert client.get(reverse("crm:activity_detail", args=[other.pk])).status_code == 404
