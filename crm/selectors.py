"""Read-side CRM figures: pipeline metrics, forecast and dashboards (§6;
business-rules §12). Everything starts from the caller's scope (core.scoping.scope_for)."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Avg, Case, Count, F, Q, Sum, When
from django.utils import timezone

from core.money import round_money
from core.scoping import scope_for

from .choices import ActivityEntity, LeadStatus, LeadTransactionType
from .dashboard_cache import dashboard_version
from .models import Activity, Lead, LeadTransaction, Pipeline

FORECAST_STATUSES = [LeadStatus.QUALIFIED, LeadStatus.PROPOSAL, LeadStatus.NEGOTIATION]
DEFAULT_PROBABILITY = Decimal("50")
DASHBOARD_SECONDS = 300
HUNDRED = Decimal("100")
# A won deal is worth its actual value once recorded, its estimate until then.
DEAL_VALUE = Case(When(actual_value__gt=0, then=F("actual_value")), default=F("estimated_value"))


def _percent(part, whole) -> Decimal:
    return round_money(Decimal(part) * HUNDRED / Decimal(whole)) if whole else Decimal("0.00")


def _days(delta: datetime.timedelta) -> Decimal:
    return Decimal(delta.total_seconds()) / Decimal(86400)


def _in_range(queryset, field: str, start: datetime.date | None, end: datetime.date | None):
    if start:
        queryset = queryset.filter(**{f"{field}__date__gte": start})
    if end:
        queryset = queryset.filter(**{f"{field}__date__lte": end})
    return queryset


def pipeline_metrics(*, user, pipeline: Pipeline, start: datetime.date | None = None,
                     end: datetime.date | None = None) -> dict:
    """Stage breakdown (count, value, weighted value, average completed stay), conversion
    between stages and velocity (average days from creation to won), for leads created in
    the period."""
    leads = _in_range(scope_for(Lead.objects.all(), user=user).filter(pipeline=pipeline),
                      "created_at", start, end)
    stages = list(pipeline.stages.all())
    by_stage = {row["stage_id"]: row for row in leads.values("stage_id").annotate(
        count=Count("pk"), value=Sum("estimated_value"))}
    stays = _stage_stays(leads)
    breakdown, total, weighted, count = [], Decimal("0"), Decimal("0"), 0
    for stage in stages:
        row = by_stage.get(stage.pk, {"count": 0, "value": Decimal("0")})
        value = row["value"] or Decimal("0")
        stage_weighted = value * stage.probability / HUNDRED
        durations = stays.get(stage.pk, [])
        breakdown.append({
            "stage_id": stage.pk, "stage_name": stage.name, "stage_name_ar": stage.name_ar,
            "lead_count": row["count"], "total_value": round_money(value),
            "weighted_value": round_money(stage_weighted),
            "avg_days_in_stage": round_money(sum(durations) / len(durations)) if durations
            else None,
        })
        total, weighted, count = total + value, weighted + stage_weighted, count + row["count"]
    return {"pipeline_id": pipeline.pk, "total_value": round_money(total),
            "weighted_value": round_money(weighted), "lead_count": count,
            "stage_breakdown": breakdown,
            "conversion_rates": _conversions(leads, start, end),
            "velocity": _velocity(leads, start, end)}


def _stage_moves(leads):
    """Each lead's stage entries in time order: (lead_id, stage_id, time)."""
    rows = LeadTransaction.objects.filter(
        lead__in=leads.values("pk"),
        type__in=[LeadTransactionType.CREATED, LeadTransactionType.STATUS_CHANGED],
    ).order_by("lead_id", "created_at", "pk").values_list("lead_id", "new_values", "created_at")
    return [(lead_id, (values or {}).get("stage_id"), at) for lead_id, values, at in rows]


def _stage_stays(leads) -> dict[int, list[Decimal]]:
    """Completed stays per stage in days: from entering a stage to the next stage change."""
    stays: dict[int, list[Decimal]] = defaultdict(list)
    current: dict[int, tuple[int | None, datetime.datetime]] = {}
    for lead_id, stage_id, at in _stage_moves(leads):
        previous = current.get(lead_id)
        if previous and previous[0] is not None and previous[0] != stage_id:
            stays[previous[0]].append(_days(at - previous[1]))
        if previous is None or previous[0] != stage_id:
            current[lead_id] = (stage_id, at)
    return stays


