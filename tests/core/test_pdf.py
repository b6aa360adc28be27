"""core.pdf: Arabic shaping, styles, table helpers and the rendered A4 document.

No database: plain functions that only need settings.BASE_DIR to find the fonts.
"""

import datetime
import re
import shutil
import subprocess
import types
from decimal import Decimal

import arabic_reshaper
import pytest
from bidi.algorithm import get_display
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.fonts import tt2ps
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, Spacer, Table

from core import pdf

INVOICE = "فاتورة"
# فاتورة in presentation forms, visual (left-to-right drawing) order: final teh marbuta,
# isolated reh, final waw, medial teh, final alef, initial feh.
INVOICE_VISUAL = "\ufe93\ufead\ufeee\ufe97\ufe8e\ufed3"
# رقم: final meem, initial qaf, isolated reh.
NUMBER_VISUAL = "\ufee2\ufed7\ufead"

HEADERS = [
    ("#", "م"),
    ("Description", "الوصف"),
    ("Qty", "الكمية"),
    ("Unit price", "سعر الوحدة"),
    ("Amount", "المبلغ"),
]
COL_WIDTHS = [24, 220, 50, 100, pdf.CONTENT_WIDTH - 394]
NUMERIC = {0, 2, 3, 4}


def make_firm(**overrides):
    values = {
        "name": "Al Noor Trading Co.",
        "name_ar": "شركة النور للتجارة",
        "vat_number": "300123456700003",
        "address": "King Fahd Road, Riyadh 12211",
        "address_ar": "طريق الملك فهد، الرياض 12211",
        "currency": "SAR",
    }
    values.update(overrides)
    return types.SimpleNamespace(**values)


def make_rows(count):
    return [
        [
            str(i),
            f"Office chair model {i}\nكرسي مكتب طراز {i}",
            "2",
            pdf.format_amount(Decimal("149.95")),
            pdf.format_amount(Decimal("299.90")),
        ]
        for i in range(1, count + 1)
    ]


def make_story(rows=3, language="both"):
    return [
        pdf.bilingual("Bill to: Gulf Build LLC", "العميل: شركة الخليج", language=language),
        Spacer(0, 6),
        pdf.lines_table(
            headers=HEADERS,
            rows=make_rows(rows),
            col_widths=COL_WIDTHS,
            numeric_columns=NUMERIC,
            language=language,
        ),
        pdf.totals_table(
            rows=[
                ("Subtotal", "المجموع الفرعي", "599.80 SAR"),
                ("VAT 15%", "ضريبة القيمة المضافة", "89.97 SAR"),
                ("Total", "الإجمالي", "689.77 SAR"),
            ],
            language=language,
        ),
    ]


def render(*, rows=3, language="both", firm=None):
    return pdf.render_document(
        firm=firm or make_firm(),
        title="Tax Invoice",
        title_ar="فاتورة ضريبية",
        number="INV-2026-0001",
        date=datetime.date(2026, 1, 5),
        story=make_story(rows, language),
        language=language,
    )


def page_count(data: bytes) -> int:
    # Page objects, not the /Pages tree node; reportlab writes no object streams.
    return len(re.findall(rb"/Type /Page(?![a-zA-Z])", data))


# shape() ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "Tax Invoice", "INV-2026-0001", "1,234.50 SAR", "Page 1 of 3\nline two"]
)
def test_shape_leaves_latin_untouched(text):
    assert pdf.shape(text) == text
    assert pdf.shape(text, rtl=True) == text


def test_shape_arabic_word_is_joined_and_in_visual_order():
    assert pdf.shape(INVOICE) == INVOICE_VISUAL
    # The same as the two libraries applied by hand.
    assert pdf.shape(INVOICE) == get_display(arabic_reshaper.reshape(INVOICE))
    assert pdf.shape("رقم") == NUMBER_VISUAL


def test_shape_mixed_arabic_with_document_number():
    # Arabic reads right to left, the document number stays left to right and moves to the
    # left end (where a right-to-left reader finishes).
    expected = f"INV-2026-0001 {NUMBER_VISUAL} {INVOICE_VISUAL}"
    assert pdf.shape("فاتورة رقم INV-2026-0001") == expected


def test_shape_keeps_dates_left_to_right_and_mirrors_brackets():
    label = pdf.shape("التاريخ")
    assert pdf.shape("التاريخ: 2026-01-05", rtl=True) == f"2026-01-05 :{label}"
    assert pdf.shape("تاريخ الإنشاء 2026-01-05 03:07", rtl=True).startswith("2026-01-05 03:07 ")
    # The logical "(" ends up on the right and must be drawn as ")" to enclose the word.
    assert pdf.shape("(فاتورة)", rtl=True) == f"({INVOICE_VISUAL})"
    # No bidi control characters are left for the font to draw.
    controls = "[\u200e\u200f\u202a-\u202e\u2066-\u2069]"
    assert not re.search(controls, pdf.shape("التاريخ 2026-01-05"))


