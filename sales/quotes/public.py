"""The customer's quote page, `/q/<signed>/`: no login (docs/api.md: the one public page besides
the token endpoint). Thin views over sales.quotes.services.sending: parse, call, present.

A bad, tampered or outdated link is a 404 page, never a 500. The page is in the customer's
language: `?lang=ar|en` when given, else the language the quote was sent in (Arabic right
to left). Nothing here is cached or indexed: the address is the customer's key.
"""

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.pdf import format_amount
from sales.common.documents import pdf_response
from sales.quotes.choices import QuoteStatus
from sales.quotes.documents import quote_pdf
from sales.quotes.models import Quote
from sales.quotes.services.sending import (
    OPEN_TO_CUSTOMER,
    REASON_MAX_LENGTH,
    SHOWN_TO_CUSTOMER,
    PublicLink,
    QuoteLinkInvalid,
    QuoteNotOpen,
    quote_past_validity,
    quote_public_accept,
    quote_public_reject,
    quote_public_resolve,
    quote_public_view,
)

PAGE_LANGUAGES = ("en", "ar")


def _private(response: HttpResponse) -> HttpResponse:
    # The signed value in the address is the customer's key: keep it out of other sites'
    # logs (Referer) and out of search engines. "same-origin", not "no-referrer": under
    # no-referrer browsers post the page's own accept/reject forms with "Origin: null",
    # which Django's CSRF check refuses (the browser test of the sales flow proves it).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _language(request: HttpRequest, link: PublicLink | None) -> str:
    asked = request.GET.get("lang", "")
    if asked in PAGE_LANGUAGES:
        return asked
    return "ar" if link is not None and link.language == "ar" else "en"


def _invalid(request: HttpRequest) -> HttpResponse:
    language = _language(request, None)
    with translation.override(language):
        response = render(request, "sales/public/invalid.html",
                          {"language": language, "rtl": language == "ar"}, status=404)
    return _private(response)


def _resolve(signed: str) -> PublicLink | None:
    try:
        return quote_public_resolve(signed=signed)
    except QuoteLinkInvalid:
        return None


def _is_firm_staff(request: HttpRequest, quote: Quote) -> bool:
    user = request.user
    return user.is_authenticated and getattr(user, "firm_id", None) == quote.firm_id


def _url(name: str, signed: str, language: str) -> str:
    return f"{reverse(name, kwargs={'signed': signed})}?{urlencode({'lang': language})}"


def _lines(quote: Quote, language: str) -> list[dict]:
    rows = []
    for line in quote.lines.all():
        if line.discount_percent:
            discount = f"{format(line.discount_percent.normalize(), 'f')}%"
        elif line.line_discount:
            discount = format_amount(line.line_discount, currency="")
        else:
            discount = ""
        description = (line.description_ar or line.description) if language == "ar" else (
            line.description or line.description_ar)
        rows.append({
            "description": description,
            "quantity": format(line.quantity.normalize(), "f"),
            "unit": line.unit,
            "unit_price": format_amount(line.unit_price, currency=""),
            "discount": discount,
            "tax": f"{format(line.tax_rate.normalize(), 'f')}%" if line.taxable else "",
            "total": format_amount(line.line_total, currency=""),
        })
    return rows


def _totals(quote: Quote) -> list[tuple[str, str, bool]]:
    from django.utils.translation import gettext as _

    money = lambda value: format_amount(value, currency=quote.currency)  # noqa: E731
    rows = [(_("Subtotal"), money(quote.subtotal), False)]
    if quote.discount_amount:
        rows += [(_("Discount"), money(-quote.discount_amount), False),
                 (_("After discount"), money(quote.after_discount), False)]
    rows.append((_("VAT"), money(quote.tax_amount), False))
    if quote.shipping_cost:
        rows.append((_("Shipping"), money(quote.shipping_cost), False))
    rows.append((_("Total"), money(quote.total), True))
    return rows


