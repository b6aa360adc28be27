"""Quote staff pages. They parse, call a quote service, and present (architecture §5.2): rows
come through core.scoping, filters from sales.quotes.filters, prices and totals from
sales.quotes.services (the resolver and the totals engine behind them)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.errors import ApplicationError
from core.forms import formset_rows
from core.kit.views import DocumentActionView, DocumentDetailView
from core.staff import (
    Column,
    PageFilter,
    StaffListView,
    StaffMixin,
    reference_choices,
    user_choices,
)
from crm.models import Customer
from sales.common.columns import STATUS_COLUMN, TEXT_FIELDS
from sales.common.forms import LINE_FIELDS, QuoteLineFormSet, line_rows
from sales.common.views import (
    DocumentPdfView,
    DraftDeleteView,
    DraftDetailMixin,
    PricedLinesFormView,
    SalesMixin,
)
from sales.quotes import services
from sales.quotes.actions import QUOTE_ACTIONS
from sales.quotes.filters import QuoteFilter
from sales.quotes.forms import QuoteForm, QuoteSendForm
from sales.quotes.models import Quote, QuoteVersion

TOTAL_FIELDS = [("subtotal", _("Subtotal")), ("discount_amount", _("Document discount")),
                ("after_discount", _("After discount")), ("tax_amount", _("VAT")),
                ("shipping_cost", _("Shipping")), ("total", _("Total"))]
HEADER_FIELDS = [("customer_id", _("Customer")), ("lead_id", _("Lead")),
                 ("quote_date", _("Quote date")), ("valid_until", _("Valid until")),
                 ("probability", _("Probability (%)")), ("price_list_id", _("Price list")),
                 ("promo_code", _("Promotion code")), ("discount_type", _("Discount type")),
                 ("discount_value", _("Discount")), ("terms", _("Terms")),
                 ("notes", _("Notes"))]
LINE_COMPARED = [("quantity", _("Quantity")), ("unit_price", _("Unit price")),
                 ("discount_percent", _("Discount (%)")),
                 ("discount_amount", _("Discount amount")), ("tax_rate", _("VAT (%)")),
                 ("line_total", _("Line total"))]


def party(quote: Quote) -> str:
    if quote.customer_id:
        return str(quote.customer)
    return quote.lead.display_name if quote.lead_id else ""


class QuoteMixin(SalesMixin):
    model = Quote


class QuoteListView(QuoteMixin, StaffListView):
    filterset_class = PageFilter(
        QuoteFilter, fields=["status", "customer", "owner", "start_date", "end_date",
                             "total_min", "total_max", "needs_approval"],
        references={"customer": reference_choices(Customer, lambda row: row.name),
                    "owner": user_choices})
    api_list_url_name = "sales-api:quote-list"
    search_fields = QuoteFilter.search_fields
    sort_fields = {"number": "number", "quoteDate": "quote_date", "validUntil": "valid_until",
                   "total": "total", "status": "status", "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("customer", "lead", "owner")
    columns = [
        Column(_("Number"), "number", sort="number", link=True),
        Column(_("Customer or lead"), party, link=True),
        STATUS_COLUMN,
        Column(_("Version"), "version"),
        Column(_("Quote date"), "quote_date", sort="quoteDate"),
        Column(_("Valid until"), "valid_until", sort="validUntil"),
        Column(_("Total"), "total", sort="total"),
        Column(_("Owner"), "owner"),
    ]


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _same(old: Any, new: Any) -> bool:
    old_number, new_number = _decimal(old), _decimal(new)
    if old_number is not None and new_number is not None:
        return old_number == new_number
    return str(old if old is not None else "") == str(new if new is not None else "")


def _line_key(line: dict) -> str:
    return f"p{line['product_id']}" if line.get("product_id") else f"d{line.get('description')}"


def _line_dict(line) -> dict:
    return {field.attname: field.value_from_object(line)
            for field in type(line)._meta.concrete_fields}


def version_diff(version: QuoteVersion, quote: Quote) -> dict:
    """What changed from an archived version to the quote as it is now: header fields,
    lines added, removed and changed (matched by product, else description) and totals."""
    old_quote = version.snapshot.get("quote", {})
    old_lines = version.snapshot.get("lines", [])
    new_lines = [_line_dict(line) for line in quote.lines.order_by("position", "pk")]
    header = [{"label": label, "old": old_quote.get(name), "new": getattr(quote, name)}
              for name, label in HEADER_FIELDS
              if not _same(old_quote.get(name), getattr(quote, name))]
    totals = [{"label": label, "old": old_quote.get(name), "new": getattr(quote, name)}
              for name, label in TOTAL_FIELDS
              if not _same(old_quote.get(name), getattr(quote, name))]
    remaining: dict[str, list[dict]] = {}
    for line in old_lines:
        remaining.setdefault(_line_key(line), []).append(line)
    added, changed = [], []
    for line in new_lines:
        matches = remaining.get(_line_key(line))
        if not matches:
            added.append(line)
            continue
        old = matches.pop(0)
        fields = [{"label": label, "old": old.get(name), "new": line.get(name)}
                  for name, label in LINE_COMPARED if not _same(old.get(name), line.get(name))]
        if fields:
            changed.append({"line": line, "fields": fields})
    removed = [line for lines in remaining.values() for line in lines]
    return {"header": header, "totals": totals, "added": added, "removed": removed,
            "changed": changed,
            "unchanged": not (header or totals or added or removed or changed)}


class QuoteDetailView(QuoteMixin, DraftDetailMixin, DocumentDetailView):
    template_name = "sales/quote_detail.html"
    select_related = ("customer", "lead", "owner", "sales_person__user", "price_list",
                      "approved_by")
    document_actions = QUOTE_ACTIONS
    tabs = ("lines", "details", "versions", "history")
    fields = [
        Column(_("Customer"), "customer"),
        Column(_("Lead"), lambda quote: quote.lead.display_name if quote.lead_id else ""),
        Column(_("Contact"), lambda quote: " · ".join(
            part for part in (quote.contact_name, quote.contact_email, quote.contact_phone)
            if part)),
        Column(_("Owner"), "owner"),
        Column(_("Sales person"), "sales_person"),
        Column(_("Quote date"), "quote_date"),
        Column(_("Valid until"), "valid_until"),
        Column(_("Probability (%)"), "probability"),
        Column(_("Weighted value"), "weighted_value"),
        Column(_("Price list"), "price_list"),
        Column(_("Promotion code"), "promo_code"),
        Column(_("Currency"), "currency"),
        *TEXT_FIELDS,
        Column(_("Approved by"), "approved_by"),
        Column(_("Approved at"), "approved_at"),
        Column(_("Sent at"), "sent_at"),
        Column(_("Viewed at"), "viewed_at"),
        Column(_("Accepted at"), "accepted_at"),
        Column(_("Rejected at"), "rejected_at"),
        Column(_("Rejection reason"), "rejection_reason"),
        Column(_("Created"), "created_at"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        quote = self.object
        # Sending has a page of its own (recipients, language, message): its Send button
        # stands apart from the buttons that open a confirm page.
        buttons = context["transition_buttons"]
        send = next((button for button in buttons if button["name"] == "send"), None)
        context["transition_buttons"] = [button for button in buttons if button is not send]
        context.update(pricing_context(quote, list(quote.lines.select_related("product")
                                                   .order_by("position", "pk"))))
        context.update({
            "quote": quote,
            "versions": list(quote.versions.select_related("archived_by")),
            "customer_url": (reverse("crm:customer_detail", args=[quote.customer_id])
                             if quote.customer_id and self.can("crm.view_customer") else None),
            "lead_url": (reverse("crm:lead_detail", args=[quote.lead_id])
                         if quote.lead_id and self.can("crm.view_lead") else None),
            "send_url": self.url("send", quote.pk) if send else None,
            "pdf_url": self.url("pdf", quote.pk),
        })
        return context


def pricing_context(quote: Quote, lines: list, *, totals=None) -> dict:
    """Lines with their traces, totals, words and warnings, as the pricing panel shows them."""
    return {"lines": lines, "totals": totals or quote, "quote_priced": quote,
            "warnings": quote.warnings, "approval_reasons": quote.approval_reasons}


class QuoteFormView(QuoteMixin, PricedLinesFormView):
    form_class = QuoteForm
    template_name = "sales/quote_form.html"
    not_draft_message = _("Only a draft quote can be changed. Revise it to make a new "
                          "version.")

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["price_url"] = reverse("sales:quote_price")
        if self.object is not None and "lines" not in context:
            context.update(pricing_context(self.object, list(
                self.object.lines.select_related("product").order_by("position", "pk"))))
        return context

    def save(self, form) -> Quote:
        lines, changes, actor = self.lines(), form.changes(), self.request.user
        if self.object is None:
            return services.quote_create(firm=self.firm(), actor=actor, lines=lines, **changes)
        return services.quote_update(quote=self.object, actor=actor, lines=lines, **changes)


class QuotePriceView(SalesMixin, StaffMixin, View):
    """The form's live pricing (htmx): the posted header and lines priced by the resolver and
    the totals engine, answered as the pricing panel; nothing is saved."""

    model = Quote
    http_method_names = ["post"]

    def get_permission_required(self):
        return ["sales.view_quote"]

    def post(self, request, *args, **kwargs):
        user = request.user
        form = QuoteForm(request.POST, user=user)
        formset = QuoteLineFormSet(request.POST, prefix="items", form_kwargs={"user": user})
        context: dict[str, Any] = {"errors": []}
        form.is_valid()  # the header may be incomplete while typing: price what is there
        if formset.is_valid():
            rows, _row_forms = formset_rows(formset, LINE_FIELDS)
            header = {name: value for name, value in getattr(form, "cleaned_data", {}).items()
                      if name in form.fields and value not in (None, "")}
            try:
                draft, lines, _totals = services.quote_preview(
                    firm=user.firm, lines=line_rows(rows), **header)
            except (ApplicationError, ValidationError) as error:
                context["errors"] = _messages(error)
            else:
                context.update(pricing_context(draft, lines, totals=draft))
        else:
            context["errors"] = [_("Complete the lines to see their prices.")]
        return render(request, "sales/includes/quote_pricing.html", context)


def _messages(error: Exception) -> list[str]:
    if isinstance(error, ApplicationError):
        details = [str(value) for value in error.details.values() if isinstance(value, str)]
        return [str(error.message), *details]
    if hasattr(error, "error_dict"):
        return [f"{key}: {message}" for key, messages_ in error.message_dict.items()
                for message in messages_]
    return list(error.messages)


class QuoteTransitionView(QuoteMixin, DocumentActionView):
    """Confirm one of the quote's declared actions, then its service."""

    document_actions = QUOTE_ACTIONS


