"""Lead score, business-rules §3, with exact numbers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.choices import Role
from crm import choices, services
from crm.models import Activity, Lead
from tests.factories import make_user

BANT = {
    "budget": {"unknown": 0, "under_10k": 10, "10k_50k": 20, "50k_100k": 30,
               "100k_500k": 40, "above_500k": 50},
    "authority": {"unknown": 0, "no_authority": 5, "influencer": 15, "recommender": 20,
                  "decision_maker": 30, "final_approver": 35},
    "need": {"unknown": 0, "no_need": 0, "exploring": 10, "researching": 15, "evaluating": 20,
             "urgent": 25, "critical": 30},
    "timeline": {"unknown": 0, "no_timeline": 5, "next_year": 10, "this_year": 15,
                 "this_quarter": 20, "this_month": 25, "this_week": 30, "immediate": 35},
}


BANT_CHOICES = {"budget": choices.Budget, "authority": choices.Authority,
                "need": choices.Need, "timeline": choices.Timeline}


DAY = datetime.timedelta(days=1)


def bare_lead(firm, **fields) -> Lead:
    """A lead worth 0 points: a first name only, nothing else that scores."""
    return services.lead_create(firm=firm, actor=None, first_name="Bare", **fields)


def stored_score(lead: Lead) -> int:
    return Lead.objects.values_list("score", flat=True).get(pk=lead.pk)


@pytest.fixture
def seller(firm):
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller")


def log(lead, actor, when):
    return services.activity_log(firm=lead.firm, actor=actor, type="call", entity_type="lead",
                                 entity_id=lead.pk, performed_at=when)



@pytest.mark.django_db
class TestBant:
    @pytest.mark.parametrize("field", list(BANT))
    def test_tables_cover_every_choice(self, field):
        assert set(BANT[field]) == set(BANT_CHOICES[field].values)

    @pytest.mark.parametrize(("field", "value", "points"),
                             [(f, v, p) for f, table in BANT.items() for v, p in table.items()])
    def test_each_value(self, firm, field, value, points):
        lead = bare_lead(firm, **{field: value})
        parts = services.lead_score_parts(lead=lead)
        assert getattr(parts, field) == points
        assert parts.total == points
        assert lead.score == stored_score(lead) == points

    def test_four_parts_add_up(self, firm):
        lead = bare_lead(firm, budget="50k_100k", authority="influencer", need="urgent",
                         timeline="this_year")
        assert stored_score(lead) == 30 + 15 + 25 + 15


@pytest.mark.django_db
class TestEngagement:
    @pytest.mark.parametrize(("fields", "part", "points"), [
        ({"email": "lead@example.com"}, "email", 5),
        ({"phone": "+966500000000"}, "phone", 5),
        ({"company": "Najd Logistics"}, "company", 5),
        ({"estimated_value": Decimal("0.01")}, "estimated_value", 10),
        ({"estimated_value": Decimal("0")}, "estimated_value", 0),
        ({"practice_area": "Commercial"}, "practice_area", 5),
        ({"is_vip": True}, "vip", 10),
        ({"is_vip": False}, "vip", 0),
    ])
    def test_each_item(self, firm, fields, part, points):
        lead = bare_lead(firm, **fields)
        parts = services.lead_score_parts(lead=lead)
        assert getattr(parts, part) == points
        assert parts.total == stored_score(lead) == points

    def test_conflict_check_clear_gives_ten(self, firm, admin_user):
        lead = bare_lead(firm)
        assert stored_score(lead) == 0
        lead = services.lead_conflict_check(lead=lead, actor=admin_user)
        assert lead.conflict_status == choices.ConflictStatus.CLEAR
        assert services.lead_score_parts(lead=lead).conflict_clear == 10
        assert stored_score(lead) == 10

    @pytest.mark.parametrize("status", [choices.ConflictStatus.NOT_CHECKED,
                                        choices.ConflictStatus.POTENTIAL,
                                        choices.ConflictStatus.CONFLICT])
    def test_other_conflict_statuses_give_nothing(self, firm, status):
        lead = bare_lead(firm)
        Lead.objects.filter(pk=lead.pk).update(conflict_status=status)
        lead.refresh_from_db()
        assert services.lead_score_parts(lead=lead).conflict_clear == 0
        assert services.lead_rescore(lead=lead) == 0

    def test_all_engagement_items(self, firm):
        lead = bare_lead(firm, email="a@example.com", phone="1", company="C",
                         estimated_value=Decimal("5000"), practice_area="Tax", is_vip=True)
        assert stored_score(lead) == 5 + 5 + 5 + 10 + 5 + 10


@pytest.mark.django_db
class TestActivityPoints:
    @pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 2), (3, 6), (9, 18), (10, 20),
                                                   (12, 20)])
    def test_two_per_activity_capped_at_twenty(self, firm, seller, count, points):
        lead = bare_lead(firm)
        now = timezone.now()
        for hours in range(count):
            log(lead, seller, now - datetime.timedelta(hours=hours + 1))
        parts = services.lead_score_parts(lead=lead)
        assert (parts.activities_last_30_days, parts.activity) == (count, points)
        assert parts.decay == 0
        assert stored_score(lead) == points

    def test_an_activity_31_days_old_is_not_counted(self, firm, seller):
        lead = bare_lead(firm)
        now = timezone.now()
        for hours in (1, 2, 3):
            log(lead, seller, now - datetime.timedelta(hours=hours))
        log(lead, seller, now - 31 * DAY)
        parts = services.lead_score_parts(lead=lead)
        assert (parts.activities_last_30_days, parts.activity) == (3, 6)
        assert stored_score(lead) == 6

    def test_only_this_leads_activities(self, firm, seller):
        lead, other = bare_lead(firm), bare_lead(firm)
        log(other, seller, timezone.now())
        services.activity_log(firm=firm, actor=seller, type="note", entity_type="customer",
                              entity_id=services.customer_create(firm=firm, actor=None,
                                                                 name="Cust").pk)
        assert services.lead_score_parts(lead=lead).activities_last_30_days == 0

    def test_a_planned_activity_is_not_yet_counted(self, firm, seller):
        """An activity dated next week was not logged "in the last 30 days"."""
        lead = bare_lead(firm)
        log(lead, seller, timezone.now() + 7 * DAY)
        parts = services.lead_score_parts(lead=lead)
        assert (parts.activities_last_30_days, parts.activity) == (0, 0)
        assert stored_score(lead) == 0


@pytest.mark.django_db
class TestDecay:
    @pytest.mark.parametrize(("days", "decay"), [(None, 0), (0, 0), (30, 0), (31, 10),
                                                 (60, 10), (61, 30), (400, 30)])
    def test_days_since_last_contact(self, firm, days, decay):
        lead = bare_lead(firm, budget="above_500k")  # 50 points, so the decay shows
        now = timezone.now()
        contact = None if days is None else now - days * DAY
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=contact)
        lead.refresh_from_db()
        parts = services.lead_score_parts(lead=lead, now=now)
        assert (parts.days_since_contact, parts.decay, parts.total) == (days, decay, 50 - decay)
        assert services.lead_rescore(lead=lead, now=now) == 50 - decay
        assert stored_score(lead) == 50 - decay


@pytest.mark.django_db
class TestClamp:
    def test_never_below_zero(self, firm):
        lead = bare_lead(firm, budget="under_10k")
        now = timezone.now()
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=now - 61 * DAY)
        lead.refresh_from_db()
        parts = services.lead_score_parts(lead=lead, now=now)
        assert (parts.budget, parts.decay, parts.total) == (10, 30, 0)
        assert services.lead_rescore(lead=lead, now=now) == 0 == stored_score(lead)

    def test_never_above_150(self, firm, admin_user, seller):
        lead = services.lead_create(
            firm=firm, actor=None, first_name="Top", company="Top Co", email="t@example.com",
            phone="1", estimated_value=Decimal("1000000"), practice_area="M&A", is_vip=True,
            budget="above_500k", authority="final_approver", need="critical",
            timeline="immediate")
        lead = services.lead_conflict_check(lead=lead, actor=admin_user)
        for hours in range(10):
            log(lead, seller, timezone.now() - datetime.timedelta(hours=hours + 1))
        lead.refresh_from_db()
        parts = services.lead_score_parts(lead=lead)
        raw = (parts.budget + parts.authority + parts.need + parts.timeline + parts.email
               + parts.phone + parts.company + parts.estimated_value + parts.practice_area
               + parts.conflict_clear + parts.vip + parts.activity - parts.decay)
        assert raw == 150 + 50 + 20
        assert parts.total == 150
        assert stored_score(lead) == 150


@pytest.mark.django_db
class TestRecomputed:
    def test_on_create(self, firm):
        lead = bare_lead(firm, email="a@example.com")
        assert stored_score(lead) == 5
        assert Lead.objects.get(pk=lead.pk).scored_at is not None

    def test_on_update(self, firm, admin_user):
        lead = bare_lead(firm)
        services.lead_update(lead=lead, actor=admin_user, budget="100k_500k", phone="1")
        assert stored_score(lead) == 45

    def test_on_activity_logged_changed_and_deleted(self, firm, seller):
        lead = bare_lead(firm)
        activity = log(lead, seller, timezone.now() - datetime.timedelta(hours=1))
        assert stored_score(lead) == 2
        services.activity_update(activity=activity, actor=seller,
                                 performed_at=timezone.now() - 45 * DAY)
        assert stored_score(lead) == 0
        services.activity_update(activity=activity, actor=seller,
                                 performed_at=timezone.now() - DAY)
        assert stored_score(lead) == 2
        services.activity_delete(activity=activity, actor=seller)
        assert not Activity.objects.filter(pk=activity.pk).exists()
        assert stored_score(lead) == 0

    def test_on_conflict_check(self, firm, admin_user):
        lead = bare_lead(firm, phone="1")
        services.lead_conflict_check(lead=lead, actor=admin_user)
        assert stored_score(lead) == 15

    def test_score_cannot_be_written_directly(self, firm, admin_user):
        lead = bare_lead(firm)
        with pytest.raises(ValidationError) as refused:
            services.lead_update(lead=lead, actor=admin_user, score=99)
        assert "score" in refused.value.message_dict
        assert stored_score(lead) == 0
