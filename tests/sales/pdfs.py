"""Reading the sales PDFs back with poppler (pdftotext for the text, pdftoppm for page 1),
shared by the order and invoice PDF tests.

pdftotext gives Arabic back in reading order and in the joined presentation forms, so the
Arabic assertions compare with `visual(...)`: the reshaped text in logical order, bidi control
characters removed (tests/sales/quotes/test_pdf.py explains why).
"""

import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from core import pdf
from crm.models import Customer
from tests.crm.factories import make_customer

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils not installed")

# business-rules §2's example with bilingual descriptions, as the PDFs print them.
LINES = [
    {"description": "Office chair", "description_ar": "كرسي مكتب", "quantity": Decimal("2"),
     "unit_price": Decimal("1000"), "discount_percent": Decimal("10"),
     "tax_rate": Decimal("15")},
    {"description": "Installation service", "description_ar": "خدمة التركيب",
     "quantity": Decimal("1"), "unit_price": Decimal("500"), "discount_amount": Decimal("50"),
     "tax_rate": Decimal("15"), "taxable": False},
]


def gulf_build(firm, **fields) -> Customer:
    """The firm, with its address for the letterhead, and the customer the PDFs are for."""
    firm.address, firm.address_ar = "King Fahd Road, Riyadh", "طريق الملك فهد، الرياض"
    firm.save()
    return make_customer(firm, name="Gulf Build LLC", name_ar="شركة الخليج للبناء",
                         vat_number="311111111100003", **fields)


def text_of(data: bytes, tmp_path, *, name: str = "doc", layout: bool = False) -> str:
    """The PDF's text; `layout` keeps each table row on one line. With SALES_PDF_DIR set, the
    PDF is kept there too, to look at while building a layout."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    keep = os.environ.get("SALES_PDF_DIR")
    if keep:
        (Path(keep) / f"{name}.pdf").write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    text = subprocess.run(args, capture_output=True, check=True, text=True).stdout
    return re.sub("[\u202a-\u202e]", "", text)


def visual(text: str) -> str:
    """How pdftotext reads back Arabic we drew: joined glyphs, in reading order."""
    return pdf._reshaper.reshape(text)
