"""The sales documents as bilingual A4 PDFs (reportlab on core.pdf): quotes, sales orders,
invoices and credit notes. The pieces every document draws the same way live here."""

from decimal import Decimal

from django.http import HttpResponse
from reportlab.platypus import Flowable, Spacer

from core import pdf
from core.models import Firm
from core.money import quantity_text
from core.pdf import CONTENT_WIDTH, bilingual, format_amount, paragraph, styles
from core.services import settings_section

LINE_HEADERS = [
    ("#", "م"),
    ("Description", "الوصف"),
    ("Qty", "الكمية"),
    ("Unit price", "سعر الوحدة"),
    ("Discount", "الخصم"),
    ("VAT", "الضريبة"),
    ("Total", "الإجمالي"),
]
DELIVERED_HEADER = ("Delivered", "المسلّم")
# The narrow columns' widths; the description takes what they leave of A4 inside the margins
# (~504 pt).
LINE_WIDTHS = [20, 42, 68, 58, 42, 78]
DELIVERED_LINE_WIDTHS = [20, 42, 46, 62, 52, 40, 70]


def firm_document_language(firm: Firm) -> str:
    """The language the firm's documents are printed in unless a caller asks (en, ar, both)."""
    return settings_section(firm=firm, section="documents")["default_language"]


def pdf_response(data: bytes, *, name: str, attachment: bool = False) -> HttpResponse:
    """A document's PDF, shown in the browser (or downloaded) as `<name>.pdf`."""
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.pdf"'
    return response


def percent_text(value: Decimal) -> str:
    return f"{quantity_text(value)}%"


def line_description(line, language: str) -> str:
    """A line's description in the document's language; both, one under the other, when the
    document is bilingual and the Arabic differs."""
    if language == "en":
        return line.description or line.description_ar
    if language == "ar":
        return line.description_ar or line.description
    if line.description_ar and line.description_ar != line.description:
        return f"{line.description}\n{line.description_ar}"
    return line.description


def language_check(language: str) -> None:
    if language not in pdf.LANGUAGES:
        raise ValueError(f"language must be one of {pdf.LANGUAGES}, not {language!r}")


def _discount_text(line) -> str:
    # Credit note lines carry no discount of their own.
    if getattr(line, "discount_percent", None):
        return percent_text(line.discount_percent)
    if getattr(line, "line_discount", None):
        return format_amount(line.line_discount, currency="")
    return "—"


def lines_table(lines, language: str, *, delivered: bool = False) -> Flowable:
    """A document's lines as its PDF table: number, description, quantity (with its unit in
    English), with `delivered` the delivered quantity, unit price, discount, VAT rate and
    total. The currency is said once, in the totals."""
    headers, narrow = LINE_HEADERS, LINE_WIDTHS
    if delivered:
        headers, narrow = [*LINE_HEADERS[:3], DELIVERED_HEADER, *LINE_HEADERS[3:]], \
            DELIVERED_LINE_WIDTHS
    rows = []
    for number, line in enumerate(lines, start=1):
        quantity = quantity_text(line.quantity)
        row = [str(number), line_description(line, language),
               f"{quantity} {getattr(line, 'unit', '')}".strip() if language == "en"
               else quantity,
               format_amount(line.unit_price, currency=""), _discount_text(line),
               percent_text(line.tax_rate) if line.taxable else "—",
               format_amount(line.line_total, currency="")]
        if delivered:
            row.insert(3, quantity_text(line.delivered_quantity))
        rows.append(row)
    return pdf.lines_table(headers=headers, rows=rows,
                           col_widths=[narrow[0], CONTENT_WIDTH - sum(narrow), *narrow[1:]],
                           numeric_columns=set(range(len(headers))) - {1}, language=language)


def discounted_totals_rows(document, *, after_discount: tuple[str, str] = (
        "After discount", "بعد الخصم")) -> list[tuple[str, str, str]]:
    """The totals of a quote, an order or an invoice down to its shipping (the total and
    what follows are the caller's); an invoice names the amount after discount its taxable
    amount."""
    def money(value: Decimal) -> str:
        return format_amount(value, currency=document.currency)

    rows = [("Subtotal", "المجموع الفرعي", money(document.subtotal))]
    if document.discount_amount:
        rows += [("Discount", "الخصم", money(-document.discount_amount)),
                 (*after_discount, money(document.after_discount))]
    rows.append(("VAT", "ضريبة القيمة المضافة", money(document.tax_amount)))
    if document.shipping_cost:
        rows.append(("Shipping", "الشحن", money(document.shipping_cost)))
    return rows


def words_line(document, language: str) -> Flowable:
    """The document's total in words, under its totals."""
    st = styles()
    return bilingual(f"Amount in words: {document.total_in_words_en}",
                     f"المبلغ كتابة: {document.total_in_words}",
                     style_en=st.small, style_ar=st.small_ar, language=language)


def texts_blocks(document, language: str) -> list[Flowable]:
    """The document's terms and notes (sales.common.models.DocumentTexts), as text blocks."""
    return [*text_block(document.terms, document.terms_ar,
                        ("Terms and conditions", "الشروط والأحكام"), language),
            *text_block(document.notes, document.notes_ar, ("Notes", "ملاحظات"), language)]


def text_block(en: str, ar: str, title: tuple[str, str], language: str) -> list[Flowable]:
    """A heading and a text block (terms, notes) in the document's language(s)."""
    st = styles()
    if (language == "en" and not en) or (language == "ar" and not ar) or not (en or ar):
        # A block the customer's language has no text for is left out, not shown in the
        # other language: terms are legal text and must be the ones written for them.
        return []
    flowables: list[Flowable] = [Spacer(0, 8),
                                 bilingual(*title, style_en=st.heading, style_ar=st.heading_ar,
                                           language=language)]
    if language == "both":
        flowables.append(bilingual(en, ar, language=language))
    else:
        flowables.append(paragraph(en, st.body) if language == "en"
                         else paragraph(ar, st.body_ar, rtl=True))
    return flowables