def test_shape_handles_each_line_on_its_own():
    assert pdf.shape(f"Invoice\n{INVOICE}") == f"Invoice\n{INVOICE_VISUAL}"


# fonts and styles ------------------------------------------------------------------------------


def test_register_fonts_is_idempotent_and_maps_bold():
    pdf.register_fonts()
    pdf.register_fonts()
    assert pdfmetrics.getFont(pdf.FONT).face.name == b"Amiri-Regular"
    assert pdfmetrics.getFont(pdf.FONT_BOLD).face.name == b"Amiri-Bold"
    # What <b> inside a Paragraph resolves to.
    assert tt2ps(pdf.FONT, 1, 0) == pdf.FONT_BOLD


def test_styles_all_use_amiri_and_arabic_ones_are_right_aligned():
    st = pdf.styles()
    names = [
        "body", "body_ar", "heading", "heading_ar", "small", "small_ar", "cell", "cell_ar",
        "cell_num",
    ]  # fmt: skip
    for name in names:
        assert st[name].fontName in {pdf.FONT, pdf.FONT_BOLD}, name
        if name.endswith("_ar") or name == "cell_num":
            assert st[name].alignment == TA_RIGHT, name
    assert st.heading.fontName == pdf.FONT_BOLD
    with pytest.raises(KeyError):
        st["nope"]


def test_bold_markup_renders_with_the_font_family():
    story = [Paragraph("Total <b>1,234.50 SAR</b>", pdf.styles().body)]
    data = pdf.render_document(firm=make_firm(), title="T", title_ar="ت", story=story)
    assert b"Amiri-Bold" in data


def test_arabic_paragraph_wraps_in_logical_order():
    # Six words of equal width and room for two per line: three lines, in reading order.
    words = [f"بند{i}" for i in range(1, 7)]
    flowable = pdf.paragraph(" ".join(words), pdf.styles().body_ar)
    one_line_height = flowable.wrap(1000, 1000)[1]
    width = pdfmetrics.stringWidth(pdf.shape("بند1 بند2 "), pdf.FONT, 10) + 2
    assert flowable.wrap(width, 1000)[1] > 2 * one_line_height
    # The first line drawn holds the first words read, each line reordered on its own.
    assert flowable._visual_lines(width) == [
        pdf.shape("بند1 بند2", rtl=True),
        pdf.shape("بند3 بند4", rtl=True),
        pdf.shape("بند5 بند6", rtl=True),
    ]


# helpers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234.5"), "SAR", "1,234.50 SAR"),
        (Decimal("0.005"), "SAR", "0.01 SAR"),
        (Decimal("-1234567.891"), "SAR", "-1,234,567.89 SAR"),
        (Decimal("-0.001"), "SAR", "0.00 SAR"),
        (1000, "SAR", "1,000.00 SAR"),
        (Decimal("1.2345"), "KWD", "1.235 KWD"),
        (Decimal("12"), "", "12.00"),
    ],
)
def test_format_amount(value, currency, expected):
    assert pdf.format_amount(value, currency=currency) == expected


def test_format_amount_defaults_to_sar_and_refuses_floats():
    assert pdf.format_amount(Decimal("99.9")) == "99.90 SAR"
    with pytest.raises(TypeError):
        pdf.format_amount(1.5)


def test_bilingual_is_one_row_with_two_columns_or_one_paragraph():
    both = pdf.bilingual("Notes", "ملاحظات")
    assert isinstance(both, Table)
    assert (both._nrows, both._ncols) == (1, 2)
    assert not isinstance(pdf.bilingual("Notes", "ملاحظات", language="en"), Table)
    assert not isinstance(pdf.bilingual("Notes", "ملاحظات", language="ar"), Table)


def test_lines_table_repeats_bilingual_header_and_mirrors_for_arabic():
    table = pdf.lines_table(
        headers=HEADERS, rows=make_rows(2), col_widths=COL_WIDTHS, numeric_columns=NUMERIC
    )
    assert table.repeatRows == 1
    assert (table._nrows, table._ncols) == (3, 5)
    header = table._cellvalues[0][1]
    assert [p.text for p in header] == ["Description", "الوصف"]  # English over Arabic
    assert table._cellvalues[1][4].style.alignment == TA_RIGHT  # amounts right-aligned
    assert any(cmd[0] == "ROWBACKGROUNDS" for cmd in table._bkgrndcmds)

    mirrored = pdf.lines_table(
        headers=HEADERS,
        rows=make_rows(2),
        col_widths=COL_WIDTHS,
        numeric_columns=NUMERIC,
        language="ar",
    )
    assert mirrored._colWidths == list(reversed(COL_WIDTHS))
    assert mirrored._cellvalues[0][-1].text == "م"  # first column on the right


