"""Sales order staff pages, included by sales.urls under /sales/orders/ (names in the
`sales` namespace: salesorder_<action>)."""

from django.urls import path

from sales.common.urls import document_urlpatterns
from sales.orders import views

urlpatterns = document_urlpatterns(
    "", "salesorder", list_view=views.SalesOrderListView,
    detail_view=views.SalesOrderDetailView, create_view=views.SalesOrderFormView,
    update_view=views.SalesOrderFormView, delete_view=views.SalesOrderDeleteView,
    pdf_view=views.SalesOrderPdfView, transition_view=views.SalesOrderTransitionView, extra=(
        path("from-quote/<int:quote_pk>/", views.SalesOrderFromQuoteView.as_view(),
             name="salesorder_from_quote"),
    ))
