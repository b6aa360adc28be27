from core.api.urls import Router

from . import down_payments, orders, views

app_name = "sales-api"

router = Router()
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("sales-orders", orders.SalesOrderViewSet, basename="salesorder")
router.register("down-payments", down_payments.DownPaymentViewSet, basename="downpayment")
urlpatterns = [*router.urls]
