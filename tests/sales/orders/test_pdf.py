"""sales.orders.documents.order_pdf: the order as A4 PDF, checked through poppler (pdftotext
for the text, pdftoppm renders page 1; see tests/sales/quotes/test_pdf.py on reading Arabic
back)."""

import re
from decimal import Decimal

import pytest

from sales.orders import services
from sales.orders.documents import order_pdf
from tests.crm.factories import make_customer
from tests.sales.factories import make_order, set_quantities
from tests.sales.pdfs import LINES, gulf_build, needs_poppler, text_of, visual

pytestmark = [pytest.mark.django_db, needs_poppler]


@pytest.fixture
def order(firm):
    customer = gulf_build(firm, addresses=[
        {"kind": "billing", "line1": "12 Olaya St", "line1_ar": "١٢ شارع العليا",
         "city": "Riyadh", "city_ar": "الرياض", "is_default": True}])
    order = make_order(firm, customer=customer, lines=LINES, discount_value=Decimal("100"),
                       terms="Payment within 30 days.", terms_ar="الدفع خلال ثلاثين يوما.",
                       shipping_method="Truck")
    order = services.order_confirm(order=order, actor=None)
    set_quantities(order, delivered=[1, 0])
    return services.order_progress_update(order=order)


def test_the_order_in_both_languages(order, tmp_path):
    data = order_pdf(order=order, language="both")
    assert data.startswith(b"%PDF-")
    text = text_of(data, tmp_path, name="order-both", layout=True)
    for shown in [order.number, "Sales order", "Gulf Build LLC", "311111111100003",
                  "12 Olaya St", "Riyadh", "Partially shipped", "Truck", "Office chair",
                  "2,250.00 SAR", "-100.00 SAR", "258.00 SAR", "2,408.00 SAR",
                  "Two thousand, four hundred and eight Saudi riyals",
                  "Payment within 30 days.", "Page 1 of 1"]:
        assert shown in text, shown
    for arabic in ["أمر بيع", "شركة الخليج للبناء", "كرسي مكتب", "الإجمالي", "شحن جزئي"]:
        assert visual(arabic) in text, arabic


def test_arabic_only_and_english_only(order, tmp_path):
    arabic = text_of(order_pdf(order=order, language="ar"), tmp_path, name="order-ar",
                     layout=True)
    assert visual("أمر بيع") in arabic and visual("الشروط والأحكام") in arabic
    assert "Sales order" not in arabic
    english = text_of(order_pdf(order=order, language="en"), tmp_path, name="order-en",
                      layout=True)
    assert "Sales order" in english and visual("أمر بيع") not in english
    chair = next(line for line in english.splitlines() if "Office chair" in line)
    assert re.search(r"2 unit\s+1\s+1,000\.00\s+10%\s+15%\s+1,800\.00", chair), chair


def test_balance_due_shown_once_paid(order, tmp_path):
    services.order_balance_update(order=order, down_payments_applied=Decimal("408"),
                                  amount_paid=Decimal("1000"))
    text = text_of(order_pdf(order=order, language="en"), tmp_path, name="order-paid",
                   layout=True)
    assert "Balance due" in text and "1,000.00 SAR" in text


def test_unknown_language_refused(order):
    with pytest.raises(ValueError):
        order_pdf(order=order, language="fr")


def test_draft_shows_the_chosen_address(firm, tmp_path):
    customer = make_customer(firm, addresses=[{"kind": "shipping", "line1": "Dock 4",
                                               "city": "Jeddah"}])
    draft = make_order(firm, customer=customer, shipping_address=customer.addresses.get())
    text = text_of(order_pdf(order=draft, language="en"), tmp_path, name="draft", layout=True)
    assert "Dock 4" in text
