"""Customers (with nested addresses and contacts), cases, campaigns, pipelines, sales persons."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from core.choices import Role
from core.errors import ApplicationError
from core.services import firm_today
from crm import services, signals
from crm.models import (
    Campaign,
    Case,
    Customer,
    CustomerAddress,
    CustomerContact,
    Pipeline,
    SalesPerson,
    Stage,
)
from tests.crm.factories import (
    make_customer,
    make_customer_group,
    make_pipeline,
    make_sales_person,
    make_sales_team,
    make_territory,
)
from tests.factories import make_user

RIYADH = {"kind": "billing", "line1": "King Fahd Road 1", "city": "Riyadh"}
JEDDAH = {"kind": "shipping", "line1": "Tahlia Street 9", "city": "Jeddah"}


def customer(firm, **fields) -> Customer:
    return services.customer_create(firm=firm, actor=None, **{"name": "Najd Logistics",
                                                               **fields})


@pytest.mark.django_db
class TestCustomerCode:
    def test_numbered_when_empty(self, firm, other_firm):
        assert customer(firm).code == "CUS-00001"
        assert customer(firm, code="").code == "CUS-00002"
        assert customer(other_firm).code == "CUS-00001"

    def test_explicit_code_kept_and_unique_per_firm(self, firm, other_firm):
        assert customer(firm, code="VIP-1").code == "VIP-1"
        with pytest.raises(ValidationError) as refused:
            customer(firm, code="VIP-1", name="Someone else")
        assert "code" in refused.value.message_dict
        assert Customer.objects.filter(firm=firm).count() == 1
        assert customer(other_firm, code="VIP-1").code == "VIP-1"

    def test_numbering_skips_a_code_given_by_hand(self, firm):
        customer(firm, code="CUS-00001")
        assert customer(firm).code == "CUS-00002"

    def test_update_to_a_taken_code(self, firm):
        first, second = customer(firm), customer(firm)
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=second, actor=None, code=first.code)
        assert "code" in refused.value.message_dict
        assert Customer.objects.get(pk=second.pk).code == "CUS-00002"

    def test_history_names_the_actor(self, firm, admin_user):
        made = services.customer_create(firm=firm, actor=admin_user, name="Najd")
        assert (made.created_by, made.history.first().history_user) == (admin_user, admin_user)


@pytest.mark.django_db
class TestCustomerChildren:
    def test_created_with_children(self, firm):
        made = customer(firm, addresses=[RIYADH, JEDDAH],
                        contacts=[{"name": "Sara", "is_primary": True}])
        assert [(a.city, a.kind, a.firm_id) for a in made.addresses.order_by("pk")] == [
            ("Riyadh", "billing", firm.pk), ("Jeddah", "shipping", firm.pk)]
        assert [c.name for c in made.contacts.all()] == ["Sara"]

    def test_replace_semantics(self, firm):
        made = customer(firm, addresses=[RIYADH, JEDDAH], contacts=[{"name": "Sara"}])
        riyadh, jeddah = made.addresses.order_by("pk")
        services.customer_update(customer=made, actor=None, addresses=[
            {"id": riyadh.pk, "city": "Riyadh North"},
            {"kind": "shipping", "line1": "Dammam Port", "city": "Dammam"}])
        rows = list(made.addresses.order_by("pk"))
        assert [(a.pk, a.city, a.line1) for a in rows[:1]] == [
            (riyadh.pk, "Riyadh North", "King Fahd Road 1")]
        assert [a.city for a in rows] == ["Riyadh North", "Dammam"]
        assert not CustomerAddress.objects.filter(pk=jeddah.pk).exists()
        # Not given: unchanged. An empty list: all removed.
        assert [c.name for c in made.contacts.all()] == ["Sara"]
        services.customer_update(customer=made, actor=None, contacts=[])
        assert not made.contacts.exists()
        assert made.addresses.count() == 2

    def test_errors_are_named_by_position_and_nothing_is_written(self, firm):
        with pytest.raises(ValidationError) as refused:
            customer(firm, addresses=[RIYADH, {"line1": "No city"}],
                     contacts=[{"name": "Sara"}])
        assert set(refused.value.message_dict) == {"addresses.1.city"}
        assert not Customer.objects.exists()
        assert not CustomerAddress.objects.exists()

        made = customer(firm, addresses=[RIYADH])
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=made, actor=None, name="Renamed",
                                     contacts=[{"name": "A"}, {"name": "B", "email": "bad"}])
        assert set(refused.value.message_dict) == {"contacts.1.email"}
        assert Customer.objects.get(pk=made.pk).name == "Najd Logistics"
        assert not CustomerContact.objects.exists()

    def test_another_customers_child_is_not_taken(self, firm):
        theirs = customer(firm, addresses=[RIYADH])
        mine = customer(firm, addresses=[JEDDAH])
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=mine, actor=None, addresses=[
                {"id": theirs.addresses.get().pk, "city": "Taken"}])
        assert set(refused.value.message_dict) == {"addresses.0.id"}
        assert theirs.addresses.get().city == "Riyadh"
        assert mine.addresses.get().city == "Jeddah"

    @pytest.mark.parametrize("key", ["customer", "customer_id", "firm", "firm_id"])
    def test_a_child_cannot_be_moved(self, firm, other_firm, key):
        theirs = customer(firm)
        mine = customer(firm, addresses=[RIYADH])
        value = {"customer": theirs, "customer_id": theirs.pk, "firm": other_firm,
                 "firm_id": other_firm.pk}[key]
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=mine, actor=None, addresses=[
                {"id": mine.addresses.get().pk, key: value}])
        assert set(refused.value.message_dict) == {f"addresses.0.{key}"}
        address = CustomerAddress.objects.get()
        assert (address.customer, address.firm) == (mine, firm)


@pytest.mark.django_db
class TestCustomerTenancy:
    @pytest.mark.parametrize("field", ["customer_group", "territory", "owner"])
    def test_another_firms_reference_is_refused(self, firm, other_firm, field):
        foreign = {"customer_group": lambda: make_customer_group(other_firm),
                   "territory": lambda: make_territory(other_firm),
                   "owner": lambda: make_user(firm=other_firm, role=Role.SALES_PERSON,
                                              username="foreign")}[field]()
        with pytest.raises(ValidationError) as refused:
            customer(firm, **{field: foreign})
        assert set(refused.value.message_dict) == {field}
        assert not Customer.objects.filter(firm=firm).exists()
        made = customer(firm)
        with pytest.raises(ValidationError):
            services.customer_update(customer=made, actor=None, **{field: foreign})
        assert getattr(Customer.objects.get(pk=made.pk), field) is None

    def test_own_firms_references(self, firm, admin_user):
        group, territory = make_customer_group(firm), make_territory(firm)
        made = customer(firm, customer_group=group, territory=territory, owner=admin_user)
        assert (made.customer_group, made.territory, made.owner) == (group, territory,
                                                                     admin_user)


@pytest.mark.django_db
class TestCases:
    def test_numbered_per_year_and_firm(self, firm, other_firm):
        year = firm_today(firm=firm).year
        first = services.case_create(firm=firm, actor=None, title="A")
        second = services.case_create(firm=firm, actor=None, title="B")
        theirs = services.case_create(firm=other_firm, actor=None, title="C")
        assert [first.number, second.number, theirs.number] == [
            f"CASE-{year}-0001", f"CASE-{year}-0002", f"CASE-{year}-0001"]
        services.case_update(case=first, actor=None, title="A2")
        assert Case.objects.get(pk=first.pk).number == f"CASE-{year}-0001"

    def test_parties_cleaned_and_searchable(self, firm):
        case = services.case_create(firm=firm, actor=None, title="Dispute", parties=[
            {"name": "  Najd Logistics ", "role": " defendant "}, {"name": "Riyadh Builders"}],
            related_entities=[" Najd Holding ", ""])
        assert case.parties == [{"name": "Najd Logistics", "role": "defendant"},
                                {"name": "Riyadh Builders", "role": ""}]
        assert case.related_entities == ["Najd Holding"]
        assert case.search_text == "Najd Logistics\nRiyadh Builders\nNajd Holding"

    @pytest.mark.parametrize(("field", "value"), [
        ("parties", "Najd"), ("parties", [{"role": "defendant"}]), ("parties", [{"name": " "}]),
        ("parties", ["Najd"]), ("related_entities", "Najd"), ("related_entities", [1]),
    ])
    def test_invalid_parties(self, firm, field, value):
        with pytest.raises(ValidationError) as refused:
            services.case_create(firm=firm, actor=None, title="X", **{field: value})
        assert set(refused.value.message_dict) == {field}
        assert not Case.objects.exists()
        case = services.case_create(firm=firm, actor=None, title="Y")
        with pytest.raises(ValidationError):
            services.case_update(case=case, actor=None, **{field: value})
        assert Case.objects.get(pk=case.pk).parties == []

    def test_another_firms_customer_is_refused(self, firm, other_firm):
        with pytest.raises(ValidationError) as refused:
            services.case_create(firm=firm, actor=None, title="X",
                                 customer=make_customer(other_firm))
        assert set(refused.value.message_dict) == {"customer"}
        assert not Case.objects.filter(firm=firm).exists()


@pytest.fixture
def deleted_signals():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    signals.campaign_deleted.connect(receiver, weak=False)
    yield calls
    signals.campaign_deleted.disconnect(receiver)


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
        assert refused.value.details == {"field": "salesPersonId"}
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


def stage_rows(*names) -> list[dict]:
    return [{"name": name} for name in names]


@pytest.mark.django_db
class TestPipelines:
    def test_one_default_per_firm(self, firm, other_firm):
        theirs = make_pipeline(other_firm, is_default=True)
        first = make_pipeline(firm, is_default=True)
        second = make_pipeline(firm, is_default=True)
        defaults = Pipeline.objects.filter(firm=firm, is_default=True)
        assert list(defaults) == [second]
        services.pipeline_save(firm=firm, actor=None, pipeline=first, is_default=True)
        assert list(defaults.all()) == [first]
        assert Pipeline.objects.get(pk=theirs.pk).is_default is True

    def test_stages_take_the_list_order(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B", "C"))
        a, b, c = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"id": c.pk}, {"id": a.pk}, {"name": "New one"}, {"id": b.pk, "name": "B2"}])
        assert [(s.name, s.order) for s in pipeline.stages.order_by("order")] == [
            ("C", 0), ("A", 1), ("New one", 2), ("B2", 3)]
        assert [s.pk for s in pipeline.stages.order_by("order")][:2] == [c.pk, a.pk]

    def test_an_empty_stage_is_removed(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B"))
        _a, b = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[{"id": b.pk}])
        assert [(s.pk, s.order) for s in pipeline.stages.all()] == [(b.pk, 0)]

    def test_a_stage_with_leads_is_not_removed(self, firm):
        pipeline = make_pipeline(firm, stage_rows("A", "B"), is_default=True)
        a, b = pipeline.stages.order_by("order")
        services.lead_create(firm=firm, actor=None, first_name="Sara")  # lands in A
        with pytest.raises(ValidationError) as refused:
            services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, name="Renamed",
                                   stages=[{"id": b.pk}])
        assert set(refused.value.message_dict) == {"stages"}
        assert [(s.pk, s.order) for s in pipeline.stages.order_by("order")] == [
            (a.pk, 0), (b.pk, 1)]
        assert Pipeline.objects.get(pk=pipeline.pk).name == pipeline.name

    def test_one_stage_per_status(self, firm):
        with pytest.raises(ValidationError) as refused:
            make_pipeline(firm, [{"name": "Won", "status": "won"},
                                 {"name": "Also won", "status": "won"}])
        assert set(refused.value.message_dict) == {"stages.1.status"}
        assert not Stage.objects.exists()

    def test_statuses_can_swap_in_one_save(self, firm):
        pipeline = make_pipeline(firm, [{"name": "A", "status": "won"},
                                        {"name": "B", "status": "lost"}])
        a, b = pipeline.stages.order_by("order")
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"id": a.pk, "status": "lost"}, {"id": b.pk, "status": "won"}])
        assert [(s.name, s.status) for s in pipeline.stages.order_by("order")] == [
            ("A", "lost"), ("B", "won")]

    def test_a_removed_stages_status_can_be_taken(self, firm):
        pipeline = make_pipeline(firm, [{"name": "Old won", "status": "won"}])
        services.pipeline_save(firm=firm, actor=None, pipeline=pipeline, stages=[
            {"name": "New won", "status": "won"}])
        assert [(s.name, s.status) for s in pipeline.stages.all()] == [("New won", "won")]

    def test_another_pipelines_stage_is_not_taken(self, firm):
        mine, theirs = make_pipeline(firm, stage_rows("A")), make_pipeline(firm, stage_rows("X"))
        with pytest.raises(ValidationError) as refused:
            services.pipeline_save(firm=firm, actor=None, pipeline=mine,
                                   stages=[{"id": theirs.stages.get().pk}])
        assert set(refused.value.message_dict) == {"stages.0.id"}
        assert theirs.stages.get().pipeline == theirs

    def test_another_firms_pipeline_is_refused(self, firm, other_firm):
        theirs = make_pipeline(other_firm, stage_rows("X"), name="Theirs")
        with pytest.raises(ValidationError):
            services.pipeline_save(firm=firm, actor=None, pipeline=theirs, name="Mine now")
        assert Pipeline.objects.get(pk=theirs.pk).name == "Theirs"


@pytest.mark.django_db
class TestSalesPersons:
    def test_created_and_updated(self, firm, admin_user):
        user = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        team, territory = make_sales_team(firm), make_territory(firm)
        person = services.sales_person_save(firm=firm, actor=admin_user, user=user,
                                            commission_rate=Decimal("7.5"))
        assert (person.firm, person.user, person.commission_rate) == (firm, user,
                                                                      Decimal("7.5"))
        services.sales_person_save(firm=firm, actor=admin_user, sales_person=person, team=team,
                                   territory=territory)
        stored = SalesPerson.objects.get(pk=person.pk)
        assert (stored.team, stored.territory) == (team, territory)
        assert stored.history.first().history_user == admin_user

    def test_one_profile_per_user(self, firm):
        person = make_sales_person(firm)
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, user=person.user)
        assert "user" in refused.value.message_dict
        assert SalesPerson.objects.count() == 1

    @pytest.mark.parametrize("field", ["user", "team", "territory"])
    def test_another_firms_reference_is_refused(self, firm, other_firm, field):
        foreign = {"user": lambda: make_user(firm=other_firm, role=Role.SALES_PERSON,
                                             username="foreign"),
                   "team": lambda: make_sales_team(other_firm),
                   "territory": lambda: make_territory(other_firm)}[field]()
        fields = {"user": make_user(firm=firm, role=Role.SALES_PERSON, username="mine"),
                  field: foreign}
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, **fields)
        assert field in refused.value.message_dict
        assert not SalesPerson.objects.filter(firm=firm).exists()

    @pytest.mark.parametrize("rate", ["-1", "100.0001"])
    def test_rate_between_0_and_100(self, firm, rate):
        user = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, user=user,
                                       commission_rate=Decimal(rate))
        assert "commission_rate" in refused.value.message_dict
