"""Pipelines with their ordered stages over the API, and their deletion."""

import datetime

import pytest

from core.choices import Role
from crm.models import (
    Pipeline,
    Stage,
)
from tests.contracts.api import ALL, READ, ApiContract, assert_error
from tests.crm.factories import (
    make_lead,
    make_pipeline,
)

PATH = "/api/v1/pipelines"


class TestPipelinesApi(ApiContract):
    path = PATH
    key, plural = "pipeline", "pipelines"
    model = Pipeline
    factory = make_pipeline
    sort_fields = ["createdAt", "name"]
    permissions = {Role.ADMIN: ALL, Role.SALES_MANAGER: ALL, Role.SALES_PERSON: READ}
    search = {"name": "Government tenders"}, "tenders"

    def create_payload(self, firm):
        return {"name": f"Enterprise {Pipeline.objects.count()}", "nameAr": "الشركات",
                "stages": [{"name": "New", "nameAr": "جديد", "probability": 10,
                            "status": "new"},
                           {"name": "Demo", "probability": 35},
                           {"name": "Won", "probability": 100, "status": "won"}]}

    def invalid_payload(self, firm):
        return {"name": "Bad odds", "stages": [{"name": "Sure", "probability": 150}]}, \
            "stages.0.probability"

    def update_payload(self, obj):
        return {"nameAr": "مسار معدل"}

    def filter_cases(self, firm):
        default = Pipeline.objects.filter(firm=firm, is_default=True).first() or self.make(
            firm, is_default=True)
        inactive = self.make(firm, is_active=False)
        old = self.make(firm)
        Pipeline.objects.filter(pk=old.pk).update(
            created_at=datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC))
        return [({"isDefault": "true"}, default, inactive),
                ({"isActive": "false"}, inactive, default),
                ({"endDate": "2025-01-15"}, old, default)]

    def test_stages_in_order_with_ids(self, api, firm):
        response = api.post(self.path, self.create_payload(firm), format="json")
        assert response.status_code == 201, response.content
        stages = response.json()["data"]["pipeline"]["stages"]
        assert [(row["name"], row["order"], row["probability"], row["status"])
                for row in stages] == [("New", 0, 10.0, "new"), ("Demo", 1, 35.0, ""),
                                       ("Won", 2, 100.0, "won")]
        assert all(isinstance(row["id"], int) for row in stages)

    def test_stages_are_reordered_edited_added_and_removed(self, api, firm):
        pipeline = self.make(firm, stages=[{"name": "A"}, {"name": "B"}, {"name": "C"}])
        a, b, c = pipeline.stages.order_by("order")
        response = api.patch(self.url(pipeline), {"stages": [
            {"id": c.pk, "name": "C", "probability": 50},
            {"id": a.pk, "name": "A renamed"},
            {"name": "D"}]}, format="json")
        assert response.status_code == 200, response.content
        rows = list(Stage.objects.filter(pipeline=pipeline).order_by("order"))
        assert [(row.name, row.order) for row in rows] == [("C", 0), ("A renamed", 1),
                                                           ("D", 2)]
        assert rows[0].pk == c.pk and rows[1].pk == a.pk
        assert not Stage.objects.filter(pk=b.pk).exists()
        assert [row["name"] for row in response.json()["data"]["pipeline"]["stages"]] == [
            "C", "A renamed", "D"]

    def test_stage_with_leads_cannot_be_removed(self, api, firm):
        pipeline = self.make(firm, is_default=True)
        lead = make_lead(firm)
        kept = [{"id": stage.pk, "name": stage.name} for stage in
                pipeline.stages.exclude(pk=lead.stage_id)]
        error = assert_error(api.patch(self.url(pipeline), {"stages": kept}, format="json"),
                             400, "validation_error")
        assert "stages" in error["details"]
        assert Stage.objects.filter(pk=lead.stage_id).exists()

    def test_one_default_per_firm(self, api, firm):
        first = self.make(firm, is_default=True)
        response = api.post(self.path, {"name": "New default", "isDefault": True},
                            format="json")
        assert response.status_code == 201, response.content
        first.refresh_from_db()
        assert first.is_default is False
        assert Pipeline.objects.get(pk=response.json()["data"]["pipeline"]["id"]).is_default

    def test_pipeline_in_use_is_protected(self, api, firm):
        pipeline = self.make(firm, is_default=True)
        make_lead(firm)
        assert_error(api.delete(self.url(pipeline)), 409, "protected")
        assert Pipeline.objects.filter(pk=pipeline.pk).exists()
        assert pipeline.stages.count() == 7

    def test_unused_pipeline_is_deleted_with_its_stages(self, api, firm):
        pipeline = self.make(firm)
        assert api.delete(self.url(pipeline)).status_code == 200
        assert not Stage.objects.filter(pipeline_id=pipeline.pk).exists()


@pytest.mark.django_db
def test_stage_status_is_a_lead_status(api, firm):
    error = assert_error(api.post(PATH, {"name": "Odd", "stages": [
        {"name": "Sleeping", "status": "asleep"}]}, format="json"), 400, "validation_error")
    assert "stages.0.status" in error["details"]


@pytest.mark.django_db
class TestPipelineDelete:
    def test_pipeline_with_leads_is_protected(self, api, firm):
        pipeline = make_pipeline(firm)
        make_lead(firm, pipeline=pipeline)
        make_lead(firm, pipeline=pipeline)
        error = assert_error(api.delete(f"/api/v1/pipelines/{pipeline.pk}"), 409, "protected")
        assert error["details"] == {"references": {"lead": 2}}
        assert "leads: 2" in error["message"]
        assert Stage.objects.filter(pipeline=pipeline).count() == 7
