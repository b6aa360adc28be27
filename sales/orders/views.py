"""Sales order staff pages: list, detail, form, actions, delete, PDF, and "create order" from
an accepted quote. They parse, call sales.orders.services, and present (architecture §5.2): rows
through core.scoping, filters from sales.orders.filters."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.errors import ApplicationError
from core.kit.views import DocumentActionView, DocumentDetailView
from core.registry import order_page_sections
from core.scoping import scope_for
from core.staff import (
    Column,
    PageFilter,
    StaffListView,
    StaffMixin,
    error_text,
    reference_choices,
)
from crm.models import Campaign, Customer, SalesPerson
from sales.common.columns import CANCELLATION_FIELDS, STATUS_COLUMN, TEXT_FIELDS
from sales.common.views import (
    DocumentPdfView,
    DraftDeleteView,
    DraftDetailMixin,
    PricedLinesFormView,
    SalesMixin,
)
from sales.orders import services
from sales.orders.actions import ORDER_ACTIONS
from sales.orders.documents import order_pdf
from sales.orders.filters import SalesOrderFilter
from sales.orders.forms import SalesOrderForm
from sales.orders.models import SalesOrder
from sales.quotes.models import Quote

ZERO = Decimal("0")


def percent(value) -> str:
    return f"{value:.1f} %"


class SalesOrderMixin(SalesMixin):
    model = SalesOrder


class AnyOrderMixin(SalesOrderMixin):
    """Soft-deleted orders stay readable by id, for audit: their page, actions and PDF."""

    def get_queryset(self):
        queryset = scope_for(SalesOrder.all_objects.all(), user=self.request.user)
        return queryset.select_related(*self.select_related) if self.select_related \
            else queryset


class SalesOrderListView(SalesOrderMixin, StaffListView):
    filterset_class = PageFilter(
        SalesOrderFilter, fields=["status", "customer_id", "sales_person_id", "campaign_id",
                                  "start_date", "end_date", "total_min", "total_max"],
        references={
            "customer_id": reference_choices(Customer, lambda row: row.name),
            "sales_person_id": reference_choices(
                SalesPerson, str, prepare=lambda rows: rows.select_related("user")),
            "campaign_id": reference_choices(Campaign, str,
                                             prepare=lambda rows: rows.alive()),
        })
    api_list_url_name = "sales-api:salesorder-list"
    search_fields = SalesOrderFilter.search_fields
    sort_fields = {"orderNumber": "number", "orderDate": "order_date", "totalAmount": "total",
                   "status": "status", "customerName": "customer_name",
                   "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("customer", "sales_person__user")
    columns = [
        Column(_("Number"), "number", sort="orderNumber", link=True),
        Column(_("Customer"), lambda order: order.customer_name or order.customer.name,
               sort="customerName", link=True),
        STATUS_COLUMN,
        Column(_("Order date"), "order_date", sort="orderDate"),
        Column(_("Total"), "total", sort="totalAmount"),
        Column(_("Delivered"), lambda order: percent(order.delivery_progress)),
        Column(_("Invoiced"), lambda order: percent(order.invoicing_progress)),
        Column(_("Sales person"), "sales_person"),
    ]


def _reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def linked_documents(order: SalesOrder, can, sections: list[dict]) -> list[dict]:
    """The quote it came from, its invoices, and the documents other apps' sections of the
    page link (delivery notes, core.registry.order_page_sections)."""
    documents = []
    if order.quote_id:
        documents.append({"kind": _("Quote"), "label": order.quote_number,
                          "url": _reverse("sales:quote_detail", order.quote_id)
                          if can("sales.view_quote") else None})
    for invoice in order.invoices.all():
        documents.append({"kind": _("Invoice"), "label": str(invoice),
                          "url": _reverse("sales:invoice_detail", invoice.pk)
                          if can("sales.view_invoice") else None})
    for section in sections:
        documents.extend(section.get("links", []))
    return documents


class SalesOrderDetailView(AnyOrderMixin, DraftDetailMixin, DocumentDetailView):
    template_name = "sales/order_detail.html"
    document_actions = ORDER_ACTIONS
    select_related = ("customer", "sales_person__user", "sales_team", "territory", "campaign",
                      "price_list", "approved_by", "confirmed_by", "cancelled_by")
    fields = [
        Column(_("Customer"), "customer"),
        Column(_("Contact"), "contact_name"),
        Column(_("Order date"), "order_date"),
        Column(_("Quote"), "quote_number"),
        Column(_("Sales person"), "sales_person"),
        Column(_("Sales team"), "sales_team"),
        Column(_("Territory"), "territory"),
        Column(_("Campaign"), "campaign"),
        Column(_("Payment terms"), "payment_terms"),
        Column(_("Price list"), "price_list"),
        Column(_("Promotion code"), "promo_code"),
        Column(_("Currency"), "currency"),
        Column(_("Expected delivery date"), "expected_delivery_date"),
        Column(_("Requested delivery date"), "requested_delivery_date"),
        Column(_("Shipping method"), "shipping_method"),
        Column(_("Delivery instructions"), "delivery_instructions"),
        *TEXT_FIELDS,
        Column(_("Internal notes"), "internal_notes"),
        Column(_("Approved by"), "approved_by"),
        Column(_("Confirmed by"), "confirmed_by"),
        Column(_("Confirmed at"), "confirmed_at"),
        *CANCELLATION_FIELDS,
        Column(_("Deleted at"), "deleted_at"),
        Column(_("Created"), "created_at"),
    ]

    def editable(self, order: SalesOrder) -> bool:
        return super().editable(order) and order.deleted_at is None

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        order = self.object
        lines = list(order.lines.select_related("product").order_by("position", "pk"))
        # What is still owed and on no open delivery note (business-rules §7), per line.
        backorder = services.order_backorder(order=order)
        for line in lines:
            line.backorder = backorder.get(line.pk, ZERO)
        sections = order_page_sections(order, self.request.user)
        if any(section["tab"] == self.request.GET.get("tab") for section in sections):
            context["active_tab"] = self.request.GET["tab"]
        context.update({
            "order": order,
            "lines": lines,
            "has_backorder": bool(backorder),
            "sections": sections,
            "linked_documents": linked_documents(order, self.can, sections),
            "pdf_url": self.url("pdf", order.pk),
            "customer_url": (_reverse("crm:customer_detail", order.customer_id)
                             if self.can("crm.view_customer") else None),
        })
        return context


class SalesOrderFormView(SalesOrderMixin, PricedLinesFormView):
    form_class = SalesOrderForm
    template_name = "sales/order_form.html"
    not_draft_message = _("Only a draft sales order can be changed.")

    def save(self, form) -> SalesOrder:
        lines, changes, actor = self.lines(), form.changes(), self.request.user
        if self.object is None:
            return services.order_create(firm=self.firm(), actor=actor, lines=lines, **changes)
        return services.order_update(order=self.object, actor=actor, lines=lines, **changes)


class SalesOrderTransitionView(AnyOrderMixin, DocumentActionView):
    """Confirm one of the order's declared actions, then its service."""

    document_actions = ORDER_ACTIONS


class SalesOrderDeleteView(SalesOrderMixin, DraftDeleteView):
    def delete_document(self, order: SalesOrder) -> None:
        services.order_delete(order=order, actor=self.request.user)


class SalesOrderPdfView(AnyOrderMixin, DocumentPdfView):
    def render_pdf(self, order: SalesOrder, language: str) -> bytes:
        return order_pdf(order=order, language=language)


class SalesOrderFromQuoteView(SalesOrderMixin, StaffMixin, View):
    """POST from an accepted quote's page: its order is made (once) and opened."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.add_salesorder"]

    def post(self, request, quote_pk: int):
        quote = get_object_or_404(scope_for(Quote.objects.all(), user=request.user),
                                  pk=quote_pk)
        try:
            order = services.quote_convert_to_order(quote=quote, actor=request.user)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, error_text(error))
            return HttpResponseRedirect(reverse("sales:quote_detail", args=[quote.pk]))
        messages.success(request, _("Sales order %(number)s created from the quote.")
                         % {"number": order.number})
        return HttpResponseRedirect(self.url("detail", order.pk))
