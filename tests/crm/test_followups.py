"""Follow-up rules: editing or deleting an activity moves the lead's last contact and score;
the customer's default price list; closed leads are never stale; queryset updates still
invalidate the dashboards; the conflict status is the conflict check's alone."""

import datetime

import pytest
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone

from crm import selectors, services
from crm.choices import LeadStatus
from crm.forms import CustomerForm
from crm.models import Customer, Lead
from pricing.models import PriceList
from tests.conftest import client_for
from tests.contracts.api import assert_error

from .factories import make_activity, make_customer, make_lead, make_pipeline

DAY = datetime.timedelta(days=1)


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


# --- activity_update / activity_delete ---------------------------------------------------


@pytest.mark.django_db
class TestLastContactFollowsActivities:
    def test_delete_falls_back_to_the_latest_remaining_then_none(self, firm, admin_user):
        lead = make_lead(firm)  # email and company: 10 points
        older = make_activity(firm, entity=lead, performed_at=timezone.now() - 40 * DAY)
        newer = make_activity(firm, entity=lead, performed_at=timezone.now() - 2 * DAY)
        assert fresh(lead).last_contact_date == newer.performed_at
        assert fresh(lead).score == 10 + 2  # one activity in the last 30 days

        services.activity_delete(activity=newer, actor=admin_user)
        lead = fresh(lead)
        assert lead.last_contact_date == older.performed_at
        assert lead.score == 10 - 10  # no recent activity; last contact 40 days ago: decay 10

        services.activity_delete(activity=older, actor=admin_user)
        lead = fresh(lead)
        assert lead.last_contact_date is None
        assert lead.score == 10  # never contacted: no decay

    def test_update_moves_the_last_contact_both_ways(self, firm, admin_user):
        lead = make_lead(firm)
        first = make_activity(firm, entity=lead, performed_at=timezone.now() - 5 * DAY)
        second = make_activity(firm, entity=lead, performed_at=timezone.now() - 3 * DAY)
        moved_back = timezone.now() - 70 * DAY
        services.activity_update(activity=second, actor=admin_user, performed_at=moved_back)
        lead = fresh(lead)
        assert lead.last_contact_date == first.performed_at
        assert lead.score == 10 + 2
        first = services.activity_update(activity=first, actor=admin_user,
                                         performed_at=timezone.now() - 65 * DAY)
        lead = fresh(lead)
        assert lead.last_contact_date == first.performed_at  # the later of -65 and -70 days
        assert lead.score == 0  # 10 points, no recent activity, decay 30: clamped at 0

    def test_a_planned_activity_counts_as_now_never_later(self, firm, admin_user):
        lead = make_lead(firm)
        planned = make_activity(firm, entity=lead, performed_at=timezone.now() + 10 * DAY)
        services.activity_update(activity=planned, actor=admin_user, notes="Agenda sent")
        contact = fresh(lead).last_contact_date
        assert contact is not None and contact <= timezone.now()

    def test_api_and_page_edits_go_through_it(self, api, client, firm, admin_user):
        lead = make_lead(firm)
        old = make_activity(firm, entity=lead, performed_at=timezone.now() - 20 * DAY)
        recent = make_activity(firm, entity=lead, performed_at=timezone.now() - DAY)
        assert api.delete(f"/api/v1/activities/{recent.pk}").status_code == 200
        assert fresh(lead).last_contact_date == old.performed_at
        client.force_login(admin_user)
        client.post(reverse("crm:activity_delete", args=[old.pk]))
        assert fresh(lead).last_contact_date is None

    def test_stale_flag_is_left_alone(self, firm, admin_user):
        lead = make_lead(firm)
        activity = make_activity(firm, entity=lead)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact")
        services.activity_update(activity=activity, actor=admin_user, notes="typo")
        assert fresh(lead).is_stale is True  # an edit is not a new contact


# --- the customer's default price list ----------------------------------------------------


