"""Quote staff pages, included by sales.urls under /sales/ (names in the `sales` namespace:
quote_<action>)."""

from django.urls import path

from sales.quotes import views

urlpatterns = [
    path("quotes/", views.QuoteListView.as_view(), name="quote_list"),
    path("quotes/new/", views.QuoteFormView.as_view(), name="quote_create"),
    path("quotes/price/", views.QuotePriceView.as_view(), name="quote_price"),
    path("quotes/<int:pk>/", views.QuoteDetailView.as_view(), name="quote_detail"),
    path("quotes/<int:pk>/edit/", views.QuoteFormView.as_view(), name="quote_update"),
    path("quotes/<int:pk>/delete/", views.QuoteDeleteView.as_view(), name="quote_delete"),
    path("quotes/<int:pk>/versions/<int:version>/", views.QuoteVersionView.as_view(),
         name="quote_version"),
    path("quotes/<int:pk>/send/", views.QuoteSendView.as_view(), name="quote_send"),
    path("quotes/<int:pk>/pdf/", views.QuotePdfView.as_view(), name="quote_pdf"),
    path("quotes/<int:pk>/<str:transition>/", views.QuoteTransitionView.as_view(),
         name="quote_transition"),
]
