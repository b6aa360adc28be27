"""Activity logging and editing: a lead's last contact, stale flag, audit row and score, and
who reaches which activities (crm.querysets)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.choices import Role
from core.scoping import scope_for
from crm import services
from crm.choices import LeadTransactionType
from crm.models import Activity, Lead, LeadTransaction
from tests.crm.factories import (
    SELLER_ACTIVITIES,
    make_activity,
    make_case,
    make_customer,
    make_lead,
)
from tests.factories import make_user

DAY = datetime.timedelta(days=1)


ORIGIN = {"ip_address": "192.0.2.10", "user_agent": "pytest"}


@pytest.fixture
def seller(firm):
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller")


def stale_lead(firm, **fields) -> Lead:
    lead = services.lead_create(firm=firm, actor=None, first_name="Sara", **fields)
    Lead.objects.filter(pk=lead.pk).update(
        is_stale=True, stale_reason="No contact in 3+ days",
        stale_notified_at=timezone.now() - DAY, last_contact_date=timezone.now() - 10 * DAY)
    return Lead.objects.get(pk=lead.pk)


def log(lead, actor, **fields):
    fields = {"type": "call", **fields}
    return services.activity_log(firm=lead.firm, actor=actor, entity_type="lead",
                                 entity_id=lead.pk, **fields)


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


@pytest.mark.django_db
class TestLogOnALead:
    def test_contact_clears_stale_writes_audit_and_rescoring(self, firm, seller):
        lead = stale_lead(firm)
        assert lead.score == 0
        when = timezone.now() - datetime.timedelta(hours=2)
        activity = log(lead, seller, performed_at=when, subject="Intro call", duration=15,
                       outcome="successful", notes="Keen", origin=ORIGIN)
        assert (activity.performed_by, activity.performed_at, activity.entity_type) == (
            seller, when, "lead")
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.last_contact_date == when
        assert (stored.is_stale, stored.stale_reason, stored.stale_notified_at) == (
            False, "", None)
        assert stored.score == 2
        [row] = LeadTransaction.objects.filter(lead=lead,
                                               type=LeadTransactionType.ACTIVITY_LOGGED)
        assert row.new_values == {"activity_id": activity.pk, "type": "call"}
        assert (row.actor, row.ip_address, row.user_agent) == (seller, "192.0.2.10", "pytest")

    def test_default_time_is_now(self, firm, seller):
        lead = stale_lead(firm)
        before = timezone.now()
        activity = log(lead, seller)
        assert before <= activity.performed_at <= timezone.now()
        assert Lead.objects.get(pk=lead.pk).last_contact_date == activity.performed_at

    def test_an_older_activity_does_not_move_last_contact_back(self, firm, seller):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        recent = log(lead, seller, performed_at=timezone.now() - DAY).performed_at
        log(lead, seller, performed_at=timezone.now() - 20 * DAY)
        assert Lead.objects.get(pk=lead.pk).last_contact_date == recent

    def test_a_future_dated_activity_is_contact_now_not_later(self, firm, seller):
        lead = stale_lead(firm)
        before = timezone.now()
        log(lead, seller, performed_at=timezone.now() + 7 * DAY)
        stored = Lead.objects.get(pk=lead.pk)
        assert before <= stored.last_contact_date <= timezone.now()
        assert stored.is_stale is False

    def test_each_activity_is_one_audit_row(self, firm, seller):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        for _ in range(3):
            log(lead, seller)
        assert LeadTransaction.objects.filter(
            lead=lead, type=LeadTransactionType.ACTIVITY_LOGGED).count() == 3
        assert Lead.objects.get(pk=lead.pk).score == 6


@pytest.mark.django_db
class TestRefused:
    def test_another_firms_lead(self, firm, other_firm, seller):
        foreign = stale_lead(other_firm)
        with pytest.raises(ValidationError) as refused:
            services.activity_log(firm=firm, actor=seller, type="call", entity_type="lead",
                                  entity_id=foreign.pk)
        assert "entity_id" in refused.value.message_dict
        assert not Activity.objects.exists()
        stored = Lead.objects.get(pk=foreign.pk)
        assert (stored.is_stale, stored.last_contact_date) == (True, foreign.last_contact_date)
        assert not LeadTransaction.objects.filter(
            lead=foreign, type=LeadTransactionType.ACTIVITY_LOGGED).exists()

    def test_a_quote_for_now(self, firm, seller):
        with pytest.raises(ValidationError) as refused:
            services.activity_log(firm=firm, actor=seller, type="call", entity_type="quote",
                                  entity_id=1)
        assert "entity_id" in refused.value.message_dict
        assert not Activity.objects.exists()

    def test_a_missing_record(self, firm, seller):
        with pytest.raises(ValidationError):
            services.activity_log(firm=firm, actor=seller, type="call", entity_type="lead",
                                  entity_id=999_999)
        assert not Activity.objects.exists()

    def test_an_unknown_type(self, firm, seller):
        lead = stale_lead(firm)
        with pytest.raises(ValidationError) as refused:
            log(lead, seller, type="telepathy")
        assert "type" in refused.value.message_dict
        assert not Activity.objects.exists()
        assert Lead.objects.get(pk=lead.pk).is_stale is True

    def test_moving_an_activity_to_another_record(self, firm, seller):
        lead = stale_lead(firm)
        activity = log(lead, seller)
        with pytest.raises(ValidationError):
            services.activity_update(activity=activity, actor=seller, entity_id=lead.pk + 1)
        assert Activity.objects.get(pk=activity.pk).entity_id == lead.pk


@pytest.mark.django_db
class TestOtherRecords:
    @pytest.mark.parametrize("kind", ["customer", "case"])
    def test_customer_and_case(self, firm, seller, kind):
        record = make_customer(firm) if kind == "customer" else make_case(firm)
        activity = services.activity_log(firm=firm, actor=seller, type="meeting",
                                         entity_type=kind, entity_id=record.pk)
        assert (activity.entity_type, activity.entity_id, activity.firm) == (
            kind, record.pk, firm)
        assert not LeadTransaction.objects.filter(
            type=LeadTransactionType.ACTIVITY_LOGGED).exists()

    def test_history_names_the_actor(self, firm, seller):
        lead = stale_lead(firm)
        activity = log(lead, seller)
        assert activity.history.first().history_user == seller


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

    def test_stale_flag_is_left_alone(self, firm, admin_user):
        lead = make_lead(firm)
        activity = make_activity(firm, entity=lead)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact")
        services.activity_update(activity=activity, actor=admin_user, notes="typo")
        assert fresh(lead).is_stale is True  # an edit is not a new contact


@pytest.mark.django_db
class TestActivityScope:

    def test_the_scope_is_one_query(self, world):
        with CaptureQueriesContext(connection) as queries:
            rows = list(scope_for(Activity.objects.all(), user=world["seller"]))
        assert len(rows) == len(SELLER_ACTIVITIES) and len(queries) == 1
