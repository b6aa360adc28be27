"""Quote staff pages, included by sales.urls under /sales/ (names in the `sales` namespace:
quote_<action>)."""

from django.urls import path

from sales.common.urls import document_urlpatterns
from sales.quotes import views

urlpatterns = document_urlpatterns(
    "quotes/", "quote", list_view=views.QuoteListView, detail_view=views.QuoteDetailView,
    create_view=views.QuoteFormView, update_view=views.QuoteFormView,
    delete_view=views.QuoteDeleteView, pdf_view=views.QuotePdfView,
    transition_view=views.QuoteTransitionView, extra=(
        path("quotes/price/", views.QuotePriceView.as_view(), name="quote_price"),
        path("quotes/<int:pk>/versions/<int:version>/", views.QuoteVersionView.as_view(),
             name="quote_version"),
        path("quotes/<int:pk>/send/", views.QuoteSendView.as_view(), name="quote_send"),
    ))