def _conversions(leads, start, end) -> list[dict]:
    """Leads leaving stage A for stage B in the period, with the share of A's departures."""
    moves = _in_range(LeadTransaction.objects.filter(
        lead__in=leads.values("pk"), type=LeadTransactionType.STATUS_CHANGED), "created_at",
        start, end).values_list("previous_values", "new_values")
    pairs = Counter()
    for previous, new in moves:
        source, target = (previous or {}).get("stage_id"), (new or {}).get("stage_id")
        if source and target and source != target:
            pairs[(source, target)] += 1
    leaving = Counter()
    for (source, _target), number in pairs.items():
        leaving[source] += number
    return [{"from_stage_id": source, "to_stage_id": target, "count": number,
             "percent": _percent(number, leaving[source])}
            for (source, target), number in sorted(pairs.items())]


def _velocity(leads, start, end) -> dict:
    won = _in_range(LeadTransaction.objects.filter(
        lead__in=leads.values("pk"), type=LeadTransactionType.STATUS_CHANGED,
        new_values__status=LeadStatus.WON), "created_at", start, end).values_list(
        "created_at", "lead__created_at")
    days = [_days(won_at - created) for won_at, created in won]
    return {"won_count": len(days),
            "avg_days_to_win": round_money(sum(days) / len(days)) if days else None}


def forecast_generate(*, user, assignee_id: int | None = None,
                      start: datetime.date | None = None,
                      end: datetime.date | None = None) -> dict:
    """Best, most likely and worst case of the assignee's open deals closing in the period
    (probability 50 when unset; coefficients by probability band)."""
    leads = scope_for(Lead.objects.all(), user=user).filter(
        assigned_to_id=assignee_id or user.pk, status__in=FORECAST_STATUSES)
    if start:
        leads = leads.filter(expected_close_date__gte=start)
    if end:
        leads = leads.filter(expected_close_date__lte=end)
    totals = dict.fromkeys(["best_case", "most_likely", "worst_case", "pipeline_value",
                            "weighted_pipeline"], Decimal("0"))
    deals = []
    for lead in leads.order_by("expected_close_date", "pk"):
        value = lead.estimated_value or Decimal("0")
        probability = lead.probability if lead.probability is not None else DEFAULT_PROBABILITY
        weighted = value * probability / HUNDRED
        if probability >= 80:
            best, likely, worst = value, value * Decimal("0.9"), value * Decimal("0.7")
        elif probability >= 50:
            best, likely, worst = value, value * Decimal("0.6"), value * Decimal("0.3")
        else:
            best, likely, worst = value * Decimal("0.5"), value * Decimal("0.2"), Decimal("0")
        for key, amount in (("best_case", best), ("most_likely", likely), ("worst_case", worst),
                            ("pipeline_value", value), ("weighted_pipeline", weighted)):
            totals[key] += amount
        deals.append({"lead_id": lead.pk, "name": lead.display_name, "value": round_money(value),
                      "probability": probability, "expected_close": lead.expected_close_date,
                      "weighted": round_money(weighted)})
    return {"period": {"start": start, "end": end}, "user_id": assignee_id or user.pk,
            **{key: round_money(amount) for key, amount in totals.items()}, "deals": deals}


# --- dashboards (cached per firm and caller; any lead or activity change invalidates) -------


def _cached(name: str, user, start, end, build) -> dict:
    key = f"crm-{name}-{user.firm_id}-{dashboard_version(user.firm_id)}-{user.pk}-{start}-{end}"
    data = cache.get(key)
    if data is None:
        data = build()
        cache.set(key, data, DASHBOARD_SECONDS)
    return data


def _period(start, end) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return start or today.replace(day=1), end or today


def dashboard_sales(*, user, start: datetime.date | None = None,
                    end: datetime.date | None = None) -> dict:
    start, end = _period(start, end)
    return _cached("sales", user, start, end, lambda: _sales(user, start, end))


def _sales(user, start, end) -> dict:
    leads = scope_for(Lead.objects.all(), user=user)
    won = _won_in(leads, start, end)
    open_leads = leads.open()
    pipeline = Pipeline.objects.filter(firm_id=user.firm_id, is_default=True).first()
    metrics = pipeline_metrics(user=user, pipeline=pipeline, start=start, end=end) \
        if pipeline else None
    activities = _activities(user)
    week_start = timezone.localdate() - datetime.timedelta(days=6)
    alerts = _alerts(open_leads)
    leaderboard = list(won.exclude(assigned_to=None).values("assigned_to_id").annotate(
        won_count=Count("pk"), won_value=Sum(DEAL_VALUE)).order_by("-won_value")[:10])
    team = list(leads.exclude(assigned_to=None).values("assigned_to_id").annotate(
        open_count=Count("pk", filter=~Q(status__in=[LeadStatus.WON, LeadStatus.LOST,
                                                       LeadStatus.DISQUALIFIED])),
        won_count=Count("pk", filter=Q(pk__in=won.values("pk")))).order_by("assigned_to_id"))
    open_value = open_leads.aggregate(total=Sum("estimated_value"))["total"] or Decimal("0")
    return {
        "summary": {
            "total_revenue": round_money(won.aggregate(v=Sum(DEAL_VALUE))["v"] or 0),
            "pipeline_value": round_money(open_value),
            "weighted_pipeline": metrics["weighted_value"] if metrics else Decimal("0.00"),
            "activities_this_week": activities.filter(
                performed_at__date__gte=week_start).count(),
            "deals_at_risk": sum(1 for alert in alerts if alert["type"] == "deal_at_risk"),
        },
        "pipeline": metrics,
        "team": team,
        "activities": _recent(activities),
        "alerts": alerts,
        "forecast": forecast_generate(user=user, start=start, end=end),
        "leaderboard": leaderboard,
        "period": {"start": start, "end": end},
    }