def _page(request: HttpRequest, signed: str, quote: Quote, language: str, *,
          errors: dict | None = None, reason: str = "", status: int = 200) -> HttpResponse:
    firm = quote.firm
    customer = quote.customer
    if customer is not None:
        customer_name = (customer.name_ar or customer.name) if language == "ar" else customer.name
    else:
        customer_name = (quote.lead.company or quote.lead.display_name) if quote.lead else ""
    past = quote_past_validity(quote=quote)
    with translation.override(language):
        context = {
            "quote": quote, "firm": firm, "language": language, "rtl": language == "ar",
            "firm_name": (firm.name_ar or firm.name) if language == "ar" else firm.name,
            "customer_name": customer_name,
            "show_content": quote.status in SHOWN_TO_CUSTOMER,
            "can_act": quote.status in OPEN_TO_CUSTOMER and not past,
            "past_validity": past and quote.status in OPEN_TO_CUSTOMER,
            "status_label": quote.get_status_display(),
            "lines": _lines(quote, language),
            "totals": _totals(quote),
            "total_in_words": quote.total_in_words if language == "ar"
            else quote.total_in_words_en,
            "terms": (quote.terms_ar or quote.terms) if language == "ar"
            else (quote.terms or quote.terms_ar),
            "notes": (quote.notes_ar or quote.notes) if language == "ar"
            else (quote.notes or quote.notes_ar),
            "pdf_url": _url("sales_public:quote_pdf", signed, language),
            "accept_url": _url("sales_public:quote_accept", signed, language),
            "reject_url": _url("sales_public:quote_reject", signed, language),
            "other_language": "en" if language == "ar" else "ar",
            "other_language_url": _url("sales_public:quote_detail", signed,
                                       "en" if language == "ar" else "ar"),
            "errors": errors or {}, "reason": reason,
            "reason_max_length": REASON_MAX_LENGTH,
        }
        response = render(request, "sales/public/quote.html", context, status=status)
    response["Content-Language"] = language
    return _private(response)


@never_cache
@require_GET
def quote_detail(request: HttpRequest, signed: str) -> HttpResponse:
    """The quote as the customer sees it; the first opening marks it viewed (not when the
    firm's own staff open it to check the page)."""
    link = _resolve(signed)
    if link is None:
        return _invalid(request)
    quote = link.quote
    if quote.status == QuoteStatus.SENT and not _is_firm_staff(request, quote):
        try:
            quote = quote_public_view(signed=signed)
        except QuoteLinkInvalid:
            return _invalid(request)
    quote = (Quote.objects.select_related("firm", "customer", "lead")
             .prefetch_related("lines").get(pk=quote.pk))
    return _page(request, signed, quote, _language(request, link))


@never_cache
@require_GET
def quote_pdf_download(request: HttpRequest, signed: str) -> HttpResponse:
    """The quote's PDF in the page's language (or, unasked, the language it was sent in)."""
    link = _resolve(signed)
    if link is None or link.quote.status not in SHOWN_TO_CUSTOMER:
        return _invalid(request)
    asked = request.GET.get("lang", "")
    language = asked if asked in PAGE_LANGUAGES else link.language
    return _private(pdf_response(quote_pdf(quote=link.quote, language=language),
                                 name=link.quote.number, attachment=True))


def _decision(decide):
    """A customer's accept or reject, POSTed on a valid link: `decide(request, signed, link)`
    calls the service, answering a page of its own only to show a refusal. A link that stopped
    being valid answers the invalid page; a quote no longer open, the quote's page (which says
    why there is nothing to decide). Then post/redirect/get: the page shows the quote's new
    status and no buttons."""
    @never_cache
    @require_POST
    @wraps(decide)
    def view(request: HttpRequest, signed: str) -> HttpResponse:
        link = _resolve(signed)
        if link is None:
            return _invalid(request)
        try:
            refused = decide(request, signed, link)
        except QuoteLinkInvalid:
            return _invalid(request)
        except QuoteNotOpen:
            refused = None
        return refused or redirect(_url("sales_public:quote_detail", signed,
                                        _language(request, link)))
    return view


@_decision
def quote_accept(request: HttpRequest, signed: str, link: PublicLink) -> None:
    quote_public_accept(signed=signed)


@_decision
def quote_reject(request: HttpRequest, signed: str, link: PublicLink) -> HttpResponse | None:
    reason = request.POST.get("reason", "").strip()
    try:
        quote_public_reject(signed=signed, reason=reason)
    except ValidationError as error:
        language = _language(request, link)
        quote = (Quote.objects.select_related("firm", "customer", "lead")
                 .prefetch_related("lines").get(pk=link.quote.pk))
        with translation.override(language):
            errors = {name: [str(message) for message in messages]
                      for name, messages in error.message_dict.items()}
        return _page(request, signed, quote, language, errors=errors, reason=reason,
                     status=400)
    return None
