"""sales API routes (docs/api.md). Invoicing adds its actions to the order and quote endpoints
(`sales-orders/{id}/invoice`, `quotes/{id}/convert`), so those two paths are served by the
invoicing package's subclasses of the orders' and quotes' viewsets."""

from core.api.urls import Router
from sales.down_payments.api.views import DownPaymentViewSet
from sales.invoicing.api.views import (
    CreditNoteViewSet,
    InvoiceViewSet,
    QuoteViewSet,
    SalesOrderViewSet,
)

app_name = "sales-api"

router = Router()
router.register("quotes", QuoteViewSet, basename="quote")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-notes", CreditNoteViewSet, basename="creditnote")
router.register("sales-orders", SalesOrderViewSet, basename="salesorder")
router.register("down-payments", DownPaymentViewSet, basename="downpayment")
urlpatterns = [*router.urls]