def dashboard_crm(*, user, start: datetime.date | None = None,
                  end: datetime.date | None = None) -> dict:
    start, end = _period(start, end)
    return _cached("crm", user, start, end, lambda: _crm(user, start, end))


def _crm(user, start, end) -> dict:
    leads = scope_for(Lead.objects.all(), user=user)
    created = _in_range(leads, "created_at", start, end)
    by_status = dict(leads.values_list("status").annotate(n=Count("pk")))
    won = _won_in(leads, start, end).count()
    lost = _in_range(LeadTransaction.objects.filter(
        lead__in=leads.values("pk"), type=LeadTransactionType.STATUS_CHANGED,
        new_values__status=LeadStatus.LOST), "created_at", start, end).count()
    open_leads = leads.open()
    total = leads.count()
    quality = leads.aggregate(
        email=Count("pk", filter=~Q(email="")), phone=Count("pk", filter=~Q(phone="")),
        company=Count("pk", filter=~Q(company="")),
        qualified=Count("pk", filter=~Q(budget="unknown") & ~Q(authority="unknown")
                        & ~Q(need="unknown") & ~Q(timeline="unknown")))
    activities = _in_range(_activities(user), "performed_at", start, end)
    return {
        "leads": {"total": total, "new_in_period": created.count(),
                  "by_status": {status: by_status.get(status, 0) for status in LeadStatus.values},
                  "average_score": round_money(leads.aggregate(a=Avg("score"))["a"] or 0)},
        "deals": {"open": open_leads.count(), "stale": open_leads.filter(is_stale=True).count(),
                  "overdue_follow_ups": open_leads.filter(
                      next_follow_up_date__lt=timezone.localdate()).count(),
                  "open_value": round_money(open_leads.aggregate(
                      v=Sum("estimated_value"))["v"] or 0)},
        "activities": {"total": activities.count(),
                       "by_type": dict(activities.values_list("type").annotate(n=Count("pk")))},
        "conversions": {"won": won, "lost": lost, "win_rate": _percent(won, won + lost)},
        "data_quality": {"leads": total, **{f"with_{key}": _percent(value, total)
                                            for key, value in quality.items()}},
        "velocity": _velocity(leads, start, end),
        "period": {"start": start, "end": end},
    }


def _won_in(leads, start, end):
    won_ids = _in_range(LeadTransaction.objects.filter(
        type=LeadTransactionType.STATUS_CHANGED, new_values__status=LeadStatus.WON,
        lead__in=leads.values("pk")), "created_at", start, end).values("lead_id")
    return leads.filter(pk__in=won_ids)


def _activities(user):
    """Activities on the leads the user may see (and the user's own)."""
    leads = scope_for(Lead.objects.all(), user=user).values("pk")
    return Activity.objects.filter(firm_id=user.firm_id).filter(
        Q(entity_type=ActivityEntity.LEAD, entity_id__in=leads) | Q(performed_by=user))


def _recent(activities) -> list[dict]:
    return [{"id": a.pk, "type": a.type, "subject": a.subject, "entity_type": a.entity_type,
             "entity_id": a.entity_id, "performed_at": a.performed_at,
             "performed_by_id": a.performed_by_id}
            for a in activities.order_by("-performed_at", "-pk")[:10]]


def _alerts(open_leads) -> list[dict]:
    today = timezone.localdate()
    alerts = [{"type": "deal_at_risk", "lead_id": lead.pk, "name": lead.display_name,
               "reason": lead.stale_reason}
              for lead in open_leads.filter(is_stale=True).order_by("pk")[:50]]
    alerts += [{"type": "follow_up_overdue", "lead_id": lead.pk, "name": lead.display_name,
                "due": lead.next_follow_up_date}
               for lead in open_leads.filter(next_follow_up_date__lt=today).order_by("pk")[:50]]
    return alerts
