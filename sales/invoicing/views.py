"""Invoice and credit note staff pages: lists, details (lines, totals, down payments, payments,
refunds, credit notes, amount due, history, the actions as buttons and forms), "invoice this order"
with a quantity per line, a credit note from a posted invoice, PDFs. They parse, call
sales.invoicing.services and present (architecture §5.2): rows through core.scoping, filters from
sales.invoicing.filters."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View, generic

from core.errors import ApplicationError
from core.kit.views import DocumentActionView, DocumentDetailView
from core.scoping import scope_for
from core.services import settings_read
from core.staff import (
    Column,
    PageFilter,
    StaffFormView,
    StaffListView,
    StaffMixin,
    error_text,
    reference_choices,
)
from crm.models import Customer
from sales.common.columns import CANCELLATION_FIELDS, POSTING_FIELDS, STATUS_COLUMN
from sales.common.views import DocumentPdfView, SalesMixin
from sales.invoicing import services
from sales.invoicing.actions import CREDIT_NOTE_ACTIONS, INVOICE_ACTIONS
from sales.invoicing.choices import CreditNoteStatus, InvoiceStatus
from sales.invoicing.documents import credit_note_pdf, invoice_pdf
from sales.invoicing.filters import CreditNoteFilter, InvoiceFilter
from sales.invoicing.forms import (
    CreditNoteForm,
    InvoiceChoiceForm,
    InvoiceCreateForm,
    InvoiceFromOrderForm,
    RecordPaymentForm,
    VoidReasonForm,
)
from sales.invoicing.models import CreditNote, CreditNoteLine, Invoice, Payment, Refund
from sales.orders.models import SalesOrder

ZERO = Decimal("0")
PDF_LANGUAGES = (("en", _("English")), ("ar", _("Arabic")), ("both", _("Both")))

PAYABLE = (InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID)


def pdf_links(url: str) -> list[dict]:
    return [{"language": code, "label": label, "url": f"{url}?language={code}"}
            for code, label in PDF_LANGUAGES]


# --- invoices -----------------------------------------------------------------------------


class InvoiceMixin(SalesMixin):
    model = Invoice


class InvoiceListView(InvoiceMixin, StaffListView):
    filterset_class = PageFilter(
        InvoiceFilter, fields=["status", "kind", "customer_id", "overdue", "start_date",
                               "end_date"],
        references={"customer_id": reference_choices(Customer, lambda row: row.name)})
    api_list_url_name = "sales-api:invoice-list"
    search_fields = InvoiceFilter.search_fields
    sort_fields = {"number": "number", "invoiceDate": "invoice_date", "dueDate": "due_date",
                   "total": "total", "amountDue": "amount_due", "status": "status",
                   "customerName": "customer_name", "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("customer", "order")
    columns = [
        Column(_("Number"), lambda invoice: str(invoice), sort="number", link=True),
        Column(_("Customer"), lambda invoice: invoice.customer_name or invoice.customer.name,
               sort="customerName", link=True),
        STATUS_COLUMN,
        Column(_("Kind"), "kind"),
        Column(_("Sales order"), "order.number"),
        Column(_("Invoice date"), "invoice_date", sort="invoiceDate"),
        Column(_("Due date"), "due_date", sort="dueDate"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Amount due"), "amount_due", sort="amountDue"),
    ]
    related_links = [(_("Credit notes"), "sales:creditnote_list", "sales.view_creditnote")]


class InvoiceDetailView(InvoiceMixin, DocumentDetailView):
    template_name = "sales/invoice_detail.html"
    document_actions = INVOICE_ACTIONS
    select_related = ("customer", "order", "sales_person__user", "posted_by", "cancelled_by",
                      "firm")
    fields = [
        Column(_("Kind"), "kind"),
        Column(_("Payment terms"), "payment_terms"),
        Column(_("Currency"), "currency"),
        Column(_("Sales person"), "sales_person"),
        Column(_("Notes"), "notes"),
        Column(_("Arabic notes"), "notes_ar"),
        *POSTING_FIELDS,
        Column(_("Paid at"), "paid_at"),
        *CANCELLATION_FIELDS,
        Column(_("Created by"), "created_by"),
        Column(_("Created"), "created_at"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        invoice = self.object
        payable = invoice.status in PAYABLE and invoice.amount_due > 0
        can_pay = payable and self.can("sales.record_payment")
        payments = list(invoice.payments.select_related("recorded_by", "voided_by")
                        .order_by("-payment_date", "-pk"))
        can_void = self.can("sales.change_payment")
        context.update({
            "invoice": invoice,
            "seller": invoice.firm,
            "edit_url": None,
            "delete_url": None,
            "lines": list(invoice.lines.select_related("product").order_by("position", "pk")),
            "applications": list(invoice.down_payment_applications.select_related(
                "down_payment", "applied_by").order_by("pk")),
            "payments": [{"payment": payment,
                          "void_url": self.url("payment_void", invoice.pk, payment.pk)
                          if can_void and payment.status == "recorded" else None}
                         for payment in payments],
            "refunds": [{"refund": refund} for refund in invoice.refunds.select_related(
                "credit_note", "recorded_by").order_by("-refund_date", "-pk")],
            "credit_notes": list(scope_for(invoice.credit_notes.all(), user=self.request.user)
                                 .order_by("-pk")),
            "payment_form": kwargs.get("payment_form") or (
                RecordPaymentForm(invoice=invoice) if can_pay else None),
            "payment_url": self.url("payment", invoice.pk),
            "void_form": VoidReasonForm(prefix="void"),
            "credit_note_url": (reverse("sales:creditnote_create") + f"?invoice={invoice.pk}"
                                if invoice.status in (*PAYABLE, InvoiceStatus.PAID)
                                and self.can("sales.add_creditnote") else None),
            "pdf_links": pdf_links(self.url("pdf", invoice.pk)),
            "order_url": (reverse("sales:salesorder_detail", args=[invoice.order_id])
                          if invoice.order_id and self.can("sales.view_salesorder") else None),
            "customer_url": (reverse("crm:customer_detail", args=[invoice.customer_id])
                             if self.can("crm.view_customer") else None),
        })
        return context


class InvoicePaymentView(InvoiceDetailView):
    """POST the detail page's payment form. An invalid form, or an amount the service refuses
    (more than is due), shows again on the page with the error beside the field (400)."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.record_payment"]

    def post(self, request, *args, **kwargs):
        invoice = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = RecordPaymentForm(request.POST, invoice=invoice)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.payment_record(invoice=invoice, actor=request.user,
                                        amount=data["amount"], date=data["payment_date"],
                                        method=data["method"], reference=data["reference"],
                                        notes=data["notes"])
            except ApplicationError as error:
                # "At most 1408.00 is due." beside the amount, the refusal above the form.
                details = error.details if isinstance(error.details, dict) else {}
                if isinstance(details.get("amount"), list):
                    form.add_error("amount", [str(message) for message in details["amount"]])
                form.add_error(None, str(error.message))
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Payment recorded."))
                return HttpResponseRedirect(self.url("detail", invoice.pk))
        self.object = invoice
        return self.render_to_response(self.get_context_data(object=invoice,
                                                             payment_form=form), status=400)


