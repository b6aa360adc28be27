"""sales.quotes.documents.quote_pdf: a bilingual A4 quote checked through poppler (pdftotext
for the text, pdftoppm to render page 1 as the customer sees it).

pdftotext gives Arabic back in reading order (it undoes the visual reordering we drew, which
it can only do when the runs are right to left) and in the joined presentation forms (which
only appear when the letters were shaped): so the Arabic assertions compare with the
reshaped text in logical order, bidi control characters removed.
"""

import re
import subprocess
from decimal import Decimal

import pytest

from sales.quotes.documents import quote_pdf
from tests.crm.factories import make_lead
from tests.sales.factories import make_quote
from tests.sales.pdfs import LINES, gulf_build, needs_poppler, text_of, visual

pytestmark = [pytest.mark.django_db, needs_poppler]


@pytest.fixture
def quote(firm):
    return make_quote(firm, customer=gulf_build(firm), lines=LINES,
                      discount_value=Decimal("100"), terms="Payment within 30 days.",
                      terms_ar="الدفع خلال ثلاثين يوما.")


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", data))


def test_the_example_quote_in_both_languages(quote, tmp_path):
    data = quote_pdf(quote=quote, language="both")
    assert data.startswith(b"%PDF-")
    assert pages(data) == 1
    text = text_of(data, tmp_path)
    for shown in [quote.number, "Quotation", "Gulf Build LLC", "311111111100003",
                  "300000000000003",  # the firm's VAT number
                  f"Valid until: {quote.valid_until.isoformat()}",
                  "Office chair", "Installation service",
                  "2,250.00 SAR", "-100.00 SAR", "2,150.00 SAR", "258.00 SAR",
                  "2,408.00 SAR", "Two thousand, four hundred and eight Saudi riyals",
                  "Payment within 30 days.", "Page 1 of 1"]:
        assert shown in text, shown
    for arabic in ["عرض سعر", "شركة الخليج للبناء", "كرسي مكتب", "الإجمالي", "الشروط والأحكام",
                   "الدفع خلال ثلاثين يوما"]:
        assert visual(arabic) in text, arabic
    # The total in Arabic words, as the quote stores it.
    assert quote.total_in_words
    for word in quote.total_in_words.split()[:2]:
        assert visual(word) in text, word


def test_lines_show_quantity_price_discount_tax_and_total(quote, tmp_path):
    text = text_of(quote_pdf(quote=quote, language="en"), tmp_path, layout=True)
    chair = next(line for line in text.splitlines() if "Office chair" in line)
    assert re.search(r"2 unit\s+1,000\.00\s+10%\s+15%\s+1,800\.00", chair), chair
    service = next(line for line in text.splitlines() if "Installation service" in line)
    assert re.search(r"1 unit\s+500\.00\s+50\.00\s+—\s+450\.00", service), service


def test_english_only_and_arabic_only(quote, tmp_path):
    english = text_of(quote_pdf(quote=quote, language="en"), tmp_path)
    assert "Quotation" in english and "2,408.00 SAR" in english
    assert visual("الشروط والأحكام") not in english
    assert visual("كرسي مكتب") not in english
    arabic = text_of(quote_pdf(quote=quote, language="ar"), tmp_path)
    assert visual("عرض سعر") in arabic and "2,408.00 SAR" in arabic
    assert visual("كرسي مكتب") in arabic
    assert "Office chair" not in arabic and "Terms and conditions" not in arabic


def test_a_lead_quote_names_the_lead(firm, tmp_path):
    lead = make_lead(firm, first_name="Sara", last_name="Ali", company="Desert Rose")
    quote = make_quote(firm, lead=lead, lines=[])
    text = text_of(quote_pdf(quote=quote, language="en"), tmp_path)
    assert "Quote to: Desert Rose" in text
    assert "0.00 SAR" in text


def test_many_lines_run_over_pages_numbered(firm, tmp_path):
    lines = [{"description": f"Item {n}", "description_ar": f"صنف {n}",
              "quantity": Decimal("1"), "unit_price": Decimal("10"), "tax_rate": Decimal("15")}
             for n in range(1, 81)]
    quote = make_quote(firm, lines=lines)
    data = quote_pdf(quote=quote, language="both")
    count = pages(data)
    assert count > 1
    text = text_of(data, tmp_path).split("\f")
    assert f"Page 1 of {count}" in text[0]
    assert f"Page {count} of {count}" in text[count - 1]
    assert "920.00 SAR" in text[count - 1]  # 800 + 15 % VAT, on the last page


def test_unknown_language_is_refused(quote):
    with pytest.raises(ValueError, match="language"):
        quote_pdf(quote=quote, language="fr")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_page_one_renders_to_an_image(quote, tmp_path, language):
    """pdftoppm renders page 1 without complaint (these images were looked at by eye while
    building the layout: Arabic joined and right to left, nothing overlapping)."""
    path = tmp_path / f"quote-{language}.pdf"
    path.write_bytes(quote_pdf(quote=quote, language=language))
    result = subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(path),
                             str(tmp_path / language)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip()
    [image] = list(tmp_path.glob(f"{language}*.png"))
    assert image.read_bytes().startswith(b"\x89PNG")
