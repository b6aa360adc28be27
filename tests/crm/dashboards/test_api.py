"""Pipeline metrics, forecast and dashboards over the API."""

from decimal import Decimal

import pytest

from core.choices import Role
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.crm.factories import make_lead, make_pipeline
from tests.factories import make_user

D = Decimal


@pytest.mark.django_db
class TestAnalyticsApi:
    def test_endpoints_answer_in_the_envelope(self, api, firm):
        pipeline = make_pipeline(firm, is_default=True)
        make_lead(firm, pipeline=pipeline, estimated_value=D("100"))
        metrics = api.get("/api/v1/pipeline/metrics", {"pipelineId": pipeline.pk})
        assert metrics.status_code == 200
        assert metrics.json()["data"]["metrics"]["leadCount"] == 1
        assert api.get("/api/v1/pipeline/metrics").json()["data"]["metrics"][
            "pipelineId"] == pipeline.pk
        assert "bestCase" in api.get("/api/v1/forecast/generate").json()["data"]["forecast"]
        for path, sections in (("/api/v1/dashboard/sales", {"summary", "pipeline", "alerts",
                                                            "forecast", "leaderboard"}),
                               ("/api/v1/dashboard/crm", {"leads", "deals", "activities",
                                                          "conversions", "dataQuality",
                                                          "velocity"})):
            body = api.get(path).json()
            assert sections <= set(body["data"]["dashboard"])
            assert body["meta"]["cacheExpiry"] == 300
            # The firm's offset (Riyadh), as every other timestamp of the API.
            assert body["meta"]["generatedAt"].endswith("+03:00")

    @pytest.mark.parametrize("params", [{"startDate": "yesterday"},
                                        {"startDate": "2026-05-02", "endDate": "2026-05-01"},
                                        {"pipelineId": "x"}])
    def test_bad_parameters(self, api, params):
        assert_error(api.get("/api/v1/pipeline/metrics", params), 400, "validation_error")

    def test_foreign_pipeline_and_user_are_not_found(self, api, other_firm):
        foreign = make_pipeline(other_firm)
        stranger = make_user(firm=other_firm, role=Role.SALES_PERSON, username="stranger")
        assert_error(api.get("/api/v1/pipeline/metrics", {"pipelineId": foreign.pk}), 404,
                     "not_found")
        assert_error(api.get("/api/v1/forecast/generate", {"userId": stranger.pk}), 404,
                     "not_found")

    def test_forecast_of_others_by_role(self, users):
        seller = users[Role.SALES_PERSON]
        other = make_user(firm=seller.firm, role=Role.SALES_PERSON, username="other-seller")
        assert_error(client_for(seller).get("/api/v1/forecast/generate", {"userId": other.pk}),
                     403, "permission_denied")
        assert client_for(users[Role.ADMIN]).get(
            "/api/v1/forecast/generate", {"userId": other.pk}).status_code == 200

    @pytest.mark.parametrize("role", [Role.WAREHOUSE, Role.FINANCE])
    def test_roles_without_leads(self, users, role):
        assert_error(client_for(users[role]).get("/api/v1/dashboard/crm"), 403,
                     "permission_denied")