class PaymentVoidView(InvoiceMixin, StaffMixin, View):
    """POST a reason: the payment is voided by the service (never deleted)."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.change_payment"]

    def post(self, request, pk: int, payment_pk: int):
        invoice = get_object_or_404(scope_for(Invoice.objects.all(), user=request.user), pk=pk)
        payment = get_object_or_404(Payment.objects.filter(invoice=invoice), pk=payment_pk)
        form = VoidReasonForm(request.POST, prefix="void")
        if not form.is_valid():
            messages.error(request, _("Give a reason to void the payment."))
        else:
            try:
                services.payment_void(payment=payment, actor=request.user,
                                      reason=form.cleaned_data["reason"])
            except (ApplicationError, ValidationError) as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("Payment voided."))
        return HttpResponseRedirect(reverse("sales:invoice_detail", args=[invoice.pk]))


class InvoiceTransitionView(InvoiceMixin, DocumentActionView):
    """Confirm one of the invoice's declared actions (post, cancel with a reason), then its
    service."""

    document_actions = INVOICE_ACTIONS


class InvoicePdfView(InvoiceMixin, DocumentPdfView):
    def render_pdf(self, invoice: Invoice, language: str) -> bytes:
        return invoice_pdf(invoice=invoice, language=language)

    def file_name(self, invoice: Invoice) -> str:
        return invoice.number or f"invoice-draft-{invoice.pk}"


class InvoiceCreateView(InvoiceMixin, StaffFormView):
    """A draft invoice of all an order has left to invoice, the order chosen in a list."""

    form_class = InvoiceCreateForm

    def save(self, form) -> Invoice:
        data = form.cleaned_data
        return services.invoice_create_from_order(
            order=data["order"], actor=self.request.user,
            delivered_only=data["delivered_only"] or None, notes=data["notes"],
            notes_ar=data["notes_ar"])


def invoice_from_order_url(order: SalesOrder, user) -> str | None:
    """The "Invoice" button of an order's page: for users who may invoice, while the order
    has quantities left to invoice."""
    if not user.has_perm("sales.add_invoice") or order.deleted_at is not None \
            or order.status not in services.ORDER_INVOICABLE_STATUSES:
        return None
    if not any(services.order_invoicable_quantities(order=order).values()):
        return None
    return reverse("sales:invoice_from_order", args=[order.pk])


class InvoiceFromOrderView(InvoiceMixin, StaffMixin, generic.TemplateView):
    """The order's lines with what remains to invoice and a quantity each; POST makes the
    draft invoice (invoice_create_from_order) and opens it."""

    template_name = "sales/invoice_from_order.html"

    def get_permission_required(self):
        return ["sales.add_invoice"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.order = get_object_or_404(scope_for(SalesOrder.objects.all(), user=request.user)
                                       .select_related("customer"), pk=kwargs["order_pk"])
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data=None) -> InvoiceFromOrderForm:
        forced = settings_read(firm=self.order.firm).orders.require_delivery_before_invoice
        source = data if data is not None else self.request.GET
        delivered_only = forced or source.get("delivered_only") in ("on", "1", "true")
        remaining = services.order_invoicable_quantities(order=self.order,
                                                         delivered_only=delivered_only)
        everything = services.order_invoicable_quantities(order=self.order,
                                                          delivered_only=False)
        rows = [{"line": line, "remaining": remaining.get(line.pk, ZERO),
                 "open": everything.get(line.pk, ZERO)}
                for line in self.order.lines.order_by("position", "pk")]
        self.delivered_only, self.forced = delivered_only, forced
        return InvoiceFromOrderForm(data, rows=[row for row in rows if row["open"] > 0],
                                    delivered_only=delivered_only, forced=forced)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or self.build_form()
        invoicable = self.order.status in services.ORDER_INVOICABLE_STATUSES
        order_url = reverse("sales:salesorder_detail", args=[self.order.pk])
        context.update({
            "order": self.order, "form": form, "invoicable": invoicable,
            "delivered_only": self.delivered_only, "forced": self.forced,
            "order_url": order_url, "cancel_url": order_url, "line_quantity_label": _("Ordered"),
            "toggle_url": "?" + ("" if self.delivered_only else "delivered_only=1"),
        })
        return context

    def post(self, request, *args, **kwargs):
        form = self.build_form(request.POST)
        if form.is_valid():
            rows = form.chosen()
            try:
                invoice = services.invoice_create_from_order(
                    order=self.order, actor=request.user, lines=rows,
                    delivered_only=self.delivered_only or None,
                    notes=form.cleaned_data["notes"], notes_ar=form.cleaned_data["notes_ar"])
            except (ApplicationError, ValidationError) as error:
                _row_errors(form, error, form.chosen_fields(rows))
            else:
                messages.success(request, _("Draft invoice created from %(number)s.")
                                 % {"number": self.order.number})
                return HttpResponseRedirect(reverse("sales:invoice_detail", args=[invoice.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _row_errors(form, error: Exception, fields: list[str]) -> None:
    """A service's `lines.N.quantity` errors beside the N-th chosen line's field, a field's
    error beside that field; the refusal itself above the form."""
    if isinstance(error, ApplicationError):
        details = error.details if isinstance(error.details, dict) else {}
    else:
        details = error.message_dict if hasattr(error, "error_dict") else {}
    placed = False
    for key, problems in details.items():
        problems = [str(problem) for problem in
                    (problems if isinstance(problems, list) else [problems])]
        parts = str(key).split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() \
                and int(parts[1]) < len(fields):
            form.add_error(fields[int(parts[1])], problems)
            placed = True
        elif key in form.fields and isinstance(error, ValidationError):
            form.add_error(key, problems)
            placed = True
    if isinstance(error, ApplicationError):
        form.add_error(None, str(error.message))
    elif not placed:
        form.add_error(None, error_text(error))


# --- credit notes -------------------------------------------------------------------------


class CreditNoteMixin(SalesMixin):
    model = CreditNote


class CreditNoteListView(CreditNoteMixin, StaffListView):
    filterset_class = PageFilter(
        CreditNoteFilter, fields=["status", "customer_id", "start_date", "end_date"],
        references={"customer_id": reference_choices(Customer, lambda row: row.name)})
    api_list_url_name = "sales-api:creditnote-list"
    search_fields = CreditNoteFilter.search_fields
    sort_fields = {"number": "number", "creditDate": "credit_date", "total": "total",
                   "status": "status", "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("invoice", "customer")
    columns = [
        Column(_("Number"), lambda note: str(note), sort="number", link=True),
        Column(_("Customer"), "customer_name", link=True),
        Column(_("Invoice"), lambda note: str(note.invoice)),
        STATUS_COLUMN,
        Column(_("Date"), "credit_date", sort="creditDate"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Reason"), "reason"),
    ]
    related_links = [(_("Invoices"), "sales:invoice_list", "sales.view_invoice")]


class CreditNoteDetailView(CreditNoteMixin, DocumentDetailView):
    template_name = "sales/creditnote_detail.html"
    document_actions = CREDIT_NOTE_ACTIONS
    select_related = ("invoice", "customer", "posted_by")
    fields = [
        Column(_("Source"), "source_reference"),
        Column(_("Currency"), "currency"),
        *POSTING_FIELDS,
        Column(_("Cancellation reason"), "cancellation_reason"),
        Column(_("Cancelled at"), "cancelled_at"),
        Column(_("Created by"), "created_by"),
        Column(_("Created"), "created_at"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        note = self.object
        refunds = list(note.refunds.select_related("recorded_by").order_by("-refund_date",
                                                                            "-pk"))
        can_void = self.can("sales.change_refund")
        context.update({
            "note": note, "edit_url": None, "delete_url": None,
            "lines": list(note.lines.order_by("position", "pk")),
            "refunds": [{"refund": refund,
                         "void_url": self.url("refund_void", note.pk, refund.pk)
                         if can_void and refund.status == "recorded" else None}
                        for refund in refunds],
            "amount_refunded": note.amount_refunded,
            "refundable": services.credit_note_refundable(credit_note=note),
            "void_form": VoidReasonForm(prefix="void"),
            "pdf_links": pdf_links(self.url("pdf", note.pk)),
            "invoice_url": reverse("sales:invoice_detail", args=[note.invoice_id])
            if self.can("sales.view_invoice") else None,
        })
        return context


class CreditNoteTransitionView(CreditNoteMixin, DocumentActionView):
    """Confirm one of the credit note's declared actions (post, cancel with a reason, record a
    refund), then its service."""

    document_actions = CREDIT_NOTE_ACTIONS

    def refused(self, document, form, error: Exception):
        """A refund the service refuses for its amount shows again with the error beside
        the field (400); anything else goes back to the note with its message."""
        if self.action.name != "refund" or (isinstance(error, ApplicationError)
                                             and error.status_code != 400):
            return super().refused(document, form, error)
        if isinstance(error, ApplicationError):
            details = error.details if isinstance(error.details, dict) else {}
            if isinstance(details.get("amount"), list):
                form.add_error("amount", [str(message) for message in details["amount"]])
            form.add_error(None, str(error.message))
        else:
            form.add_error(None, error_text(error))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RefundVoidView(CreditNoteMixin, StaffMixin, View):
    """POST a reason: the refund is voided by the service (never deleted)."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.change_refund"]

    def post(self, request, pk: int, refund_pk: int):
        note = get_object_or_404(scope_for(CreditNote.objects.all(), user=request.user), pk=pk)
        refund = get_object_or_404(Refund.objects.filter(credit_note=note), pk=refund_pk)
        form = VoidReasonForm(request.POST, prefix="void")
        if not form.is_valid():
            messages.error(request, _("Give a reason to void the refund."))
        else:
            try:
                services.refund_void(refund=refund, actor=request.user,
                                     reason=form.cleaned_data["reason"])
            except (ApplicationError, ValidationError) as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("Refund voided."))
        return HttpResponseRedirect(reverse("sales:creditnote_detail", args=[note.pk]))


