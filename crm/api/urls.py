from core.api.urls import Router

from . import views

app_name = "crm-api"

router = Router()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("customer-groups", views.CustomerGroupViewSet, basename="customergroup")
router.register("territories", views.TerritoryViewSet, basename="territory")
router.register("sales-teams", views.SalesTeamViewSet, basename="salesteam")
router.register("sales-persons", views.SalesPersonViewSet, basename="salesperson")
router.register("leads", views.LeadViewSet, basename="lead")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("pipelines", views.PipelineViewSet, basename="pipeline")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("cases", views.CaseViewSet, basename="case")
router.register("notifications", views.NotificationViewSet, basename="notification")
urlpatterns = [*router.urls]
