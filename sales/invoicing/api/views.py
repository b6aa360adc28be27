"""Invoices, payments and credit notes API (docs/api.md `invoices`, `credit-notes`): parse, call
sales.invoicing.services, present (architecture §5.2). Money is written by the services only, so
every money column here is read-only.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from core.kit.api import DocumentViewSet
from core.pdf import LANGUAGES
from core.scoping import scope_for
from sales.common.documents import firm_document_language, pdf_response
from sales.invoicing import services
from sales.invoicing.actions import CREDIT_NOTE_ACTIONS, INVOICE_ACTIONS
from sales.invoicing.api.serializers import (
    CreditNoteCreateSerializer,
    CreditNoteSerializer,
    InvoiceCreateSerializer,
    InvoiceFromOrderSerializer,
    InvoiceSerializer,
    OrderInvoicedSerializer,
    PaymentCreateSerializer,
    PaymentRecordedSerializer,
    PaymentSerializer,
    QuoteConvertedSerializer,
)
from sales.invoicing.conversion import quote_convert
from sales.invoicing.documents import credit_note_pdf, invoice_pdf
from sales.invoicing.filters import CreditNoteFilter, InvoiceFilter
from sales.invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Refund
from sales.orders.api import views as orders_api
from sales.orders.api.serializers import SalesOrderSerializer
from sales.orders.models import SalesOrder
from sales.quotes.api import serializers as quote_serializers
from sales.quotes.api import views as quotes_api

VIEW = ["sales.view_invoice"]
LANGUAGE = OpenApiParameter("language", str, enum=["en", "ar", "both"], description=_(
    "The document's language(s); the firm's documents.defaultLanguage when left out."))
PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


# --- views --------------------------------------------------------------------------------


def _pdf_language(request) -> str:
    language = request.query_params.get("language")
    if language is None:
        return firm_document_language(request.user.firm)
    if language not in LANGUAGES:
        raise ValidationError({"language": [_("Choose en, ar or both.")]})
    return language


def _invoice_from_order(request, *, order: SalesOrder, payload: dict) -> Invoice:
    lines = payload.get("lines")
    invoice = services.invoice_create_from_order(
        order=order, actor=request.user, delivered_only=payload["delivered_only"],
        lines=None if lines is None else [dict(row) for row in lines],
        notes=payload["notes"], notes_ar=payload["notes_ar"])
    return InvoiceViewSet.queryset.get(pk=invoice.pk)


def order_invoice_response(view, request, *, order: SalesOrder):
    """The answer of `POST /sales-orders/:id/invoice` (the orders viewset's action): a draft
    invoice of the order, as `{"invoice": {...}}`, 201."""
    invoice = _invoice_from_order(request, order=order,
                                  payload=view.input_data(InvoiceFromOrderSerializer))
    data = InvoiceSerializer(invoice, context=view.get_serializer_context()).data
    return view.envelope({"invoice": data}, message=_("Invoice created as a draft"),
                         status=status.HTTP_201_CREATED)


class InvoiceViewSet(DocumentViewSet):
    """Invoices (business-rules §8): created from a sales order's uninvoiced quantities as drafts
    without a number; posting numbers them (INV-YYYY-NNNN) and counts the quantities on the
    order. Payments lower the amount due; an invoice with money on it cannot be cancelled."""

    queryset = Invoice.objects.select_related("order").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk")),
        Prefetch("refunds", queryset=Refund.objects.order_by("refund_date", "pk")))
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    data_key = "invoice"
    data_key_plural = "invoices"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number",
                   "invoiceDate": "invoice_date", "dueDate": "due_date", "total": "total",
                   "amountDue": "amount_due", "status": "status",
                   "customerName": "customer_name", "updatedAt": "updated_at"}
    default_sort = "-created_at"
    # post and cancel come from the declaration (their routes and permissions).
    document_actions = INVOICE_ACTIONS
    # Invoices are never edited or deleted through the API: no such routes (405).
    http_method_names = ["get", "post", "head", "options"]
    required_permissions = {"create": ["sales.add_invoice"], "pdf": VIEW}

    def get_required_permissions(self, action: str) -> list[str] | None:
        if action == "payments":
            return (["sales.record_payment"] if self.request.method == "POST"
                    else ["sales.view_payment"])
        return super().get_required_permissions(action)

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer})
    def create(self, request, *args, **kwargs):
        """A draft invoice from a confirmed sales order (no number until it is posted)."""
        payload = self.input_data(InvoiceCreateSerializer)
        order = scope_for(SalesOrder.objects.all(), user=request.user).filter(
            pk=payload["order"].pk).first()
        if order is None:
            raise ValidationError({"orderId": [_("No sales order of yours has this id.")]})
        invoice = _invoice_from_order(request, order=order, payload=payload)
        return self.one(self.fresh(invoice), message=_("Invoice created as a draft"),
                        status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=PaymentSerializer(many=True))
    @extend_schema(methods=["POST"], request=PaymentCreateSerializer,
                   responses={201: PaymentRecordedSerializer})
    @action(detail=True, methods=["get", "post"])
    def payments(self, request, pk=None):
        """GET: the invoice's payments, newest first. POST: record a payment (at most the
        amount due); answers the payment and the updated invoice."""
        invoice = self.get_object()
        if request.method == "GET":
            rows = invoice.payments.order_by("-payment_date", "-pk")
            return self.envelope({"payments": PaymentSerializer(rows, many=True).data})
        payload = self.input_data(PaymentCreateSerializer)
        payment = services.payment_record(
            invoice=invoice, actor=request.user, amount=payload["amount"],
            date=payload["payment_date"], method=payload["method"],
            reference=payload["reference"], notes=payload["notes"])
        return self.envelope({"payment": PaymentSerializer(payment).data,
                              "invoice": self.get_serializer(self.fresh(invoice)).data},
                             message=_("Payment recorded"), status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LANGUAGE], responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The invoice as a bilingual PDF."""
        invoice = self.get_object()
        return pdf_response(invoice_pdf(invoice=invoice, language=_pdf_language(request)),
                            name=invoice.number or f"invoice-draft-{invoice.pk}")


