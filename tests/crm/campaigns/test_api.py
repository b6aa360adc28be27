"""Campaigns over the API: the sales person is fixed; delete is soft."""

import datetime

import pytest

from core.choices import Role
from core.models import User
from crm.models import Campaign, SalesPerson
from tests.conftest import client_for
from tests.contracts.api import ALL, READ, WORK, ApiContract, assert_error, reference_cases
from tests.crm import RoleScopedContract
from tests.crm.factories import make_campaign, make_lead, make_sales_person

PATH = "/api/v1/campaigns"


def profile(firm, user=None):
    """The user's sales person profile (made once), or a new sales person."""
    if user is None:
        return make_sales_person(firm)
    return SalesPerson.objects.filter(user=user).first() or make_sales_person(firm, user=user)


class CampaignRows(RoleScopedContract):
    model = Campaign

    def make(self, firm, **overrides):
        if self.scoped(firm):
            overrides.setdefault("sales_person", profile(firm, self.scoped(firm)))
        return make_campaign(firm, **overrides)


class TestCampaignsApi(CampaignRows, ApiContract):
    path = PATH
    key, plural = "campaign", "campaigns"
    sort_fields = ["createdAt", "title", "budget"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK,
                   Role.FINANCE: READ}
    search = {"title": "National day flash sale"}, "national day"

    def create_payload(self, firm):
        # The firm's sales person's own profile: a sales person may run campaigns only under
        # their own name, and every other role may create it for them.
        seller = User.objects.filter(firm=firm, username=Role.SALES_PERSON).first()
        return {"title": "Ramadan offers", "platform": "instagram", "type": "social",
                "salesPersonId": profile(firm, seller).pk, "budget": 15000,
                "startDate": "2026-02-18", "endDate": "2026-03-19",
                "url": "https://example.com/ramadan"}

    def invalid_payload(self, firm):
        return {"title": "Old school", "platform": "myspace", "type": "social",
                "salesPersonId": profile(firm).pk}, "platform"

    def update_payload(self, obj):
        return {"budget": 2500.75, "status": "paused"}

    def filter_cases(self, firm):
        person = profile(firm)
        paused = self.make(firm, status="paused", platform="linkedin", type="paid_ads",
                           sales_person=person)
        active = self.make(firm)
        return [({"status": "paused"}, paused, active),
                ({"status": "active,draft"}, active, paused),
                ({"platform": "linkedin"}, paused, active),
                ({"type": "paid_ads"}, paused, active),
                *reference_cases("salesPerson", person.pk, paused, active)]

    def assert_deleted(self, obj):
        obj.refresh_from_db()  # soft delete: still there, marked
        assert obj.deleted_at is not None and obj.status == "deleted"

    def test_sales_person_is_immutable(self, api, firm):
        campaign = self.make(firm)
        original = campaign.sales_person_id
        history = campaign.history.count()
        error = assert_error(api.patch(self.url(campaign), {
            "salesPersonId": profile(firm).pk, "title": "Hijacked"}, format="json"), 400,
            "immutable_field")
        assert error["details"] == {
            "salesPersonId": ["A campaign's sales person cannot be changed."]}
        campaign.refresh_from_db()
        assert campaign.sales_person_id == original and campaign.title != "Hijacked"
        assert campaign.history.count() == history
        # Repeating the same sales person is no change.
        same = api.patch(self.url(campaign), {"salesPersonId": original, "title": "Renamed"},
                         format="json")
        assert same.status_code == 200, same.content

    def test_soft_delete(self, api, firm):
        campaign, kept = self.make(firm), self.make(firm)
        lead = make_lead(firm, campaign=campaign)
        response = api.delete(self.url(campaign))
        assert response.status_code == 200, response.content
        assert response.json()["message"] and response.json()["messageAr"]
        listed = [row["id"] for row in api.get(self.path).json()["data"]["campaigns"]]
        assert listed == [kept.pk]
        readable = api.get(self.url(campaign))
        assert readable.status_code == 200
        body = readable.json()["data"]["campaign"]
        assert body["deletedAt"] and body["status"] == "deleted"
        lead.refresh_from_db()
        assert lead.campaign_id == campaign.pk  # the lead keeps its source
        # Deleting twice changes nothing; a deleted campaign cannot be edited.
        deleted_at = Campaign.objects.get(pk=campaign.pk).deleted_at
        assert api.delete(self.url(campaign)).status_code == 200
        assert Campaign.objects.get(pk=campaign.pk).deleted_at == deleted_at
        assert_error(api.patch(self.url(campaign), {"title": "Back"}, format="json"), 409,
                     "campaign_deleted")

    def test_end_before_start_is_refused(self, api, firm):
        payload = {**self.create_payload(firm), "startDate": "2026-03-01",
                   "endDate": "2026-02-01"}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert error["details"]

    def test_sales_person_of_another_firm_is_refused(self, api, firm, other_firm):
        payload = {**self.create_payload(firm), "salesPersonId": profile(other_firm).pk}
        error = assert_error(api.post(self.path, payload, format="json"), 400,
                             "validation_error")
        assert set(error["details"]) == {"salesPersonId"}

    def test_sales_person_sees_their_own_campaigns(self, firm, users):
        seller = users[Role.SALES_PERSON]
        mine, other = self.make(firm, sales_person=profile(firm, seller)), self.make(firm)
        client = client_for(seller)
        assert [row["id"] for row in client.get(self.path).json()["data"]["campaigns"]] == [
            mine.pk]
        assert_error(client.get(self.url(other)), 404, "not_found")


@pytest.mark.django_db
def test_dates_and_money_formats(api, firm):
    response = api.post(PATH, {"title": "Formats", "platform": "google", "type": "paid_ads",
                               "salesPersonId": profile(firm).pk, "budget": 100.005,
                               "startDate": "2026-05-01"}, format="json")
    assert response.status_code == 201, response.content
    campaign = response.json()["data"]["campaign"]
    assert campaign["budget"] == 100.01 and campaign["startDate"] == "2026-05-01"
    assert campaign["deletedAt"] is None
    assert datetime.datetime.fromisoformat(campaign["createdAt"]).tzinfo is not None


@pytest.mark.django_db
def test_finance_reads_but_cannot_write(firm, users):
    client = client_for(users[Role.FINANCE])
    campaign = make_campaign(firm)
    assert client.get(f"{PATH}/{campaign.pk}").status_code == 200
    assert_error(client.patch(f"{PATH}/{campaign.pk}", {"title": "x"}, format="json"), 403,
                 "permission_denied")