class QuoteDeleteView(QuoteMixin, DraftDeleteView):
    def delete_document(self, quote: Quote) -> None:
        services.quote_delete(quote=quote, actor=self.request.user)


class QuoteVersionView(QuoteMixin, StaffMixin, View):
    """One archived version as it was, and what changed from it to the current quote."""

    def get_permission_required(self):
        return ["sales.view_quote"]

    def get(self, request, pk: int, version: int):
        quote = get_object_or_404(self.get_queryset().select_related("customer", "lead"),
                                  pk=pk)
        archived = quote.versions.filter(version=version).select_related(
            "archived_by").first()
        if archived is None:
            raise Http404
        return render(request, "sales/quote_version.html", {
            "quote": quote, "object": quote, "version": archived,
            "snapshot": archived.snapshot.get("quote", {}),
            "snapshot_lines": archived.snapshot.get("lines", []),
            "diff": version_diff(archived, quote),
            "detail_url": self.url("detail", quote.pk)})



class QuoteSendView(QuoteMixin, StaffMixin, View):
    """GET: whom to send to, in which language, with a message; POST: quote_send."""

    def get_permission_required(self):
        return ["sales.view_quote", "sales.change_quote"]

    def quote(self) -> Quote:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def render_form(self, request, quote: Quote, form: QuoteSendForm, status: int = 200):
        return render(request, "sales/quote_send.html", {
            "quote": quote, "object": quote, "form": form,
            "cancel_url": self.url("detail", quote.pk)}, status=status)

    def get(self, request, pk: int):
        quote = self.quote()
        return self.render_form(request, quote, QuoteSendForm(initial={
            "to": quote.contact_email}))

    def post(self, request, pk: int):
        from sales.quotes.services.sending import quote_send

        quote = self.quote()
        form = QuoteSendForm(request.POST)
        if not form.is_valid():
            return self.render_form(request, quote, form, status=400)
        try:
            quote_send(quote=quote, actor=request.user, to=form.recipients() or None,
                       message=form.cleaned_data["message"],
                       language=form.cleaned_data["language"] or None,
                       origin=request.build_absolute_uri("/"))
        except ValidationError as error:
            for message in _messages(error):
                form.add_error(None, message)
            return self.render_form(request, quote, form, status=400)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(self.url("detail", quote.pk))
        messages.success(request, _("Quote sent."))
        return HttpResponseRedirect(self.url("detail", quote.pk))


class QuotePdfView(QuoteMixin, DocumentPdfView):
    """The quote's PDF, in both languages unless asked."""

    default_language = "both"

    def render_pdf(self, quote: Quote, language: str) -> bytes:
        from sales.quotes.documents import quote_pdf

        return quote_pdf(quote=quote, language=language)