class CreditNoteViewSet(DocumentViewSet):
    """Credit notes (business-rules §8): drafts on a posted invoice, crediting quantities of its
    lines or free amounts; posting numbers them (CN-YYYY-NNNN) and lowers the invoice's amount
    due; a draft is cancelled with a reason; a posted one pays back what the customer overpaid
    (refund)."""

    queryset = CreditNote.objects.select_related("invoice").prefetch_related(
        Prefetch("lines", queryset=CreditNoteLine.objects.order_by("position", "pk")),
        Prefetch("refunds", queryset=Refund.objects.order_by("refund_date", "pk")))
    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter
    data_key = "creditNote"
    data_key_plural = "creditNotes"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number",
                   "creditDate": "credit_date", "total": "total", "status": "status",
                   "updatedAt": "updated_at"}
    default_sort = "-created_at"
    # post, cancel and refund come from the declaration (their routes and permissions).
    document_actions = CREDIT_NOTE_ACTIONS
    # Credit notes are never edited or deleted through the API: no such routes (405).
    http_method_names = ["get", "post", "head", "options"]
    required_permissions = {"create": ["sales.add_creditnote"],
                            "pdf": ["sales.view_creditnote"]}

    @extend_schema(request=CreditNoteCreateSerializer, responses={201: CreditNoteSerializer})
    def create(self, request, *args, **kwargs):
        """A draft credit note on a posted invoice (no number until it is posted): quantities
        of the invoice's lines, or free amounts; never more than is left to credit."""
        payload = self.input_data(CreditNoteCreateSerializer)
        invoice = scope_for(Invoice.objects.all(), user=request.user).filter(
            pk=payload["invoice"].pk).first()
        if invoice is None:
            raise ValidationError({"invoiceId": [_("No invoice of yours has this id.")]})
        # What the caller left out is the service's default (the firm's VAT, the line's
        # net price), not a None it would have to read.
        lines = [{name: value for name, value in row.items() if value is not None}
                 for row in payload["lines"]]
        note = services.credit_note_create(
            invoice=invoice, actor=request.user, lines=lines, reason=payload["reason"],
            reason_ar=payload["reason_ar"], source_reference=payload["source_reference"])
        return self.one(self.fresh(note), message=_("Credit note created as a draft"),
                        status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LANGUAGE], responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The credit note as a bilingual PDF."""
        note = self.get_object()
        return pdf_response(credit_note_pdf(credit_note=note, language=_pdf_language(request)),
                            name=note.number or f"credit-note-draft-{note.pk}")


# --- the invoicing actions of the order and quote endpoints ------------------------------------
# Invoicing sits above orders and quotes (one import direction), so it adds its actions to their
# viewsets here; sales.api.urls registers these classes under the same paths and names.


class SalesOrderViewSet(orders_api.SalesOrderViewSet):
    __doc__ = orders_api.SalesOrderViewSet.__doc__

    @extend_schema(request=InvoiceFromOrderSerializer, responses={201: OrderInvoicedSerializer})
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        """A draft invoice of the order's uninvoiced (or delivered) quantities (business-rules §8);
        the invoices API posts, cancels and takes payments."""
        return order_invoice_response(self, request, order=self.get_object())


class QuoteViewSet(quotes_api.QuoteViewSet):
    __doc__ = quotes_api.QuoteViewSet.__doc__

    @extend_schema(request=quote_serializers.QuoteConvertSerializer,
                   responses={201: QuoteConvertedSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """The accepted quote as a draft sales order, or (`"to": "invoice"`, when the settings
        allow it) a confirmed order with its draft invoice; the quote becomes converted."""
        payload = self.input_data(quote_serializers.QuoteConvertSerializer)
        made = quote_convert(quote=self.get_object(), actor=self.actor, to=payload["to"])
        if payload["to"] == "invoice":
            data = {"invoice": InvoiceSerializer(made, context=self.get_serializer_context())
                    .data}
            message = _("Quote converted to an invoice")
        else:
            data = {"order": SalesOrderSerializer(made, context=self.get_serializer_context())
                    .data}
            message = _("Quote converted to a sales order")
        return self.envelope(data, message=message, status=201)
