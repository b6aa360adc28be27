"""Down payment staff pages, included by sales.urls under /sales/ (names in the `sales`
namespace: downpayment_<action>). Its actions are forms on the detail page posting to
`<action>/` (named downpayment_action), not confirm pages."""

from django.urls import path

from sales.common.urls import document_urlpatterns
from sales.down_payments import views

urlpatterns = document_urlpatterns(
    "down-payments/", "downpayment", list_view=views.DownPaymentListView,
    detail_view=views.DownPaymentDetailView, create_view=views.DownPaymentFormView,
    update_view=views.DownPaymentFormView, delete_view=views.DownPaymentDeleteView, extra=(
        path("down-payments/<int:pk>/<str:action>/", views.DownPaymentActionView.as_view(),
             name="downpayment_action"),
    ))