@pytest.mark.django_db
class TestDefaultPriceList:
    def test_api_sets_shows_and_clears_it(self, api, firm):
        price_list = PriceList.objects.create(firm=firm, code="PL1", name="List")
        created = api.post("/api/v1/customers", {"name": "Najd", "defaultPriceListId":
                                                 price_list.pk}, format="json")
        assert created.status_code == 201, created.content
        body = created.json()["data"]["customer"]
        assert body["defaultPriceListId"] == price_list.pk
        customer = Customer.objects.get(pk=body["id"])
        assert customer.default_price_list == price_list
        cleared = api.patch(f"/api/v1/customers/{customer.pk}", {"defaultPriceListId": None},
                            format="json")
        assert cleared.json()["data"]["customer"]["defaultPriceListId"] is None
        customer.refresh_from_db()
        assert customer.default_price_list is None

    def test_another_firms_list_is_a_validation_error(self, api, firm, other_firm):
        foreign = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        customer = make_customer(firm)
        error = assert_error(api.patch(f"/api/v1/customers/{customer.pk}",
                                       {"defaultPriceListId": foreign.pk}, format="json"),
                             400, "validation_error")
        assert set(error["details"]) == {"defaultPriceListId"}
        customer.refresh_from_db()
        assert customer.default_price_list is None

    def test_service_refuses_another_firms_list(self, firm, other_firm):
        from django.core.exceptions import ValidationError

        foreign = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        with pytest.raises(ValidationError) as raised:
            services.customer_create(firm=firm, actor=None, name="Crossed",
                                     default_price_list=foreign)
        assert set(raised.value.message_dict) == {"default_price_list"}

    def test_form_offers_the_firms_lists_and_the_page_shows_it(self, client, firm,
                                                               other_firm, admin_user):
        ours = PriceList.objects.create(firm=firm, code="PL1", name="Wholesale")
        theirs = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        form = CustomerForm(user=admin_user)
        assert list(form.fields["default_price_list"].queryset) == [ours]
        assert theirs not in form.fields["default_price_list"].queryset
        client.force_login(admin_user)
        response = client.post(reverse("crm:customer_create"), {
            "name": "Hail Foods", "type": "company", "credit_limit": "0",
            "payment_terms": "net_30", "is_active": "on", "default_price_list": ours.pk,
            "owner": admin_user.pk,
            **{f"{prefix}-{key}": value for prefix in ("addresses", "contacts")
               for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                                  ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}})
        assert response.status_code == 302, response.content.decode()[:3000]
        customer = Customer.objects.get(firm=firm, name="Hail Foods")
        assert customer.default_price_list == ours
        detail = client.get(reverse("crm:customer_detail", args=[customer.pk]))
        assert "Wholesale" in detail.content.decode()

    def test_admin_offers_only_the_firms_lists(self, client, firm, other_firm, admin_user):
        ours = PriceList.objects.create(firm=firm, code="PL1", name="Wholesale")
        PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        client.force_login(admin_user)
        response = client.get(reverse("admin:crm_customer_add"))
        field = response.context["adminform"].form.fields["default_price_list"]
        assert list(field.queryset) == [ours]


# --- closed leads are not stale ---------------------------------------------------------


@pytest.mark.django_db
class TestClosedLeadsAreNotStale:
    @pytest.mark.parametrize("target", [LeadStatus.WON, LeadStatus.LOST,
                                        LeadStatus.DISQUALIFIED])
    def test_closing_clears_the_flag(self, firm, admin_user, target):
        make_pipeline(firm, is_default=True)
        start = LeadStatus.QUALIFIED if target == LeadStatus.DISQUALIFIED \
            else LeadStatus.NEGOTIATION
        lead = make_lead(firm, status=start)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact",
                                               stale_notified_at=timezone.now())
        services.lead_transition(lead=lead, target=target, actor=admin_user, reason="closed")
        lead = fresh(lead)
        assert (lead.status, lead.is_stale, lead.stale_reason, lead.stale_notified_at) == (
            target, False, "", None)
        assert lead.history.latest().is_stale is False  # in the transition's history row
        # The stale job never flags it again, however long it waits.
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=timezone.now() - 400 * DAY)
        assert services.leads_flag_stale(now=timezone.now()) == []
        assert fresh(lead).is_stale is False

    def test_an_open_move_keeps_the_flag(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.CONTACTED)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact")
        services.lead_transition(lead=lead, target=LeadStatus.QUALIFIED, actor=admin_user)
        assert fresh(lead).is_stale is True


# --- queryset updates invalidate the dashboards -------------------------------------------


@pytest.mark.django_db
class TestDashboardInvalidation:
    def test_a_score_written_with_update_invalidates(self, firm, admin_user):
        lead = make_lead(firm)
        before = selectors.dashboard_crm(user=admin_user)["leads"]["average_score"]
        Lead.objects.filter(pk=lead.pk).update(score=100)
        after = selectors.dashboard_crm(user=admin_user)["leads"]["average_score"]
        assert (before, after) == (lead.score, 100)

    def test_only_the_changed_firms_dashboards(self, firm, other_firm, admin_user):
        make_lead(firm)
        ours, theirs = selectors.dashboard_version(firm.pk), selectors.dashboard_version(
            other_firm.pk)
        assert Lead.objects.filter(firm=firm).update(is_vip=True) == 1
        assert selectors.dashboard_version(firm.pk) > ours
        assert selectors.dashboard_version(other_firm.pk) == theirs

    def test_an_update_that_changes_nothing_keeps_the_cache(self, firm, admin_user):
        version = selectors.dashboard_version(firm.pk)
        assert Lead.objects.filter(firm=firm, pk=-1).update(score=1) == 0
        assert selectors.dashboard_version(firm.pk) == version

    def test_again_after_commit(self, firm, django_capture_on_commit_callbacks):
        lead = make_lead(firm)
        version = selectors.dashboard_version(firm.pk)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            Lead.objects.filter(pk=lead.pk).update(score=7)
        assert len(callbacks) == 1
        assert selectors.dashboard_version(firm.pk) == version + 2


# --- conflict status --------------------------------------------------------------------


@pytest.mark.django_db
def test_conflict_status_is_not_an_editable_field(firm, admin_user):
    assert "conflict_status" not in modelform_factory(Lead, fields="__all__").base_fields
    lead = make_lead(firm)
    response = client_for(admin_user).patch(f"/api/v1/leads/{lead.pk}",
                                            {"conflictStatus": "clear"}, format="json")
    assert response.status_code == 200
    assert fresh(lead).conflict_status == "not_checked"
