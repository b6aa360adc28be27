"""Campaign staff pages."""


from core.choices import Role
from crm.models import (
    Campaign,
)
from tests.contracts.pages import SELLERS, PagesContract
from tests.crm.factories import (
    make_campaign,
    seller_of,
)


class TestCampaignPages(PagesContract):
    model = Campaign
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        return make_campaign(firm, **({"sales_person": seller} if seller else {}), **overrides)

    def form_data(self, firm):
        return {"title": "Ramadan offers", "platform": "instagram", "type": "social",
                "sales_person": seller_of(firm).pk, "budget": "2500", "status": "active",
                "start_date": "2026-03-01", "end_date": "2026-03-30"}

    def test_delete_is_soft_and_hides_the_campaign(self, client, users, firm):
        campaign = self.make(firm)
        client.force_login(users[Role.SALES_PERSON])  # may change campaigns, not delete them
        assert client.get(self.page("delete", campaign.pk)).status_code == 403
        assert client.post(self.page("delete", campaign.pk)).status_code == 403
        client.force_login(users[Role.SALES_MANAGER])
        html = client.get(self.page("detail", campaign.pk)).content.decode()
        assert self.page("delete", campaign.pk) in html
        response = client.post(self.page("delete", campaign.pk))
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert campaign.deleted_at is not None and campaign.status == "deleted"
        assert campaign not in client.get(self.page("list")).context["object_list"]
        # Still readable by id, but no longer editable or deletable.
        detail = client.get(self.page("detail", campaign.pk))
        assert detail.status_code == 200
        assert detail.context["edit_url"] is None and detail.context["delete_url"] is None
        assert client.get(self.page("update", campaign.pk)).status_code == 404

    def test_sales_person_is_fixed_on_edit(self, client, admin_user, firm):
        from tests.crm.factories import make_sales_person

        campaign = self.make(firm)
        other = make_sales_person(firm)
        client.force_login(admin_user)
        form = client.get(self.page("update", campaign.pk)).context["form"]
        assert form.fields["sales_person"].disabled
        data = {**self.form_data(firm), "title": "Renamed", "sales_person": other.pk}
        assert client.post(self.page("update", campaign.pk), data).status_code == 302
        campaign.refresh_from_db()
        assert (campaign.title, campaign.sales_person_id) == ("Renamed", seller_of(firm).pk)