class CreditNotePdfView(CreditNoteMixin, DocumentPdfView):
    def render_pdf(self, note: CreditNote, language: str) -> bytes:
        return credit_note_pdf(credit_note=note, language=language)

    def file_name(self, note: CreditNote) -> str:
        return note.number or f"credit-note-draft-{note.pk}"


class CreditNoteCreateView(CreditNoteMixin, StaffMixin, generic.TemplateView):
    """A credit note on a posted invoice (`?invoice=<id>`, else chosen first): a quantity to
    credit per invoice line and the reason; credit_note_create makes the draft."""

    template_name = "sales/creditnote_form.html"

    def get_permission_required(self):
        return ["sales.add_creditnote"]

    def invoice(self, value) -> Invoice | None:
        if not value:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise Http404 from None
        return get_object_or_404(scope_for(Invoice.objects.all(), user=self.request.user),
                                 pk=pk)

    def build_form(self, invoice: Invoice, data=None) -> CreditNoteForm:
        credited: dict[int, Decimal] = {}
        for line in CreditNoteLine.objects.filter(
                credit_note__invoice=invoice, invoice_line__isnull=False).exclude(
                credit_note__status=CreditNoteStatus.CANCELLED):
            credited[line.invoice_line_id] = credited.get(line.invoice_line_id, ZERO) \
                + line.quantity
        rows = []
        for line in invoice.lines.order_by("position", "pk"):
            left = line.quantity - credited.get(line.pk, ZERO)
            rows.append({"line": line, "credited": credited.get(line.pk, ZERO),
                         "left": max(left, ZERO)})
        return CreditNoteForm(data, user=self.request.user, invoice=invoice,
                              rows=[row for row in rows if row["left"] > 0])

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        invoice = kwargs["invoice"] if "invoice" in kwargs else self.invoice(
            self.request.GET.get("invoice"))
        if invoice is None:
            # First step: which invoice (the form submits back here with ?invoice=).
            context.update({"invoice": None, "form": kwargs.get("form")
                            or InvoiceChoiceForm(user=self.request.user)})
            return context
        invoice_url = reverse("sales:invoice_detail", args=[invoice.pk])
        context.update({
            "invoice": invoice, "form": kwargs.get("form") or self.build_form(invoice),
            "invoice_url": invoice_url, "cancel_url": invoice_url,
            "line_quantity_label": _("Invoiced"),
        })
        return context

    def post(self, request, *args, **kwargs):
        invoice = self.invoice(request.POST.get("invoice") or request.GET.get("invoice"))
        if invoice is None:
            choice = InvoiceChoiceForm(request.POST, user=request.user)
            choice.is_valid()
            return self.render_to_response(self.get_context_data(invoice=None, form=choice))
        form = self.build_form(invoice, request.POST)
        if form.is_valid():
            rows = form.chosen()
            try:
                note = services.credit_note_create(invoice=invoice, actor=request.user,
                                                   lines=rows,
                                                   reason=form.cleaned_data["reason"],
                                                   reason_ar=form.cleaned_data["reason_ar"])
            except (ApplicationError, ValidationError) as error:
                _row_errors(form, error, form.chosen_fields(rows))
            else:
                messages.success(request, _("Draft credit note created."))
                return HttpResponseRedirect(reverse("sales:creditnote_detail", args=[note.pk]))
        return self.render_to_response(self.get_context_data(invoice=invoice, form=form))
