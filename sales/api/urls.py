from core.api.urls import Router

from . import orders, views

app_name = "sales-api"

router = Router()
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("sales-orders", orders.SalesOrderViewSet, basename="salesorder")
urlpatterns = [*router.urls]
