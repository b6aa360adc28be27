"""sales.orders.documents.order_pdf: the order as A4 PDF, checked through poppler (pdftotext
for the text, pdftoppm renders page 1; see tests/sales/quotes/test_pdf.py on reading Arabic
back)."""

import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from core import pdf
from sales.orders import services
from sales.orders.documents import order_pdf
from tests.crm.factories import make_customer
from tests.sales.factories import make_order, set_quantities

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                       reason="poppler-utils not installed"),
]

LINES = [
    {"description": "Office chair", "description_ar": "كرسي مكتب", "quantity": Decimal("2"),
     "unit_price": Decimal("1000"), "discount_percent": Decimal("10"),
     "tax_rate": Decimal("15")},
    {"description": "Installation service", "description_ar": "خدمة التركيب",
     "quantity": Decimal("1"), "unit_price": Decimal("500"), "discount_amount": Decimal("50"),
     "tax_rate": Decimal("15"), "taxable": False},
]


@pytest.fixture
def order(firm):
    firm.address, firm.address_ar = "King Fahd Road, Riyadh", "طريق الملك فهد، الرياض"
    firm.save()
    customer = make_customer(firm, name="Gulf Build LLC", name_ar="شركة الخليج للبناء",
                             vat_number="311111111100003", addresses=[
                                 {"kind": "billing", "line1": "12 Olaya St",
                                  "line1_ar": "١٢ شارع العليا", "city": "Riyadh",
                                  "city_ar": "الرياض", "is_default": True}])
    order = make_order(firm, customer=customer, lines=LINES, discount_value=Decimal("100"),
                       terms="Payment within 30 days.", terms_ar="الدفع خلال ثلاثين يوما.",
                       shipping_method="Truck")
    order = services.order_confirm(order=order, actor=None)
    set_quantities(order, delivered=[1, 0])
    return services.order_progress_update(order=order)


def text_of(data: bytes, tmp_path, name: str = "order") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    # Page 1 as the customer sees it (kept when ORDER_PDF_PNG_DIR is set, for a look).
    out = os.environ.get("ORDER_PDF_PNG_DIR")
    if out:
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path),
                        os.path.join(out, name)], check=True)
    return re.sub("[\u202a-\u202e]", "", text)


def visual(text: str) -> str:
    return pdf._reshaper.reshape(text)


def test_the_order_in_both_languages(order, tmp_path):
    data = order_pdf(order=order, language="both")
    assert data.startswith(b"%PDF-")
    text = text_of(data, tmp_path, "order-both")
    for shown in [order.number, "Sales order", "Gulf Build LLC", "311111111100003",
                  "12 Olaya St", "Riyadh", "Partially shipped", "Truck", "Office chair",
                  "2,250.00 SAR", "-100.00 SAR", "258.00 SAR", "2,408.00 SAR",
                  "Two thousand, four hundred and eight Saudi riyals",
                  "Payment within 30 days.", "Page 1 of 1"]:
        assert shown in text, shown
    for arabic in ["أمر بيع", "شركة الخليج للبناء", "كرسي مكتب", "الإجمالي", "شحن جزئي"]:
        assert visual(arabic) in text, arabic


def test_arabic_only_and_english_only(order, tmp_path):
    arabic = text_of(order_pdf(order=order, language="ar"), tmp_path, "order-ar")
    assert visual("أمر بيع") in arabic and visual("الشروط والأحكام") in arabic
    assert "Sales order" not in arabic
    english = text_of(order_pdf(order=order, language="en"), tmp_path, "order-en")
    assert "Sales order" in english and visual("أمر بيع") not in english
    chair = next(line for line in english.splitlines() if "Office chair" in line)
    assert re.search(r"2 unit\s+1\s+1,000\.00\s+10%\s+15%\s+1,800\.00", chair), chair


def test_balance_due_shown_once_paid(order, tmp_path):
    services.order_balance_update(order=order, down_payments_applied=Decimal("408"),
                                  amount_paid=Decimal("1000"))
    text = text_of(order_pdf(order=order, language="en"), tmp_path, "order-paid")
    assert "Balance due" in text and "1,000.00 SAR" in text


def test_unknown_language_refused(order):
    with pytest.raises(ValueError):
        order_pdf(order=order, language="fr")


def test_draft_shows_the_chosen_address(firm, tmp_path):
    customer = make_customer(firm, addresses=[{"kind": "shipping", "line1": "Dock 4",
                                               "city": "Jeddah"}])
    draft = make_order(firm, customer=customer, shipping_address=customer.addresses.get())
    assert "Dock 4" in text_of(order_pdf(order=draft, language="en"), tmp_path, "draft")
