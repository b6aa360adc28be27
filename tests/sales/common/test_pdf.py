"""Every sales PDF flows long texts over pages: terms and notes of 60 lines, in English,
Arabic or both side by side, give a document of several pages instead of a layout error."""

import shutil
import subprocess

import pytest

from sales.invoicing.documents import invoice_pdf
from sales.invoicing.models import Invoice
from sales.orders.documents import order_pdf
from sales.orders.models import SalesOrder
from sales.quotes.documents import quote_pdf
from sales.quotes.models import Quote
from tests.sales.factories import draft_invoice, make_order, make_quote

pytestmark = pytest.mark.django_db

LONG_EN = "\n".join(f"Clause {n}: the buyer accepts the delivery terms, payment schedule and "
                    f"warranty conditions written in this clause number {n}." for n in range(60))
LONG_AR = "\n".join(f"البند {n}: يقبل المشتري شروط التسليم وجدول الدفع وشروط الضمان المكتوبة "
                    f"في هذا البند رقم {n}." for n in range(60))
# One paragraph with no line break, longer than a page at half width.
ONE_BLOCK = " ".join(["The warranty covers manufacturing defects for twelve months."] * 120)


def long_quote(firm, text_en, text_ar) -> bytes:
    quote = make_quote(firm)
    Quote.objects.filter(pk=quote.pk).update(terms=text_en, terms_ar=text_ar,
                                             notes=text_en, notes_ar=text_ar)
    return lambda language: quote_pdf(quote=quote, language=language)


def long_order(firm, text_en, text_ar):
    order = make_order(firm)
    SalesOrder.objects.filter(pk=order.pk).update(terms=text_en, terms_ar=text_ar,
                                                  notes=text_en, notes_ar=text_ar)
    return lambda language: order_pdf(order=order, language=language)


def long_invoice(firm, text_en, text_ar):
    from tests.sales.factories import confirmed_order

    invoice = draft_invoice(firm, order=confirmed_order(firm))
    Invoice.objects.filter(pk=invoice.pk).update(notes=text_en, notes_ar=text_ar)
    return lambda language: invoice_pdf(invoice=invoice, language=language)


def page_count(document: bytes) -> int:
    if shutil.which("pdfinfo") is None:
        return document.count(b"/Type /Page") - document.count(b"/Type /Pages")
    info = subprocess.run(["pdfinfo", "-"], input=document, capture_output=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.decode().splitlines()
                    if line.startswith("Pages:")))


@pytest.mark.parametrize("make", [long_quote, long_order, long_invoice],
                         ids=["quote", "order", "invoice"])
@pytest.mark.parametrize("texts", [(LONG_EN, LONG_AR), (ONE_BLOCK, ONE_BLOCK)],
                         ids=["sixty-lines", "one-block"])
@pytest.mark.parametrize("language", ["both", "en", "ar"])
def test_long_terms_and_notes_flow_over_pages(firm, make, texts, language):
    document = make(firm, *texts)(language)
    assert document.startswith(b"%PDF-")
    assert page_count(document) >= 2
