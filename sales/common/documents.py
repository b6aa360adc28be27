"""The sales documents as bilingual A4 PDFs (reportlab on core.pdf): quotes, sales orders,
invoices and credit notes. The pieces every document draws the same way live here."""

from decimal import Decimal

from django.http import HttpResponse
from reportlab.platypus import Flowable, Spacer

from core.models import Firm
from core.pdf import bilingual, paragraph, styles
from core.services import settings_section


def firm_document_language(firm: Firm) -> str:
    """The language the firm's documents are printed in unless a caller asks (en, ar, both)."""
    return settings_section(firm=firm, section="documents")["default_language"]


def pdf_response(data: bytes, *, name: str, attachment: bool = False) -> HttpResponse:
    """A document's PDF, shown in the browser (or downloaded) as `<name>.pdf`."""
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.pdf"'
    return response


def quantity_text(value: Decimal) -> str:
    """2, 2.5, 0.125: a quantity without the trailing zeros of its four stored places."""
    return format(value.normalize(), "f")


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
