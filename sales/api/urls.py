from core.api.urls import Router

from . import down_payments, invoices, orders, views

app_name = "sales-api"

router = Router()
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("invoices", invoices.InvoiceViewSet, basename="invoice")
router.register("credit-notes", invoices.CreditNoteViewSet, basename="creditnote")
router.register("sales-orders", orders.SalesOrderViewSet, basename="salesorder")
router.register("down-payments", down_payments.DownPaymentViewSet, basename="downpayment")
urlpatterns = [*router.urls]
