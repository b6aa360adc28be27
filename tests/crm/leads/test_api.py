"""Leads over the API: the contract, the state machine, score, summary, assignment, stage
moves and deletion."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.choices import Role
from crm.choices import LeadStatus, LeadTransactionType
from crm.models import (
    Activity,
    Lead,
    LeadTransaction,
    Notification,
)
from tests.conftest import client_for
from tests.contracts.api import (
    ALL,
    WORK,
    ApiContract,
    assert_error,
    assert_params_refused,
    reference_cases,
)
from tests.crm import RoleScopedContract
from tests.crm.factories import (
    make_activity,
    make_campaign,
    make_lead,
    make_pipeline,
)
from tests.crm.leads.deletion import assert_lead_gone
from tests.factories import make_user

PATH = "/api/v1/leads"


class TestLeadsApi(RoleScopedContract, ApiContract):
    model = Lead
    factory = make_lead
    scope_field = "assigned_to"
    path = PATH
    key, plural = "lead", "leads"
    sort_fields = ["createdAt", "score", "estimatedValue", "expectedCloseDate", "lastName"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: WORK}
    search = {"company": "Qassim Dates Co."}, "qassim dates"

    def create_payload(self, firm):
        return {"firstName": "Sami", "lastName": "Al-Otaibi", "company": "Tihama Co",
                "email": "sami@tihama.example", "budget": "50k_100k",
                "estimatedValue": 12000, "source": "referral",
                "expectedCloseDate": "2026-09-30"}

    def invalid_payload(self, firm):
        return {"firstName": "Amal", "budget": "lots"}, "budget"

    def update_payload(self, obj):
        return {"phone": "+966500000009", "need": "evaluating"}

    def filter_cases(self, firm):
        pipeline = make_pipeline(firm)
        seller = make_user(firm=firm, role=Role.SALES_PERSON)
        campaign = make_campaign(firm)
        hot = self.make(firm, pipeline=pipeline, source="referral", is_vip=True,
                        budget="above_500k", assigned_to=seller, campaign=campaign,
                        expected_close_date=datetime.date(2026, 3, 1))
        cold = self.make(firm, status=LeadStatus.CONTACTED, source="website",
                         expected_close_date=datetime.date(2026, 6, 1))
        stale = self.make(firm)
        Lead.objects.filter(pk=stale.pk).update(is_stale=True)
        return [({"status": "contacted"}, cold, hot),
                ({"status": "new,qualified"}, hot, cold),
                *reference_cases("stage", hot.stage_id, hot, cold),
                *reference_cases("pipeline", pipeline.pk, hot, cold),
                *reference_cases("assignedTo", seller.pk, hot, cold),
                ({"source": "referral"}, hot, cold),
                ({"scoreMin": "50"}, hot, cold),
                ({"scoreMax": "20"}, cold, hot),
                ({"isStale": "true"}, stale, hot),
                ({"isVip": "true"}, hot, cold),
                *self.date_cases(firm),
                ({"expectedCloseFrom": "2026-04-01"}, cold, hot),
                ({"expectedCloseTo": "2026-04-01"}, hot, cold),
                *reference_cases("campaign", campaign.pk, hot, cold)]

    def test_bad_filter_values_are_refused(self, api):
        assert_params_refused(api, self.path, {"status": "asleep", "scoreMin": "high"})


# --- create and edit ----------------------------------------------------------------------


@pytest.mark.django_db
class TestLeadWrites:
    def test_create_places_in_default_pipeline_scores_and_logs(self, api, firm, admin_user):
        pipeline = make_pipeline(firm, is_default=True)
        response = api.post(PATH, {"firstName": "Reem", "company": "Gulf Foods",
                                   "email": "reem@gulf.example", "budget": "10k_50k"},
                            format="json", HTTP_USER_AGENT="pytest-agent")
        assert response.status_code == 201, response.content
        lead = response.json()["data"]["lead"]
        assert (lead["status"], lead["pipelineId"]) == ("new", pipeline.pk)
        assert lead["stageId"] == pipeline.stages.get(status="new").pk
        assert lead["score"] == 20 + 5 + 5
        [created] = LeadTransaction.objects.filter(lead_id=lead["id"])
        assert (created.type, created.actor_id) == (LeadTransactionType.CREATED, admin_user.pk)
        assert created.user_agent == "pytest-agent"

    def test_status_and_score_are_read_only(self, api, firm):
        lead = make_lead(firm)
        company = lead.company
        error = assert_error(api.patch(f"{PATH}/{lead.pk}", {
            "status": "won", "score": 150, "lastContactDate": "2026-01-01",
            "company": "Renamed"}, format="json"), 400, "validation_error")
        assert sorted(error["details"]) == ["lastContactDate", "score", "status"]
        lead.refresh_from_db()
        assert (lead.status, lead.company) == ("new", company)
        assert lead.score != 150
        # Sent back as read, they pass and the rest is saved.
        shown = api.get(f"{PATH}/{lead.pk}").json()["data"]["lead"]
        response = api.patch(f"{PATH}/{lead.pk}", {
            "status": shown["status"], "score": shown["score"], "company": "Renamed"},
            format="json")
        assert response.status_code == 200, response.content
        lead.refresh_from_db()
        assert (lead.status, lead.company) == ("new", "Renamed")

    def test_assignee_changes_only_through_assign(self, api, firm, users):
        lead = make_lead(firm, assigned_to=users[Role.SALES_MANAGER])
        same = api.put(f"{PATH}/{lead.pk}", {"firstName": lead.first_name,
                                             "company": "Same assignee",
                                             "assignedToId": lead.assigned_to_id},
                       format="json")
        assert same.status_code == 200, same.content
        error = assert_error(api.patch(f"{PATH}/{lead.pk}",
                                       {"assignedToId": users[Role.SALES_PERSON].pk},
                                       format="json"), 400, "validation_error")
        assert "assignedTo" in error["details"]
        lead.refresh_from_db()
        assert lead.assigned_to_id == users[Role.SALES_MANAGER].pk

    def test_deal_team_with_splits(self, api, firm, users):
        seller, manager = users[Role.SALES_PERSON], users[Role.SALES_MANAGER]
        payload = {"company": "Team deal", "team": [
            {"userId": seller.pk, "splitPercent": 60}, {"userId": manager.pk,
                                                        "splitPercent": 40}]}
        response = api.post(PATH, payload, format="json")
        assert response.status_code == 201, response.content
        team = response.json()["data"]["lead"]["team"]
        assert sorted(team, key=lambda member: member["splitPercent"]) == [
            {"userId": manager.pk, "splitPercent": 40.0},
            {"userId": seller.pk, "splitPercent": 60.0}]
        # The team member sees the lead they share.
        lead_id = response.json()["data"]["lead"]["id"]
        assert client_for(seller).get(f"{PATH}/{lead_id}").status_code == 200
        bad = {"company": "Bad split", "team": [{"userId": seller.pk, "splitPercent": 70},
                                                {"userId": manager.pk, "splitPercent": 20}]}
        error = assert_error(api.post(PATH, bad, format="json"), 400, "validation_error")
        assert "team" in error["details"]
        assert not Lead.objects.filter(company="Bad split").exists()

    def test_references_of_another_firm_are_refused(self, api, firm, other_firm):
        foreign_pipeline = make_pipeline(other_firm)
        payload = {"company": "Crossed", "pipelineId": foreign_pipeline.pk,
                   "stageId": foreign_pipeline.stages.first().pk,
                   "assignedToId": make_user(firm=other_firm).pk,
                   "campaignId": make_campaign(other_firm).pk,
                   "team": [{"userId": make_user(firm=other_firm).pk}]}
        error = assert_error(api.post(PATH, payload, format="json"), 400, "validation_error")
        assert set(error["details"]) == {"pipelineId", "stageId", "assignedToId", "campaignId",
                                         "team.0.userId"}
        assert not Lead.objects.filter(company="Crossed").exists()

    def test_sales_person_sees_only_their_leads(self, firm, users):
        seller = users[Role.SALES_PERSON]
        mine, other = make_lead(firm, assigned_to=seller), make_lead(firm)
        client = client_for(seller)
        listed = [row["id"] for row in client.get(PATH).json()["data"]["leads"]]
        assert listed == [mine.pk]
        assert_error(client.get(f"{PATH}/{other.pk}"), 404, "not_found")
        assert_error(client.post(f"{PATH}/{other.pk}/transition", {"status": "contacted"},
                                 format="json"), 404, "not_found")


# --- transitions --------------------------------------------------------------------------


@pytest.mark.django_db
class TestLeadTransitions:
    def test_allowed_transition(self, api, firm, admin_user):
        pipeline = make_pipeline(firm, is_default=True)
        lead = make_lead(firm)
        response = api.post(f"{PATH}/{lead.pk}/transition",
                            {"status": "contacted", "reason": "Called back"}, format="json",
                            REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["message"] and body["messageAr"]
        answered = body["data"]["lead"]
        contacted = pipeline.stages.get(status="contacted")
        assert (answered["status"], answered["stageId"]) == ("contacted", contacted.pk)
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONTACTED
        row = LeadTransaction.objects.filter(lead=lead).latest("pk")
        assert row.type == LeadTransactionType.STATUS_CHANGED
        assert row.previous_values == {"status": "new",
                                       "stage_id": pipeline.stages.get(status="new").pk}
        assert row.new_values == {"status": "contacted", "stage_id": contacted.pk}
        assert (row.reason, row.actor_id, row.ip_address) == ("Called back", admin_user.pk,
                                                               "10.1.2.3")

    def test_refused_transition_changes_nothing(self, api, firm):
        lead = make_lead(firm)
        rows = LeadTransaction.objects.filter(lead=lead).count()
        history = lead.history.count()
        error = assert_error(api.post(f"{PATH}/{lead.pk}/transition", {"status": "won"},
                                      format="json"), 409, "invalid_transition")
        assert error["details"] == {"from": "new", "to": "won",
                                    "allowed": ["contacted", "disqualified"]}
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
        assert LeadTransaction.objects.filter(lead=lead).count() == rows
        assert lead.history.count() == history

    def test_won_is_terminal(self, api, firm):
        lead = make_lead(firm, status=LeadStatus.WON)
        error = assert_error(api.post(f"{PATH}/{lead.pk}/transition", {"status": "reopened"},
                                      format="json"), 409, "invalid_transition")
        assert error["details"]["allowed"] == []

    def test_lost_needs_a_reason(self, api, firm):
        lead = make_lead(firm, status=LeadStatus.PROPOSAL)
        rows = LeadTransaction.objects.filter(lead=lead).count()
        error = assert_error(api.post(f"{PATH}/{lead.pk}/transition",
                                      {"status": "lost", "reason": "  "}, format="json"),
                             400, "reason_required")
        assert error["details"] == {"reason": ["Say why the lead was lost."]}
        lead.refresh_from_db()
        assert lead.status == LeadStatus.PROPOSAL
        assert LeadTransaction.objects.filter(lead=lead).count() == rows
        response = api.post(f"{PATH}/{lead.pk}/transition",
                            {"status": "lost", "reason": "Chose a cheaper supplier"},
                            format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["lead"]["lostReason"] == "Chose a cheaper supplier"

    def test_won_creates_the_customer(self, api, firm):
        lead = make_lead(firm, status=LeadStatus.NEGOTIATION, company="Hail Cement")
        response = api.post(f"{PATH}/{lead.pk}/transition", {"status": "won"}, format="json")
        assert response.status_code == 200, response.content
        customer_id = response.json()["data"]["lead"]["customerId"]
        assert customer_id is not None
        customer = api.get(f"/api/v1/customers/{customer_id}").json()["data"]["customer"]
        assert customer["name"] == "Hail Cement"

    def test_unknown_status_is_a_validation_error(self, api, firm):
        lead = make_lead(firm)
        error = assert_error(api.post(f"{PATH}/{lead.pk}/transition", {"status": "asleep"},
                                      format="json"), 400, "validation_error")
        assert set(error["details"]) == {"status"}

    def test_roles(self, firm, users):
        lead = make_lead(firm)
        for role in (Role.WAREHOUSE, Role.FINANCE):
            assert_error(client_for(users[role]).post(
                f"{PATH}/{lead.pk}/transition", {"status": "contacted"}, format="json"),
                403, "permission_denied")
        response = client_for(users[Role.SALES_MANAGER]).post(
            f"{PATH}/{lead.pk}/transition", {"status": "contacted"}, format="json")
        assert response.status_code == 200


# --- score and summary --------------------------------------------------------------------


@pytest.mark.django_db
class TestScoreAndSummary:
    def test_score_parts(self, api, firm, users):
        lead = make_lead(firm, budget="10k_50k", authority="influencer", need="exploring",
                         timeline="this_year", email="a@b.example", phone="",
                         company="Abha Tourism", estimated_value=Decimal("1000"))
        for _ in range(2):
            make_activity(firm, entity=lead, actor=users[Role.SALES_MANAGER])
        response = api.get(f"{PATH}/{lead.pk}/score")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["score"] == {
            "budget": 20, "authority": 15, "need": 10, "timeline": 15, "email": 5,
            "phone": 0, "company": 5, "estimatedValue": 10, "practiceArea": 0,
            "conflictClear": 0, "vip": 0, "activitiesLast30Days": 2, "activity": 4,
            "daysSinceContact": 0, "decay": 0, "total": 84}
        lead.refresh_from_db()
        assert lead.score == 84

    def test_score_decays_and_clamps(self, api, firm):
        lead = make_lead(firm, budget="above_500k", authority="final_approver",
                         need="critical", timeline="immediate", phone="+966500000000",
                         practice_area="Commercial", estimated_value=Decimal("9"),
                         is_vip=True)
        Lead.objects.filter(pk=lead.pk).update(
            last_contact_date=timezone.now() - datetime.timedelta(days=61))
        score = api.get(f"{PATH}/{lead.pk}/score").json()["data"]["score"]
        assert (score["decay"], score["daysSinceContact"]) == (30, 61)
        # 50+35+30+35 + 5+5+5+10+5+10 - 30 = 160, clamped
        assert score["total"] == 150

    def test_summary(self, api, firm, users):
        make_pipeline(firm, is_default=True)
        lead = make_lead(firm, status=LeadStatus.NEGOTIATION, company="Red Sea Hotels")
        activity = make_activity(firm, entity=lead, actor=users[Role.SALES_MANAGER],
                                 subject="Pricing call")
        before = api.get(f"{PATH}/{lead.pk}/summary").json()["data"]["summary"]
        assert before["customer"] is None
        api.post(f"{PATH}/{lead.pk}/transition", {"status": "won"}, format="json")
        response = api.get(f"{PATH}/{lead.pk}/summary")
        assert response.status_code == 200, response.content
        summary = response.json()["data"]["summary"]
        assert set(summary) == {"lead", "score", "activities", "timeline", "customer"}
        assert summary["lead"]["id"] == lead.pk and summary["lead"]["status"] == "won"
        assert summary["score"]["total"] == summary["lead"]["score"]
        assert [row["id"] for row in summary["activities"]] == [activity.pk]
        types = [row["type"] for row in summary["timeline"]]
        assert types[0] == "created" and "activity_logged" in types
        assert types[-2:] == ["status_changed", "converted"]
        assert summary["timeline"][-2]["newValues"]["status"] == "won"
        assert summary["customer"]["name"] == "Red Sea Hotels"

    def test_warehouse_cannot_read_leads(self, firm, users):
        lead = make_lead(firm)
        client = client_for(users[Role.WAREHOUSE])
        for action in ("score", "summary"):
            assert_error(client.get(f"{PATH}/{lead.pk}/{action}"), 403, "permission_denied")

    def test_other_firm_is_not_found(self, api, other_firm):
        lead = make_lead(other_firm)
        for action in ("score", "summary"):
            assert_error(api.get(f"{PATH}/{lead.pk}/{action}"), 404, "not_found")


# --- assignment ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestAssign:
    def test_assign_notifies_the_assignee(self, api, firm, users, admin_user):
        seller = users[Role.SALES_PERSON]
        lead = make_lead(firm, company="Jouf Olive Oil")
        response = api.post(f"{PATH}/{lead.pk}/assign", {"userId": seller.pk}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["lead"]["assignedToId"] == seller.pk
        assert response.json()["messageAr"]
        [notice] = Notification.objects.filter(user=seller)
        assert (notice.type, notice.entity_type, notice.entity_id) == (
            "lead_assigned", "lead", lead.pk)
        row = LeadTransaction.objects.filter(lead=lead).latest("pk")
        assert (row.type, row.previous_values, row.new_values, row.actor_id) == (
            "assigned", {"assigned_to_id": None}, {"assigned_to_id": seller.pk},
            admin_user.pk)
        # The seller now sees it and their notification.
        notices = client_for(seller).get("/api/v1/notifications").json()["data"]
        assert [n["id"] for n in notices["notifications"]] == [notice.pk]

    def test_unassign(self, api, firm, users):
        lead = make_lead(firm, assigned_to=users[Role.SALES_PERSON])
        response = api.post(f"{PATH}/{lead.pk}/assign", {"userId": None}, format="json")
        assert response.status_code == 200, response.content
        lead.refresh_from_db()
        assert lead.assigned_to_id is None

    def test_sales_person_may_not_assign(self, firm, users):
        seller = users[Role.SALES_PERSON]
        lead = make_lead(firm, assigned_to=seller)
        assert_error(client_for(seller).post(f"{PATH}/{lead.pk}/assign",
                                             {"userId": users[Role.ADMIN].pk},
                                             format="json"), 403, "permission_denied")
        lead.refresh_from_db()
        assert lead.assigned_to_id == seller.pk

    def test_user_of_another_firm_or_inactive_is_refused(self, api, firm, other_firm):
        lead = make_lead(firm)
        error = assert_error(api.post(f"{PATH}/{lead.pk}/assign",
                                      {"userId": make_user(firm=other_firm).pk},
                                      format="json"), 400, "validation_error")
        assert set(error["details"]) == {"userId"}
        gone = make_user(firm=firm, role=Role.SALES_PERSON, is_active=False)
        assert_error(api.post(f"{PATH}/{lead.pk}/assign", {"userId": gone.pk},
                              format="json"), 400, "validation_error")
        lead.refresh_from_db()
        assert lead.assigned_to_id is None
        assert not Notification.objects.exists()


# --- the board ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestMoveStage:
    def stages(self, firm):
        return make_pipeline(firm, is_default=True, stages=[
            {"name": "New", "status": "new", "probability": 10},
            {"name": "Discovery", "probability": 15},
            {"name": "Contacted", "status": "contacted", "probability": 20},
        ])

    def test_plain_stage_keeps_the_status(self, api, firm, admin_user):
        pipeline = self.stages(firm)
        new, discovery = pipeline.stages.order_by("order")[:2]
        lead = make_lead(firm)
        response = api.post(f"{PATH}/{lead.pk}/move-stage",
                            {"stageId": discovery.pk, "reason": "Demo booked"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["lead"]["stageId"] == discovery.pk
        assert response.json()["message"]
        lead.refresh_from_db()
        assert (lead.status, lead.stage_id) == ("new", discovery.pk)
        row = LeadTransaction.objects.filter(lead=lead).latest("pk")
        assert (row.type, row.reason, row.actor_id) == ("status_changed", "Demo booked",
                                                        admin_user.pk)
        assert row.previous_values == {"status": "new", "stage_id": new.pk}
        assert row.new_values == {"status": "new", "stage_id": discovery.pk}

    def test_status_stage_runs_the_transition(self, api, firm):
        pipeline = self.stages(firm)
        contacted = pipeline.stages.get(status="contacted")
        lead = make_lead(firm)
        response = api.post(f"{PATH}/{lead.pk}/move-stage", {"stageId": contacted.pk},
                            format="json")
        assert response.status_code == 200, response.content
        lead.refresh_from_db()
        assert (lead.status, lead.stage_id) == ("contacted", contacted.pk)

    def test_refused_status_stage_is_an_invalid_transition(self, api, firm):
        pipeline = self.stages(firm)
        lead = make_lead(firm, status=LeadStatus.DISQUALIFIED)
        stage = lead.stage_id
        error = assert_error(api.post(f"{PATH}/{lead.pk}/move-stage",
                                      {"stageId": pipeline.stages.get(status="new").pk},
                                      format="json"), 409, "invalid_transition")
        assert error["details"]["from"] == "disqualified"
        lead.refresh_from_db()
        assert (lead.status, lead.stage_id) == ("disqualified", stage)

    def test_stage_of_another_pipeline_or_firm(self, api, firm, other_firm):
        self.stages(firm)
        lead = make_lead(firm)
        elsewhere = make_pipeline(firm).stages.first()
        error = assert_error(api.post(f"{PATH}/{lead.pk}/move-stage",
                                      {"stageId": elsewhere.pk}, format="json"), 400,
                             "validation_error")
        assert "stage" in error["details"]
        foreign = make_pipeline(other_firm).stages.first()
        error = assert_error(api.post(f"{PATH}/{lead.pk}/move-stage", {"stageId": foreign.pk},
                                      format="json"), 400, "validation_error")
        assert set(error["details"]) == {"stageId"}
        before = lead.stage_id
        lead.refresh_from_db()
        assert lead.stage_id == before


@pytest.mark.django_db
class TestLeadDelete:

    def test_api(self, api, lead_with_links, admin_user):
        response = api.delete(f"/api/v1/leads/{lead_with_links['lead'].pk}")
        assert response.status_code == 200, response.content
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_sales_person_may_not_delete(self, lead_with_links, users):
        from tests.conftest import client_for

        lead = lead_with_links["lead"]
        client = client_for(users[Role.SALES_PERSON])
        assert_error(client.delete(f"/api/v1/leads/{lead.pk}"), 403, "permission_denied")
        assert Lead.objects.filter(pk=lead.pk).exists()

    def test_other_firms_lead_is_not_found(self, api, other_firm):
        foreign = make_lead(other_firm)
        make_activity(other_firm, entity=foreign)
        assert_error(api.delete(f"/api/v1/leads/{foreign.pk}"), 404, "not_found")
        assert Activity.objects.filter(entity_type="lead", entity_id=foreign.pk).count() == 1