def test_lines_table_rejects_rows_that_do_not_fit_the_headers():
    with pytest.raises(ValueError, match="row 1"):
        pdf.lines_table(headers=HEADERS, rows=[["1"]], col_widths=COL_WIDTHS, numeric_columns=set())
    with pytest.raises(ValueError, match="col_widths"):
        pdf.lines_table(headers=HEADERS, rows=[], col_widths=[10], numeric_columns=set())


def test_totals_table_last_row_is_bold():
    table = pdf.totals_table(
        rows=[("Subtotal", "المجموع", "10.00 SAR"), ("Total", "الإجمالي", "11.50 SAR")]
    )
    assert (table._nrows, table._ncols) == (2, 3)
    assert {cell.style.fontName for cell in table._cellvalues[0]} == {pdf.FONT}
    assert {cell.style.fontName for cell in table._cellvalues[1]} == {pdf.FONT_BOLD}


# render_document -------------------------------------------------------------------------------


def test_render_document_returns_a_pdf_with_amiri_embedded():
    data = render()
    assert data.startswith(b"%PDF-")
    assert b"Amiri" in data
    assert b"/FontFile2" in data  # the TrueType program itself, not just a name
    assert page_count(data) == 1
    assert b"/Title (Tax Invoice INV-2026-0001)" in data
    assert b"/Author (Al Noor Trading Co.)" in data


def test_render_document_does_not_consume_the_callers_story():
    story = make_story()
    pdf.render_document(firm=make_firm(), title="Quote", title_ar="عرض سعر", story=story)
    assert len(story) == 4


def test_long_story_runs_over_pages_and_numbers_them(monkeypatch):
    calls = []
    draw_footer = pdf._draw_footer

    def recording_footer(canv, **kwargs):
        calls.append((kwargs["page"], kwargs["page_count"]))
        draw_footer(canv, **kwargs)

    monkeypatch.setattr(pdf, "_draw_footer", recording_footer)
    data = render(rows=120)
    pages = page_count(data)
    assert pages > 1
    assert calls == [(page, pages) for page in range(1, pages + 1)]


def test_page_labels_in_both_languages():
    en, ar = pdf._page_labels(page=2, page_count=7, generated="2026-01-05 10:00")
    assert en.startswith("Page 2 of 7")
    assert ar.startswith("صفحة 2 من 7")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_footer_text_is_in_the_pdf(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(render(rows=120, language="en"))
    pages = page_count(path.read_bytes())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout.split("\f")
    assert f"Page 1 of {pages}" in text[0]
    assert f"Page {pages} of {pages}" in text[pages - 1]
    assert all("Tax Invoice" in page for page in text[:pages])  # header on every page
    assert all("Description" in page for page in text[:pages])  # table header repeated


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("en", {"VAT No.: 300123456700003", "No.: INV-2026-0001", "Date: 2026-01-05"},
         {"الرقم الضريبي: 300123456700003", "التاريخ: 2026-01-05"}),
        ("ar", {"الرقم الضريبي: 300123456700003", "رقم المستند: INV-2026-0001",
                "التاريخ: 2026-01-05", "فاتورة ضريبية", "طريق الملك فهد، الرياض 12211"},
         {"VAT No.: 300123456700003", "Tax Invoice", "King Fahd Road, Riyadh 12211"}),
        ("both", {"VAT No.: 300123456700003", "الرقم الضريبي: 300123456700003",
                  "Tax Invoice", "فاتورة ضريبية"}, set()),
    ],
)  # fmt: skip
def test_each_language_shows_its_labels(monkeypatch, language, shown, hidden):
    texts = []
    footers = []
    paragraph = pdf.paragraph
    draw_footer = pdf._draw_footer

    def recording_paragraph(text, style, **kwargs):
        texts.append(text)
        return paragraph(text, style, **kwargs)

    def recording_footer(canv, **kwargs):
        footers.append(kwargs["language"])
        draw_footer(canv, **kwargs)

    monkeypatch.setattr(pdf, "paragraph", recording_paragraph)
    monkeypatch.setattr(pdf, "_draw_footer", recording_footer)
    data = render(language=language)
    assert data.startswith(b"%PDF-")
    assert page_count(data) == 1
    assert shown <= set(texts)
    assert not hidden & set(texts)
    assert footers == [language]


def test_empty_optional_firm_fields_and_story():
    firm = make_firm(name_ar="", address="", address_ar="", vat_number="")
    for language in pdf.LANGUAGES:
        data = pdf.render_document(
            firm=firm, title="Delivery Note", title_ar="", story=[], language=language
        )
        assert data.startswith(b"%PDF-")
        assert page_count(data) == 1


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        pdf.render_document(firm=make_firm(), title="T", title_ar="ت", story=[], language="fr")
