"""crm staff pages, mounted at /crm/. Names are <model>_<action> (architecture §5.11)."""

from django.urls import path

from core.staff import pages

from . import views

app_name = "crm"



urlpatterns = [
    path("leads/board/", views.LeadBoardView.as_view(), name="lead_board"),
    *pages("leads", "lead", views.LeadListView, views.LeadDetailView, views.LeadFormView),
    path("leads/<int:pk>/delete/", views.LeadDeleteView.as_view(), name="lead_delete"),
    path("leads/<int:pk>/transition/<str:transition>/", views.LeadTransitionView.as_view(),
         name="lead_transition"),
    path("leads/<int:pk>/move/", views.LeadMoveView.as_view(), name="lead_move"),
    path("leads/<int:pk>/assign/", views.LeadAssignView.as_view(), name="lead_assign"),
    path("leads/<int:pk>/activities/", views.LeadActivityLogView.as_view(),
         name="lead_activity_log"),
    path("leads/<int:pk>/conflict-check/", views.LeadConflictCheckView.as_view(),
         name="lead_conflict_check"),
    *pages("customers", "customer", views.CustomerListView, views.CustomerDetailView,
           views.CustomerFormView),
    path("customers/<int:pk>/delete/", views.CustomerDeleteView.as_view(),
         name="customer_delete"),
    *pages("activities", "activity", views.ActivityListView, views.ActivityDetailView,
           views.ActivityFormView),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(),
         name="activity_delete"),
    *pages("campaigns", "campaign", views.CampaignListView, views.CampaignDetailView,
           views.CampaignFormView),
    path("campaigns/<int:pk>/delete/", views.CampaignDeleteView.as_view(),
         name="campaign_delete"),
    *pages("cases", "case", views.CaseListView, views.CaseDetailView, views.CaseFormView),
    path("cases/<int:pk>/delete/", views.CaseDeleteView.as_view(), name="case_delete"),
    *pages("sales-teams", "salesteam", views.SalesTeamListView, views.SalesTeamDetailView,
           views.SalesTeamFormView),
    *pages("sales-persons", "salesperson", views.SalesPersonListView,
           views.SalesPersonDetailView, views.SalesPersonFormView),
    path("sales-persons/<int:pk>/delete/", views.SalesPersonDeleteView.as_view(),
         name="salesperson_delete"),
    *pages("customer-groups", "customergroup", views.CustomerGroupListView,
           views.CustomerGroupDetailView, views.CustomerGroupFormView),
    *pages("territories", "territory", views.TerritoryListView, views.TerritoryDetailView,
           views.TerritoryFormView),
    *pages("pipelines", "pipeline", views.PipelineListView, views.PipelineDetailView,
           views.PipelineFormView),
    path("pipelines/<int:pk>/delete/", views.PipelineDeleteView.as_view(),
         name="pipeline_delete"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read/", views.NotificationMarkReadView.as_view(),
         name="notification_mark_read"),
    path("notifications/read-all/", views.NotificationMarkReadView.as_view(mark_all=True),
         name="notification_mark_all_read"),
]
