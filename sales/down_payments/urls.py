"""Down payment staff pages, included by sales.urls under /sales/ (names in the `sales`
namespace: downpayment_<action>)."""

from django.urls import path

from sales.down_payments.views import (
    DownPaymentActionView,
    DownPaymentDeleteView,
    DownPaymentDetailView,
    DownPaymentFormView,
    DownPaymentListView,
)

urlpatterns = [
    path("down-payments/", DownPaymentListView.as_view(), name="downpayment_list"),
    path("down-payments/new/", DownPaymentFormView.as_view(), name="downpayment_create"),
    path("down-payments/<int:pk>/", DownPaymentDetailView.as_view(),
         name="downpayment_detail"),
    path("down-payments/<int:pk>/edit/", DownPaymentFormView.as_view(),
         name="downpayment_update"),
    path("down-payments/<int:pk>/delete/", DownPaymentDeleteView.as_view(),
         name="downpayment_delete"),
    path("down-payments/<int:pk>/<str:action>/", DownPaymentActionView.as_view(),
         name="downpayment_action"),
]
