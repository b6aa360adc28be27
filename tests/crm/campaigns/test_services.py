"""Campaign services: the sales person is fixed, delete is soft."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from core.choices import Role
from core.errors import ApplicationError
from crm import services, signals
from crm.models import Campaign
from tests.conftest import sends_of
from tests.crm.factories import make_sales_person
from tests.factories import make_user


@pytest.fixture
def deleted_signals():
    with sends_of(signals.campaign_deleted) as calls:
        yield calls


@pytest.mark.django_db
def test_sales_person_runs_campaigns_under_their_own_name_only(firm, users):
    seller = users[Role.SALES_PERSON]
    own = make_sales_person(firm, user=seller)
    other = make_sales_person(firm, user=make_user(firm=firm, role=Role.SALES_PERSON,
                                                   username="other-seller"))
    fields = {"title": "Spring", "platform": "instagram", "type": "social",
              "budget": Decimal("100")}
    assert services.campaign_create(firm=firm, actor=seller, sales_person=own,
                                    **fields).sales_person == own
    with pytest.raises(ValidationError):
        services.campaign_create(firm=firm, actor=seller, sales_person=other, **fields)
    assert services.campaign_create(firm=firm, actor=users[Role.SALES_MANAGER],
                                    sales_person=other, **fields).sales_person == other


@pytest.mark.django_db
class TestCampaigns:
    @pytest.fixture
    def campaign(self, firm):
        return services.campaign_create(firm=firm, actor=None, title="Ramadan", platform="x",
                                        type="paid_ads", budget=Decimal("5000"),
                                        sales_person=make_sales_person(firm))

    def test_created(self, campaign, firm):
        assert (campaign.firm, campaign.status, campaign.deleted_at) == (firm, "active", None)

    def test_another_firms_sales_person_is_refused(self, firm, other_firm):
        with pytest.raises(ValidationError) as refused:
            services.campaign_create(firm=firm, actor=None, title="X", platform="x",
                                     type="social", sales_person=make_sales_person(other_firm))
        assert set(refused.value.message_dict) == {"sales_person"}
        assert not Campaign.objects.filter(firm=firm).exists()

    def test_not_created_deleted(self, firm):
        with pytest.raises(ValidationError):
            services.campaign_create(firm=firm, actor=None, title="X", platform="x",
                                     type="social", status="deleted",
                                     sales_person=make_sales_person(firm))
        assert not Campaign.objects.exists()

    @pytest.mark.parametrize("key", ["sales_person", "sales_person_id"])
    def test_sales_person_is_immutable(self, firm, campaign, key):
        other = make_sales_person(firm)
        with pytest.raises(ApplicationError) as refused:
            services.campaign_update(campaign=campaign, actor=None, title="Changed",
                                     **{key: other if key == "sales_person" else other.pk})
        assert refused.value.code == "immutable_field"
        assert refused.value.details == {
            "sales_person_id": ["A campaign's sales person cannot be changed."]}
        stored = Campaign.objects.get(pk=campaign.pk)
        assert (stored.sales_person_id, stored.title) == (campaign.sales_person_id, "Ramadan")

    def test_same_sales_person_is_fine(self, campaign):
        updated = services.campaign_update(campaign=campaign, actor=None, title="Eid",
                                           sales_person=campaign.sales_person)
        assert (updated.title, updated.sales_person_id) == ("Eid", campaign.sales_person_id)

    def test_status_deleted_only_by_deleting(self, campaign):
        with pytest.raises(ValidationError):
            services.campaign_update(campaign=campaign, actor=None, status="deleted")
        assert Campaign.objects.get(pk=campaign.pk).status == "active"

    def test_soft_delete_twice_signals_once_after_commit(
            self, campaign, admin_user, deleted_signals, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = services.campaign_delete(campaign=campaign, actor=admin_user)
            assert deleted_signals == []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = services.campaign_delete(campaign=campaign, actor=admin_user)
        assert callbacks == []
        assert len(deleted_signals) == 1
        assert (deleted_signals[0]["campaign"].pk, deleted_signals[0]["actor"]) == (
            campaign.pk, admin_user)
        stored = Campaign.objects.get(pk=campaign.pk)  # still readable by id
        assert stored.status == "deleted"
        assert stored.deleted_at == first.deleted_at == again.deleted_at
        assert stored.history.first().history_user == admin_user
        assert not Campaign.objects.alive().filter(pk=campaign.pk).exists()

    def test_no_signal_when_rolled_back(self, campaign, deleted_signals,
                                        django_capture_on_commit_callbacks):
        with (django_capture_on_commit_callbacks(execute=True),
              pytest.raises(RuntimeError), transaction.atomic()):
            services.campaign_delete(campaign=campaign, actor=None)
            raise RuntimeError("the caller failed")
        assert deleted_signals == []
        assert Campaign.objects.get(pk=campaign.pk).deleted_at is None

    def test_a_deleted_campaign_is_not_edited(self, campaign):
        services.campaign_delete(campaign=campaign, actor=None)
        with pytest.raises(ApplicationError) as refused:
            services.campaign_update(campaign=campaign, actor=None, title="Back")
        assert (refused.value.code, refused.value.status_code) == ("campaign_deleted", 409)
        assert Campaign.objects.get(pk=campaign.pk).title == "Ramadan"
