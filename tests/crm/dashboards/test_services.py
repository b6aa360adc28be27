"""Pipeline metrics, forecast and dashboards (business-rules §12), exact numbers, and the
cache each dashboard keeps until leads or activities change."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.choices import Role
from crm import dashboard_cache, selectors, services
from crm.choices import LeadStatus, LeadTransactionType
from crm.models import Lead, LeadTransaction
from tests.crm.factories import make_lead, make_pipeline

D = Decimal


def _backdate(lead, *days_after_creation: float) -> None:
    """Put the lead's creation and each later stage move at fixed offsets from 30 days ago."""
    origin = timezone.now() - datetime.timedelta(days=30)
    rows = list(LeadTransaction.objects.filter(
        lead=lead, type__in=[LeadTransactionType.CREATED, LeadTransactionType.STATUS_CHANGED]
    ).order_by("created_at", "pk"))
    lead.__class__.objects.filter(pk=lead.pk).update(created_at=origin)
    for row, offset in zip(rows, (0, *days_after_creation), strict=True):
        LeadTransaction.objects.filter(pk=row.pk).update(
            created_at=origin + datetime.timedelta(days=offset))



@pytest.mark.django_db
class TestPipelineMetrics:
    def test_stage_values_weighted_by_probability(self, firm, admin_user):
        pipeline = make_pipeline(firm)
        for value in ("1000", "3000"):
            make_lead(firm, pipeline=pipeline, estimated_value=D(value),
                      status=LeadStatus.QUALIFIED)
        make_lead(firm, pipeline=pipeline, estimated_value=D("2000"), status=LeadStatus.PROPOSAL)
        metrics = selectors.pipeline_metrics(user=admin_user, pipeline=pipeline)
        stages = {row["stage_name"]: row for row in metrics["stage_breakdown"]}
        assert (stages["Qualified"]["lead_count"], stages["Qualified"]["total_value"],
                stages["Qualified"]["weighted_value"]) == (2, D("4000.00"), D("1600.00"))
        assert (stages["Proposal"]["lead_count"], stages["Proposal"]["weighted_value"]) == (
            1, D("1200.00"))
        assert stages["New"]["lead_count"] == 0
        assert (metrics["lead_count"], metrics["total_value"], metrics["weighted_value"]) == (
            3, D("6000.00"), D("2800.00"))

    def test_stays_conversions_and_velocity(self, firm, admin_user):
        pipeline = make_pipeline(firm)
        fast = make_lead(firm, pipeline=pipeline, status=LeadStatus.WON)
        _backdate(fast, 2, 5, 6, 10)  # new 2 d, contacted 3 d, qualified 1 d, proposal 4 d, won
        slow = make_lead(firm, pipeline=pipeline, status=LeadStatus.CONTACTED)
        _backdate(slow, 4)  # new 4 d, still contacted
        metrics = selectors.pipeline_metrics(user=admin_user, pipeline=pipeline)
        stays = {row["stage_name"]: row["avg_days_in_stage"]
                 for row in metrics["stage_breakdown"]}
        assert stays["New"] == D("3.00")  # (2 + 4) / 2
        assert (stays["Contacted"], stays["Qualified"], stays["Proposal"]) == (
            D("3.00"), D("1.00"), D("4.00"))
        assert stays["Won"] is None  # no completed stay yet
        ids = {stage.name: stage.pk for stage in pipeline.stages.all()}
        conversions = {(row["from_stage_id"], row["to_stage_id"]): (row["count"], row["percent"])
                       for row in metrics["conversion_rates"]}
        assert conversions[(ids["New"], ids["Contacted"])] == (2, D("100.00"))
        assert conversions[(ids["Proposal"], ids["Won"])] == (1, D("100.00"))
        assert metrics["velocity"] == {"won_count": 1, "avg_days_to_win": D("10.00")}

    def test_only_the_callers_scope(self, firm, users):
        pipeline = make_pipeline(firm)
        mine = make_lead(firm, pipeline=pipeline, assigned_to=users[Role.SALES_PERSON],
                         estimated_value=D("500"))
        make_lead(firm, pipeline=pipeline, assigned_to=users[Role.ADMIN],
                  estimated_value=D("9000"))
        metrics = selectors.pipeline_metrics(user=users[Role.SALES_PERSON], pipeline=pipeline)
        assert (metrics["lead_count"], metrics["total_value"]) == (1, mine.estimated_value)


@pytest.mark.django_db
def test_forecast_scenarios(firm, users):
    seller = users[Role.SALES_PERSON]
    close = timezone.localdate() + datetime.timedelta(days=10)
    for value, probability, status in (("1000", "90", LeadStatus.QUALIFIED),
                                       ("2000", "60", LeadStatus.PROPOSAL),
                                       ("500", "20", LeadStatus.NEGOTIATION),
                                       ("100", None, LeadStatus.PROPOSAL)):
        make_lead(firm, assigned_to=seller, estimated_value=D(value), status=status,
                  probability=D(probability) if probability else None, expected_close_date=close)
    make_lead(firm, assigned_to=seller, estimated_value=D("7000"), status=LeadStatus.NEW,
              expected_close_date=close)  # not an open deal yet
    make_lead(firm, assigned_to=seller, estimated_value=D("7000"), status=LeadStatus.QUALIFIED,
              expected_close_date=close + datetime.timedelta(days=90))  # outside the period
    forecast = selectors.forecast_generate(user=seller, start=timezone.localdate(),
                                           end=close + datetime.timedelta(days=1))
    assert (forecast["best_case"], forecast["most_likely"], forecast["worst_case"],
            forecast["pipeline_value"], forecast["weighted_pipeline"]) == (
        D("3350.00"), D("2260.00"), D("1330.00"), D("3600.00"), D("2250.00"))
    assert [deal["probability"] for deal in forecast["deals"]] == [D("90"), D("60"), D("20"),
                                                                   D("50")]


@pytest.mark.django_db
def test_dashboard_is_cached_and_invalidated_by_changes(firm, admin_user):
    first = selectors.dashboard_crm(user=admin_user)
    with CaptureQueriesContext(connection) as queries:
        again = selectors.dashboard_crm(user=admin_user)
    assert again == first and len(queries) == 0
    lead = make_lead(firm)
    assert selectors.dashboard_crm(user=admin_user)["leads"]["total"] == first["leads"][
        "total"] + 1
    services.lead_update(lead=lead, actor=admin_user, phone="+966500000000")
    data = selectors.dashboard_crm(user=admin_user)
    assert data["data_quality"]["with_phone"] == D("100.00")


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
        ours, theirs = (dashboard_cache.dashboard_version(firm.pk),
                        dashboard_cache.dashboard_version(other_firm.pk))
        assert Lead.objects.filter(firm=firm).update(is_vip=True) == 1
        assert dashboard_cache.dashboard_version(firm.pk) > ours
        assert dashboard_cache.dashboard_version(other_firm.pk) == theirs

    def test_an_update_that_changes_nothing_keeps_the_cache(self, firm, admin_user):
        version = dashboard_cache.dashboard_version(firm.pk)
        assert Lead.objects.filter(firm=firm, pk=-1).update(score=1) == 0
        assert dashboard_cache.dashboard_version(firm.pk) == version

    def test_again_after_commit(self, firm, django_capture_on_commit_callbacks):
        lead = make_lead(firm)
        version = dashboard_cache.dashboard_version(firm.pk)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            Lead.objects.filter(pk=lead.pk).update(score=7)
        assert len(callbacks) == 1
        assert dashboard_cache.dashboard_version(firm.pk) == version + 2
