"""Invoice and credit note staff pages, included by sales.urls under /sales/ (names in the
`sales` namespace: invoice_<action>, creditnote_<action>). Both are made by services from
other documents and never edited or deleted as pages: no update or delete paths."""

from django.urls import path

from sales.common.urls import document_urlpatterns
from sales.invoicing import views

urlpatterns = [
    *document_urlpatterns(
        "invoices/", "invoice", list_view=views.InvoiceListView,
        detail_view=views.InvoiceDetailView, create_view=views.InvoiceCreateView,
        pdf_view=views.InvoicePdfView, transition_view=views.InvoiceTransitionView, extra=(
            path("invoices/from-order/<int:order_pk>/", views.InvoiceFromOrderView.as_view(),
                 name="invoice_from_order"),
            path("invoices/<int:pk>/payments/", views.InvoicePaymentView.as_view(),
                 name="invoice_payment"),
            path("invoices/<int:pk>/payments/<int:payment_pk>/void/",
                 views.PaymentVoidView.as_view(), name="invoice_payment_void"),
        )),
    *document_urlpatterns(
        "credit-notes/", "creditnote", list_view=views.CreditNoteListView,
        detail_view=views.CreditNoteDetailView, create_view=views.CreditNoteCreateView,
        pdf_view=views.CreditNotePdfView, transition_view=views.CreditNoteTransitionView,
        extra=(
            path("credit-notes/<int:pk>/refunds/<int:refund_pk>/void/",
                 views.RefundVoidView.as_view(), name="creditnote_refund_void"),
        )),
]
