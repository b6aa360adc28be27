"""Lead score, exactly as business-rules §3."""

import datetime
from dataclasses import asdict, dataclass

from django.utils import timezone

from ..choices import ActivityEntity, ConflictStatus
from ..models import Activity, Lead

BANT_POINTS = {
    "budget": {"unknown": 0, "under_10k": 10, "10k_50k": 20, "50k_100k": 30,
               "100k_500k": 40, "above_500k": 50},
    "authority": {"unknown": 0, "no_authority": 5, "influencer": 15, "recommender": 20,
                  "decision_maker": 30, "final_approver": 35},
    "need": {"unknown": 0, "no_need": 0, "exploring": 10, "researching": 15, "evaluating": 20,
             "urgent": 25, "critical": 30},
    "timeline": {"unknown": 0, "no_timeline": 5, "next_year": 10, "this_year": 15,
                 "this_quarter": 20, "this_month": 25, "this_week": 30, "immediate": 35},
}
ACTIVITY_WINDOW_DAYS = 30
POINTS_PER_ACTIVITY, ACTIVITY_CAP = 2, 20
MAX_SCORE = 150


@dataclass(frozen=True)
class LeadScore:
    budget: int
    authority: int
    need: int
    timeline: int
    email: int
    phone: int
    company: int
    estimated_value: int
    practice_area: int
    conflict_clear: int
    vip: int
    activities_last_30_days: int
    activity: int
    days_since_contact: int | None
    decay: int
    total: int

    def as_dict(self) -> dict:
        return asdict(self)


def lead_score_parts(*, lead: Lead, now: datetime.datetime | None = None,
                     recent_activities: int | None = None) -> LeadScore:
    """Every part of the lead's score; `recent_activities` saves the count query in bulk."""
    now = now or timezone.now()
    if recent_activities is None:
        recent_activities = Activity.objects.filter(
            firm_id=lead.firm_id, entity_type=ActivityEntity.LEAD, entity_id=lead.pk,
            performed_at__gte=now - datetime.timedelta(days=ACTIVITY_WINDOW_DAYS),
            performed_at__lte=now,  # a planned (future-dated) activity has not happened yet
        ).count() if lead.pk else 0
    bant = {name: BANT_POINTS[name].get(getattr(lead, name), 0) for name in BANT_POINTS}
    engagement = {
        "email": 5 if lead.email else 0,
        "phone": 5 if lead.phone else 0,
        "company": 5 if lead.company else 0,
        "estimated_value": 10 if (lead.estimated_value or 0) > 0 else 0,
        "practice_area": 5 if lead.practice_area else 0,
        "conflict_clear": 10 if lead.conflict_status == ConflictStatus.CLEAR else 0,
        "vip": 10 if lead.is_vip else 0,
    }
    activity = min(recent_activities * POINTS_PER_ACTIVITY, ACTIVITY_CAP)
    days = (now - lead.last_contact_date).days if lead.last_contact_date else None
    # Never contacted: no decay. Past 60 days the two steps add up (10 + 20 = 30).
    decay = 0 if days is None else (30 if days > 60 else 10 if days > 30 else 0)
    total = sum(bant.values()) + sum(engagement.values()) + activity - decay
    return LeadScore(**bant, **engagement, activities_last_30_days=recent_activities,
                     activity=activity, days_since_contact=days, decay=decay,
                     total=max(0, min(total, MAX_SCORE)))


def lead_rescore(*, lead: Lead, now: datetime.datetime | None = None) -> int:
    """Store the lead's current score. A derived value, so no history row is written."""
    now = now or timezone.now()
    score = lead_score_parts(lead=lead, now=now).total
    Lead.objects.filter(pk=lead.pk).update(score=score, scored_at=now)
    lead.score, lead.scored_at = score, now
    return score
