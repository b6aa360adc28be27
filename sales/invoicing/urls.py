"""Invoice and credit note staff pages, included by sales.urls under /sales/ (names in the
`sales` namespace: invoice_<action>, creditnote_<action>)."""

from django.urls import path

from sales.invoicing import views

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/new/", views.InvoiceCreateView.as_view(), name="invoice_create"),
    path("invoices/from-order/<int:order_pk>/", views.InvoiceFromOrderView.as_view(),
         name="invoice_from_order"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("invoices/<int:pk>/payments/", views.InvoicePaymentView.as_view(),
         name="invoice_payment"),
    path("invoices/<int:pk>/payments/<int:payment_pk>/void/", views.PaymentVoidView.as_view(),
         name="invoice_payment_void"),
    path("invoices/<int:pk>/<str:transition>/", views.InvoiceTransitionView.as_view(),
         name="invoice_transition"),
    path("credit-notes/", views.CreditNoteListView.as_view(), name="creditnote_list"),
    path("credit-notes/new/", views.CreditNoteCreateView.as_view(), name="creditnote_create"),
    path("credit-notes/<int:pk>/", views.CreditNoteDetailView.as_view(),
         name="creditnote_detail"),
    path("credit-notes/<int:pk>/pdf/", views.CreditNotePdfView.as_view(),
         name="creditnote_pdf"),
    path("credit-notes/<int:pk>/<str:transition>/", views.CreditNoteTransitionView.as_view(),
         name="creditnote_transition"),
]
