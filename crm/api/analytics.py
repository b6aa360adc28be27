"""Pipeline metrics, forecast and dashboards: read-only endpoints over crm.selectors."""



from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.views import APIView

from core.api.responses import envelope
from core.choices import Role
from core.models import User
from core.scoping import scope_for
from core.services import firm_now

from .. import selectors
from ..models import Pipeline
from ..querysets import team_user_ids

PERIOD = [OpenApiParameter("startDate", OpenApiTypes.DATE),
          OpenApiParameter("endDate", OpenApiTypes.DATE)]


class Period(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    pipeline_id = serializers.IntegerField(required=False, min_value=1)
    user_id = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and end < start:
            raise ValidationError({"end_date": [_("The end date is before the start date.")]})
        return attrs


def _query(request) -> dict:
    params = {"start_date": request.query_params.get("startDate"),
              "end_date": request.query_params.get("endDate"),
              "pipeline_id": request.query_params.get("pipelineId"),
              "user_id": request.query_params.get("userId")}
    serializer = Period(data={key: value for key, value in params.items() if value})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CrmReadView(APIView):
    """Needs crm.view_lead; figures come from the caller's own scope of leads."""

    required_permissions = ["crm.view_lead"]

    def get_required_permissions(self, action: str) -> list[str]:
        return self.required_permissions


class PipelineMetricsView(CrmReadView):
    data_key = "metrics"

    @extend_schema(parameters=[OpenApiParameter("pipelineId", int), *PERIOD],
                   responses=OpenApiTypes.OBJECT, tags=["crm"])
    def get(self, request):
        """Stage breakdown, conversion rates and velocity."""
        query = _query(request)
        pipelines = Pipeline.objects.filter(firm_id=request.user.firm_id)
        pipeline = (get_object_or_404(pipelines, pk=query["pipeline_id"])
                    if "pipeline_id" in query else pipelines.filter(is_default=True).first())
        if pipeline is None:
            raise ValidationError({"pipelineId": [_("Name a pipeline: the firm has no default.")]})
        return envelope({"metrics": selectors.pipeline_metrics(
            user=request.user, pipeline=pipeline, start=query.get("start_date"),
            end=query.get("end_date"))})


class ForecastView(CrmReadView):
    data_key = "forecast"

    @extend_schema(parameters=[OpenApiParameter("userId", int), *PERIOD],
                   responses=OpenApiTypes.OBJECT, tags=["crm"])
    def get(self, request):
        """Best, most likely and worst case of a sales person's open deals."""
        query = _query(request)
        assignee = request.user
        if "user_id" in query:
            assignee = get_object_or_404(scope_for(User.objects.all(), user=request.user),
                                         pk=query["user_id"])
            if not _may_forecast(request.user, assignee):
                raise PermissionDenied()
        return envelope({"forecast": selectors.forecast_generate(
            user=request.user, assignee_id=assignee.pk, start=query.get("start_date"),
            end=query.get("end_date"))})


def _may_forecast(user: User, assignee: User) -> bool:
    if user.pk == assignee.pk or user.role == Role.ADMIN:
        return True
    return user.role == Role.SALES_MANAGER and assignee.pk in team_user_ids(user)


class DashboardView(CrmReadView):
    data_key = "dashboard"
    build = None

    @extend_schema(parameters=PERIOD, responses=OpenApiTypes.OBJECT, tags=["crm"])
    def get(self, request):
        """Every section in one call, cached 300 s per firm and caller."""
        query = _query(request)
        data = type(self).build(user=request.user, start=query.get("start_date"),
                                end=query.get("end_date"))
        body = envelope({"dashboard": data})
        body.data["meta"] = {"generated_at": firm_now(firm=request.user.firm),
                             "cache_expiry": selectors.DASHBOARD_SECONDS}
        return body


class SalesDashboardView(DashboardView):
    build = staticmethod(selectors.dashboard_sales)


class CrmDashboardView(DashboardView):
    build = staticmethod(selectors.dashboard_crm)


