"""sales.invoicing.documents: the tax invoice and the credit note, read back with poppler
(pdftotext; pdftoppm renders page 1). Arabic comes back joined and in reading order, so the
Arabic assertions compare with the reshaped text (see tests/sales/quotes/test_pdf.py)."""

import subprocess
from decimal import Decimal

import pytest

from sales.invoicing import services
from sales.invoicing.documents import credit_note_pdf, invoice_pdf
from tests.crm.factories import make_customer
from tests.sales.factories import confirmed_order, credit_note, pay
from tests.sales.pdfs import LINES, gulf_build, needs_poppler, text_of, visual

pytestmark = [pytest.mark.django_db, needs_poppler]


@pytest.fixture
def invoice(firm):
    order = confirmed_order(firm, customer=gulf_build(firm), lines=LINES,
                            discount_value=Decimal("100"))
    draft = services.invoice_create_from_order(order=order, actor=None)
    posted = services.invoice_post(invoice=draft, actor=None)
    pay(posted, "1000")
    return type(posted).objects.get(pk=posted.pk)


def test_invoice_in_both_languages(invoice, tmp_path):
    text = text_of(invoice_pdf(invoice=invoice, language="both"), tmp_path, name="inv-both")
    for shown in [invoice.number, "Tax invoice", "Gulf Build LLC", "311111111100003",
                  "300000000000003", "Office chair", "Installation service",
                  "2,250.00 SAR", "-100.00 SAR", "2,150.00 SAR", "258.00 SAR", "2,408.00 SAR",
                  "-1,000.00 SAR", "1,408.00 SAR", invoice.order.number,
                  f"Due date: {invoice.due_date.isoformat()}",
                  "Two thousand, four hundred and eight Saudi riyals", "Page 1 of 1"]:
        assert shown in text, shown
    for arabic in ["فاتورة ضريبية", "شركة الخليج للبناء", "كرسي مكتب", "المبلغ المستحق",
                   "الرقم الضريبي للعميل"]:
        assert visual(arabic) in text, arabic
    for word in invoice.total_in_words.split()[:2]:
        assert visual(word) in text, word


def test_english_only_and_arabic_only(invoice, tmp_path):
    english = text_of(invoice_pdf(invoice=invoice, language="en"), tmp_path, name="inv-en")
    assert "Tax invoice" in english and "2,408.00 SAR" in english
    assert visual("كرسي مكتب") not in english
    arabic = text_of(invoice_pdf(invoice=invoice, language="ar"), tmp_path, name="inv-ar")
    assert visual("فاتورة ضريبية") in arabic and "2,408.00 SAR" in arabic
    assert "Office chair" not in arabic


def test_a_draft_says_so_and_has_no_number(firm, tmp_path):
    draft = services.invoice_create_from_order(order=confirmed_order(firm), actor=None)
    text = text_of(invoice_pdf(invoice=draft, language="en"), tmp_path)
    assert "Tax invoice – DRAFT" in text
    assert "INV-" not in text


def test_credit_note(invoice, tmp_path):
    note = credit_note(invoice, post=True)
    text = text_of(credit_note_pdf(credit_note=note, language="both"), tmp_path,
                   name="cn-both")
    for shown in [note.number, "Credit note", invoice.number, "Damaged on arrival",
                  "311111111100003", "430.00 SAR", "Page 1 of 1"]:
        assert shown in text, shown
    assert visual("إشعار دائن") in text
    arabic = text_of(credit_note_pdf(credit_note=note, language="ar"), tmp_path, name="cn-ar")
    assert visual("إشعار دائن") in arabic and "Credit note" not in arabic


def test_unknown_language_is_refused(invoice):
    with pytest.raises(ValueError, match="language"):
        invoice_pdf(invoice=invoice, language="fr")


@pytest.mark.parametrize("language", ["en", "ar", "both"])
def test_page_one_renders_to_an_image(invoice, tmp_path, language):
    """pdftoppm renders page 1 cleanly (looked at by eye while building the layout: Arabic
    joined and right to left, nothing overlapping)."""
    path = tmp_path / f"invoice-{language}.pdf"
    path.write_bytes(invoice_pdf(invoice=invoice, language=language))
    result = subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(path),
                             str(tmp_path / language)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    [image] = list(tmp_path.glob(f"{language}*.png"))
    assert image.read_bytes().startswith(b"\x89PNG")


def test_down_payment_invoice_title(firm, tmp_path):
    customer = make_customer(firm)
    invoice = services.invoice_create(firm=firm, actor=None, customer=customer, lines=[
        {"description": "Advance", "quantity": 1, "unit_price": Decimal("100")}])
    text = text_of(invoice_pdf(invoice=invoice, language="en"), tmp_path)
    assert "Tax invoice (down payment)" in text
