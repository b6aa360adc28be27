"""Sales order staff pages, included by sales.urls under /sales/orders/ (names in the
`sales` namespace: salesorder_<action>)."""

from django.urls import path

from sales.orders import views

urlpatterns = [
    path("", views.SalesOrderListView.as_view(), name="salesorder_list"),
    path("new/", views.SalesOrderFormView.as_view(), name="salesorder_create"),
    path("from-quote/<int:quote_pk>/", views.SalesOrderFromQuoteView.as_view(),
         name="salesorder_from_quote"),
    path("<int:pk>/", views.SalesOrderDetailView.as_view(), name="salesorder_detail"),
    path("<int:pk>/edit/", views.SalesOrderFormView.as_view(), name="salesorder_update"),
    path("<int:pk>/delete/", views.SalesOrderDeleteView.as_view(), name="salesorder_delete"),
    path("<int:pk>/pdf/", views.SalesOrderPdfView.as_view(), name="salesorder_pdf"),
    path("<int:pk>/<str:transition>/", views.SalesOrderTransitionView.as_view(),
         name="salesorder_transition"),
]
