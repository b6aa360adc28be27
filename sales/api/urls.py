from core.api.urls import Router

from . import views

app_name = "sales-api"

router = Router()
router.register("quotes", views.QuoteViewSet, basename="quote")
urlpatterns = [*router.urls]
