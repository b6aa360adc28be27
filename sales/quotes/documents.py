"""The quote as an A4 PDF: firm, customer or lead, lines, totals with the amount
in words, terms, "Page X of Y", in English, Arabic or both (documents.defaultLanguage).

Built on core.pdf, which does the Arabic shaping and the page frame; this module only picks
what a quote shows and in which order. Labels are literal pairs (English, Arabic) like
core.pdf's own, so the document never depends on the active translation.
"""


from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer

from core import pdf
from core.pdf import bilingual, format_amount, styles
from sales.common.documents import (
    discounted_totals_rows,
    language_check,
    lines_table,
    texts_blocks,
    words_line,
)
from sales.quotes.models import Quote

TITLE = ("Quotation", "عرض سعر")


def _party(quote: Quote) -> dict[str, str]:
    """Who the quote is for: the customer, else the lead, with the quote's contact."""
    customer, lead = quote.customer, quote.lead
    if customer is not None:
        name, name_ar, vat = customer.name, customer.name_ar, customer.vat_number
    else:
        name = (lead.company or lead.display_name) if lead is not None else ""
        name_ar, vat = "", ""
    contact = " · ".join(filter(None, [quote.contact_name, quote.contact_email,
                                       quote.contact_phone]))
    return {"name": name, "name_ar": name_ar or name, "vat": vat, "contact": contact}


def _info_rows(quote: Quote, language: str) -> list[Flowable]:
    """To whom, valid until, version: English on the left, Arabic on the right."""
    st = styles()
    party = _party(quote)
    bold = ParagraphStyle("party", parent=st.body, fontName=pdf.FONT_BOLD)
    bold_ar = ParagraphStyle("party_ar", parent=st.body_ar, fontName=pdf.FONT_BOLD)
    rows = [
        (f"Quote to: {party['name']}", f"مقدم إلى: {party['name_ar']}", bold, bold_ar),
    ]
    if party["vat"]:
        rows.append((f"Customer VAT No.: {party['vat']}",
                     f"الرقم الضريبي للعميل: {party['vat']}", st.body, st.body_ar))
    if party["contact"]:
        rows.append((f"Attention: {party['contact']}", f"عناية: {party['contact']}",
                     st.body, st.body_ar))
    if quote.valid_until:
        day = quote.valid_until.isoformat()
        rows.append((f"Valid until: {day}", f"صالح حتى: {day}", st.body, st.body_ar))
    if quote.version > 1:
        rows.append((f"Version: {quote.version}", f"الإصدار: {quote.version}",
                     st.body, st.body_ar))
    return [bilingual(en, ar, style_en=style_en, style_ar=style_ar, language=language)
            for en, ar, style_en, style_ar in rows]


def quote_story(*, quote: Quote, language: str) -> list[Flowable]:
    """The body of the quote document, under core.pdf's page header."""
    story: list[Flowable] = [*_info_rows(quote, language), Spacer(0, 8),
                             lines_table(quote.lines.all(), language), Spacer(0, 6)]
    totals = [*discounted_totals_rows(quote),
              ("Total", "الإجمالي", format_amount(quote.total, currency=quote.currency))]
    # The totals and the words belong together: never split over a page break.
    story.append(KeepTogether([pdf.totals_table(rows=totals, language=language),
                               Spacer(0, 4), words_line(quote, language)]))
    story += texts_blocks(quote, language)
    return story


def quote_pdf(*, quote: Quote, language: str) -> bytes:
    """The quote as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    language_check(language)
    quote = (Quote.objects.select_related("firm", "customer", "lead")
             .prefetch_related("lines").get(pk=quote.pk))
    return pdf.render_document(
        firm=quote.firm, title=TITLE[0], title_ar=TITLE[1], number=quote.number,
        date=quote.quote_date, story=quote_story(quote=quote, language=language),
        language=language)
