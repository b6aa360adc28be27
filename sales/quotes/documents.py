"""The quote as an A4 PDF: firm, customer or lead, lines, totals with the amount
in words, terms, "Page X of Y", in English, Arabic or both (documents.defaultLanguage).

Built on core.pdf, which does the Arabic shaping and the page frame; this module only picks
what a quote shows and in which order. Labels are literal pairs (English, Arabic) like
core.pdf's own, so the document never depends on the active translation.
"""

from decimal import Decimal

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer

from core import pdf
from core.pdf import CONTENT_WIDTH, bilingual, format_amount, styles
from sales.common.documents import line_description, percent_text, quantity_text, text_block
from sales.quotes.models import Quote

TITLE = ("Quotation", "عرض سعر")
HEADERS = [
    ("#", "م"),
    ("Description", "الوصف"),
    ("Qty", "الكمية"),
    ("Unit price", "سعر الوحدة"),
    ("Discount", "الخصم"),
    ("VAT", "الضريبة"),
    ("Total", "الإجمالي"),
]
NUMERIC_COLUMNS = {0, 2, 3, 4, 5, 6}
# The description takes what the six narrow columns leave (A4 inside the margins, ~504 pt).
_NARROW = [20, 42, 68, 58, 42, 78]
COL_WIDTHS = [_NARROW[0], CONTENT_WIDTH - sum(_NARROW), *_NARROW[1:]]






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




def _line_rows(quote: Quote, language: str) -> list[list[str]]:
    currency = ""  # the currency is said once, in the totals
    rows = []
    for number, line in enumerate(quote.lines.all(), start=1):
        if line.discount_percent:
            discount = percent_text(line.discount_percent)
        elif line.line_discount:
            discount = format_amount(line.line_discount, currency=currency)
        else:
            discount = "—"
        rows.append([
            str(number),
            line_description(line, language),
            f"{quantity_text(line.quantity)} {line.unit}".strip() if language == "en"
            else quantity_text(line.quantity),
            format_amount(line.unit_price, currency=currency),
            discount,
            percent_text(line.tax_rate) if line.taxable else "—",
            format_amount(line.line_total, currency=currency),
        ])
    return rows


def _totals_rows(quote: Quote) -> list[tuple[str, str, str]]:
    def money(value: Decimal) -> str:
        return format_amount(value, currency=quote.currency)

    rows = [("Subtotal", "المجموع الفرعي", money(quote.subtotal))]
    if quote.discount_amount:
        rows += [("Discount", "الخصم", money(-quote.discount_amount)),
                 ("After discount", "بعد الخصم", money(quote.after_discount))]
    rows.append(("VAT", "ضريبة القيمة المضافة", money(quote.tax_amount)))
    if quote.shipping_cost:
        rows.append(("Shipping", "الشحن", money(quote.shipping_cost)))
    rows.append(("Total", "الإجمالي", money(quote.total)))
    return rows




def quote_story(*, quote: Quote, language: str) -> list[Flowable]:
    """The body of the quote document, under core.pdf's page header."""
    st = styles()
    story: list[Flowable] = [*_info_rows(quote, language), Spacer(0, 8)]
    story.append(pdf.lines_table(headers=HEADERS, rows=_line_rows(quote, language),
                                 col_widths=COL_WIDTHS, numeric_columns=NUMERIC_COLUMNS,
                                 language=language))
    story.append(Spacer(0, 6))
    words: list[Flowable] = [
        Spacer(0, 4),
        bilingual(f"Amount in words: {quote.total_in_words_en}",
                  f"المبلغ كتابة: {quote.total_in_words}",
                  style_en=st.small, style_ar=st.small_ar, language=language),
    ]
    # The totals and the words belong together: never split over a page break.
    story.append(KeepTogether([pdf.totals_table(rows=_totals_rows(quote), language=language),
                               *words]))
    story += text_block(quote.terms, quote.terms_ar, ("Terms and conditions", "الشروط والأحكام"),
                    language)
    story += text_block(quote.notes, quote.notes_ar, ("Notes", "ملاحظات"), language)
    return story


def quote_pdf(*, quote: Quote, language: str) -> bytes:
    """The quote as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    if language not in pdf.LANGUAGES:
        raise ValueError(f"language must be one of {pdf.LANGUAGES}, not {language!r}")
    quote = (Quote.objects.select_related("firm", "customer", "lead")
             .prefetch_related("lines").get(pk=quote.pk))
    return pdf.render_document(
        firm=quote.firm, title=TITLE[0], title_ar=TITLE[1], number=quote.number,
        date=quote.quote_date, story=quote_story(quote=quote, language=language),
        language=language)
