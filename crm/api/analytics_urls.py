from django.urls import re_path

from . import analytics

app_name = "crm-analytics"

urlpatterns = [
    re_path(r"^pipeline/metrics/?$", analytics.PipelineMetricsView.as_view(),
            name="pipeline-metrics"),
    re_path(r"^forecast/generate/?$", analytics.ForecastView.as_view(), name="forecast"),
    re_path(r"^dashboard/sales/?$", analytics.SalesDashboardView.as_view(),
            name="dashboard-sales"),
    re_path(r"^dashboard/crm/?$", analytics.CrmDashboardView.as_view(), name="dashboard-crm"),
]
