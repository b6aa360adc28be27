"""The PDF base every sales document builds on (quote, order, invoice, credit note, delivery
note, settlement): fonts, Arabic shaping, styles, table helpers and the A4 page frame.

Why it is built this way:

- reportlab draws glyphs left to right and does no OpenType shaping or bidi of its own (that
  would need uharfbuzz and rlbidi, which we do not ship). So Arabic is prepared here:
  arabic-reshaper picks the joined presentation forms and python-bidi puts them in visual
  order. Every string that may hold Arabic goes through `shape()` or `paragraph()`.
- One font, Amiri, has both Latin and Arabic glyphs, so mixed strings such as
  "فاتورة رقم INV-2026-0001" never hit a font without the glyphs.
- Right-to-left layout is done by alignment and column order (Arabic on the right, columns
  mirrored in Arabic-only documents); reportlab itself stays left-to-right.
- Helpers take plain text, never reportlab markup: firm and customer data can contain "&" or
  "<", and markup tags would be scrambled by bidi reordering anyway.
"""

from __future__ import annotations

import datetime
import io
import re
import threading
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_base_level, get_display
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.money import CURRENCY_PRECISION, round_money

__all__ = [
    "CONTENT_WIDTH",
    "FONT",
    "FONT_BOLD",
    "LANGUAGES",
    "DocumentStyles",
    "bilingual",
    "format_amount",
    "has_arabic",
    "lines_table",
    "paragraph",
    "register_fonts",
    "render_document",
    "shape",
    "styles",
    "totals_table",
]

Language = Literal["en", "ar", "both"]
# The values of the documents.defaultLanguage firm setting.
LANGUAGES: tuple[str, ...] = ("en", "ar", "both")

FONT = "Amiri"
FONT_BOLD = "Amiri-Bold"
_FONT_FILES = {FONT: "Amiri-Regular.ttf", FONT_BOLD: "Amiri-Bold.ttf"}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
# Room under the body frame for the footer line and its text.
FOOTER_HEIGHT = 12 * mm
# Gap between the page header and the first line of the body.
HEADER_GAP = 5 * mm
# What callers have for `col_widths`: the A4 width inside the side margins (~504 pt).
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
ACCENT = colors.HexColor("#1f3a5f")
ZEBRA = colors.HexColor("#eef2f7")
RULE = colors.HexColor("#9aa5b1")

# Arabic, Arabic Supplement, Arabic Extended-A and both presentation-form blocks.
_ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Digits joined by hyphens: dates (2026-01-05, with an optional time) and phone numbers. After
# Arabic letters bidi treats the digit groups as Arabic numbers and the hyphen as neutral, so
# they would come out as 05-01-2026; a left-to-right embedding (LRE ... PDF) keeps them as
# written. Not inside a longer token: INV-2026-0001 already reads left to right.
_HYPHENATED_DIGITS_RE = re.compile(r"(?<![\w-])\d+(?:-\d+)+(?: \d{1,2}:\d{2}(?::\d{2})?)?(?![\w-])")
_LRE, _PDF = "\u202a", "\u202c"
# Bidi control characters have no glyph to draw once the text is in visual order.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)

# Fonts -----------------------------------------------------------------------------------------

_font_lock = threading.Lock()
_fonts_registered = False


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "fonts"


def register_fonts() -> None:
    """Register Amiri once per process; safe to call before every render.

    pdfmetrics keeps a process-wide registry and parsing the TTFs costs ~100 ms, so the lock
    makes concurrent first renders (threads in gunicorn or Celery) parse them once only.
    """
    global _fonts_registered
    if _fonts_registered:
        return
    with _font_lock:
        if _fonts_registered:
            return
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(fonts_dir() / filename)))
        # The family mapping is what makes <b> inside a Paragraph pick Amiri-Bold. Amiri's
        # slanted faces are not shipped, so italic falls back to upright.
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_registered = True


# Arabic shaping --------------------------------------------------------------------------------

# Our own reshaper, not the module-level one: that one reads its configuration from an
# environment variable. Harakat are dropped because reportlab cannot position combining
# marks; only the ligatures Amiri maps (lam-alef, Allah) are on, which is the default set.
_reshaper = arabic_reshaper.ArabicReshaper(
    configuration={"delete_harakat": True, "support_ligatures": True}
)


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_RE.search(text))


def shape(text: str, *, rtl: bool | None = None) -> str:
    """Return `text` ready to draw left to right: Arabic joined and in visual order.

    Latin-only text comes back unchanged. `rtl` forces the paragraph direction (True for text
    in an Arabic layout); None lets the Unicode bidi algorithm take it from the first strong
    character. Each line is reordered on its own because bidi works per paragraph.
    """
    if not has_arabic(text):
        return text
    base_dir = None if rtl is None else ("R" if rtl else "L")
    return "\n".join(_shape_line(line, base_dir) for line in text.split("\n"))


def _shape_line(line: str, base_dir: str | None) -> str:
    # get_display is bidi.algorithm's pure-Python one on purpose: the Rust one behind
    # `bidi.get_display` does not mirror brackets (python-bidi #25), "(مثال)" became ")مثال(".
    embedded = _HYPHENATED_DIGITS_RE.sub(lambda m: f"{_LRE}{m.group(0)}{_PDF}", line)
    visual = get_display(_reshaper.reshape(embedded), base_dir=base_dir)
    return visual.translate(_BIDI_CONTROLS)


def _is_rtl(text: str) -> bool:
    """True when the first strong character is right-to-left (an Arabic-led line)."""
    return has_arabic(text) and get_base_level(text) == 1


class _BidiParagraph(Flowable):
    """A Paragraph for text with Arabic in it.

    Lines must be broken in logical order and then each line reordered: a Paragraph given
    the whole visually ordered string would put the end of the sentence on its first line.
    So the text is wrapped here, at the width reportlab offers, and handed to a Paragraph
    one visual line per <br/>.
    """

    def __init__(self, text: str, style: ParagraphStyle, *, rtl: bool) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.rtl = rtl
        self._para: Paragraph | None = None

    def _width(self, text: str) -> float:
        return pdfmetrics.stringWidth(text, self.style.fontName, self.style.fontSize)

    def _visual_lines(self, width: float) -> list[str]:
        # Measured after reshaping only: reordering moves glyphs but never changes the width.
        # A point of slack so Paragraph, measuring the same words, never re-breaks a line.
        width -= 1
        lines: list[str] = []
        for logical in self.text.split("\n"):
            current: list[str] = []
            for word in logical.split():
                candidate = [*current, word]
                if current and self._width(_reshaper.reshape(" ".join(candidate))) > width:
                    lines.append(" ".join(current))
                    current = [word]
                else:
                    current = candidate
            lines.append(" ".join(current))
        return [shape(line, rtl=self.rtl) for line in lines]

    def _layout(self, avail_width: float) -> Paragraph:
        width = avail_width - self.style.leftIndent - self.style.rightIndent
        markup = "<br/>".join(escape(line) for line in self._visual_lines(width))
        self._para = Paragraph(markup, self.style)
        return self._para

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._layout(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return self._layout(availWidth).split(availWidth, availHeight)

    def draw(self) -> None:
        assert self._para is not None, "wrap() comes before draw()"
        self._para.drawOn(self.canv, 0, 0)

    def minWidth(self) -> float:
        words = self.text.split() or [""]
        widest = max(self._width(_reshaper.reshape(word)) for word in words)
        return widest + self.style.leftIndent + self.style.rightIndent


def paragraph(text: str, style: ParagraphStyle, *, rtl: bool | None = None) -> Flowable:
    """A Paragraph for plain `text` (escaped, newlines kept) that also handles Arabic.

    Text with Arabic is laid out right-to-left when `rtl` is True, or by default when the
    style is right-aligned (the *_ar styles); otherwise bidi decides from the text itself.
    """
    text = "" if text is None else str(text)
    if has_arabic(text):
        if rtl is None:
            rtl = True if style.alignment == TA_RIGHT else _is_rtl(text)
        return _BidiParagraph(text, style, rtl=rtl)
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


# Styles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentStyles:
    """The paragraph styles of every document; *_ar are right-aligned for Arabic.

    Everything is Amiri. Leading is generous (about 1.45 x size) because Arabic marks and
    Amiri's tall Latin ascenders need the room. Also indexable: `styles()["body"]`.
    """

    body: ParagraphStyle
    body_ar: ParagraphStyle
    heading: ParagraphStyle
    heading_ar: ParagraphStyle
    title: ParagraphStyle
    title_ar: ParagraphStyle
    small: ParagraphStyle
    small_ar: ParagraphStyle
    cell: ParagraphStyle
    cell_ar: ParagraphStyle
    cell_num: ParagraphStyle
    header_cell: ParagraphStyle
    header_cell_ar: ParagraphStyle
    header_cell_num: ParagraphStyle
    total_label: ParagraphStyle
    total_label_ar: ParagraphStyle
    total_amount: ParagraphStyle

    def __getitem__(self, name: str) -> ParagraphStyle:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        return getattr(self, name)


def _style(name: str, *, size: float, bold: bool = False, align: int = TA_LEFT, **kw: Any):
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=round(size * 1.45, 1),
        alignment=align,
        textColor=kw.pop("textColor", INK),
        **kw,
    )


def _bold(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}_bold", parent=style, fontName=FONT_BOLD)


def styles() -> DocumentStyles:
    """Fresh styles for one document; derive variants with ParagraphStyle(parent=...)."""
    register_fonts()
    return DocumentStyles(
        body=_style("body", size=10),
        body_ar=_style("body_ar", size=10, align=TA_RIGHT),
        heading=_style("heading", size=12, bold=True, spaceBefore=6, spaceAfter=3),
        heading_ar=_style(
            "heading_ar", size=12, bold=True, align=TA_RIGHT, spaceBefore=6, spaceAfter=3
        ),
        title=_style("title", size=16, bold=True, textColor=ACCENT),
        title_ar=_style("title_ar", size=16, bold=True, align=TA_RIGHT, textColor=ACCENT),
        small=_style("small", size=8, textColor=MUTED),
        small_ar=_style("small_ar", size=8, align=TA_RIGHT, textColor=MUTED),
        cell=_style("cell", size=9),
        cell_ar=_style("cell_ar", size=9, align=TA_RIGHT),
        cell_num=_style("cell_num", size=9, align=TA_RIGHT),
        header_cell=_style("header_cell", size=8.5, bold=True, textColor=colors.white),
        header_cell_ar=_style(
            "header_cell_ar", size=8.5, bold=True, align=TA_RIGHT, textColor=colors.white
        ),
        header_cell_num=_style(
            "header_cell_num", size=8.5, bold=True, align=TA_RIGHT, textColor=colors.white
        ),
        total_label=_style("total_label", size=9.5),
        total_label_ar=_style("total_label_ar", size=9.5, align=TA_RIGHT),
        total_amount=_style("total_amount", size=9.5, align=TA_RIGHT),
    )


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")


# Building blocks -------------------------------------------------------------------------------

# English and Arabic side by side: the columns sit flush with the page margins, top-aligned.
_SIDE_BY_SIDE = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (0, -1), 0),
    ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
]


def bilingual(
    en: str,
    ar: str,
    *,
    style_en: ParagraphStyle | None = None,
    style_ar: ParagraphStyle | None = None,
    language: str = "both",
) -> Flowable:
    """English on the left and Arabic on the right in one row; one side only for "en"/"ar".

    With a single language the other text is the fallback when the wanted one is empty.
    """
    _check_language(language)
    st = styles()
    style_en = style_en or st.body
    style_ar = style_ar or st.body_ar
    if language == "en":
        return paragraph(en or ar, style_en)
    if language == "ar":
        return paragraph(ar or en, style_ar, rtl=True)
    # A table row never breaks across pages, so a long text goes one row per chunk of it.
    rows = zip_longest(_chunks(en), _chunks(ar), fillvalue="")
    table = Table(
        [[paragraph(left, style_en), paragraph(right, style_ar, rtl=True)]
         for left, right in rows],
        colWidths=["50%", "50%"],
    )
    table.setStyle(TableStyle([*_SIDE_BY_SIDE, ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


# Long enough for any heading or address in one piece, short enough that a chunk at half
# the page's width stays well within one page.
_CHUNK_CHARACTERS = 600


def _chunks(text: str | None) -> list[str]:
    """The text's lines, each line longer than _CHUNK_CHARACTERS cut at a space before it."""
    chunks: list[str] = []
    for line in ("" if text is None else str(text)).split("\n"):
        while len(line) > _CHUNK_CHARACTERS:
            cut = line.rfind(" ", 0, _CHUNK_CHARACTERS)
            cut = cut if cut > 0 else _CHUNK_CHARACTERS
            chunks.append(line[:cut])
            line = line[cut:].lstrip()
        chunks.append(line)
    return chunks


def _mirror(items: list, language: str) -> list:
    """Arabic-only layouts read right to left, so the first column goes on the right."""
    return list(reversed(items)) if language == "ar" else list(items)


def _text_cell(value: Any, *, numeric: bool, language: str, st: DocumentStyles) -> Any:
    if isinstance(value, Flowable):
        return value
    value = "" if value is None else str(value)
    if numeric:
        return paragraph(value, st.cell_num)
    if language == "ar":
        return paragraph(value, st.cell_ar, rtl=True)
    # English layouts: an Arabic-led line (say the Arabic product name under the English
    # one) is right-aligned on its own, so each language reads from its natural edge.
    lines = value.split("\n")
    cell = [paragraph(line, st.cell_ar if _is_rtl(line) else st.cell) for line in lines]
    return cell[0] if len(cell) == 1 else cell


def _header_cell(en: str, ar: str, *, numeric: bool, language: str, st: DocumentStyles) -> Any:
    if language == "ar":
        return paragraph(ar or en, st.header_cell_ar, rtl=True)
    if language == "en":
        return paragraph(en or ar, st.header_cell_num if numeric else st.header_cell)
    # Both: English over Arabic, centred so the two lines sit together over the column.
    en_style = ParagraphStyle("header_cell_en_c", parent=st.header_cell, alignment=TA_CENTER)
    ar_style = ParagraphStyle("header_cell_ar_c", parent=st.header_cell_ar, alignment=TA_CENTER)
    return [paragraph(en, en_style), paragraph(ar, ar_style, rtl=True)]


def lines_table(
    *,
    headers: list[tuple[str, str]],
    rows: list[list[str]],
    col_widths: list[float],
    numeric_columns: set[int],
    language: str = "both",
) -> Table:
    """The document lines: bilingual header row repeated on every page, zebra rows, numbers
    right-aligned. Column indexes are in the caller's (English) order; with language="ar"
    the columns are mirrored so the first one sits on the right.
    """
    _check_language(language)
    width = len(headers)
    if len(col_widths) != width:
        raise ValueError(f"{len(col_widths)} col_widths for {width} headers")
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"row {number} has {len(row)} cells, headers have {width}")
    if not numeric_columns <= set(range(width)):
        raise ValueError(f"numeric_columns {sorted(numeric_columns)} outside 0..{width - 1}")

    st = styles()
    header = [
        _header_cell(en, ar, numeric=i in numeric_columns, language=language, st=st)
        for i, (en, ar) in enumerate(headers)
    ]
    body = [
        [
            _text_cell(value, numeric=i in numeric_columns, language=language, st=st)
            for i, value in enumerate(row)
        ]
        for row in rows
    ]
    table = Table(
        [_mirror(header, language)] + [_mirror(row, language) for row in body],
        colWidths=_mirror(col_widths, language),
        repeatRows=1,
        hAlign="RIGHT" if language == "ar" else "LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("LINEBELOW", (0, -1), (-1, -1), 0.75, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def totals_table(*, rows: list[tuple[str, str, str]], language: str = "both") -> Table:
    """Totals under the lines: (English label, Arabic label, amount) per row, the last row
    (the grand total) bold over a rule. Sits on the right, or on the left in Arabic layouts.
    """
    _check_language(language)
    st = styles()
    data = []
    for number, (en, ar, amount) in enumerate(rows, start=1):
        last = number == len(rows)
        label_en = _bold(st.total_label) if last else st.total_label
        label_ar = _bold(st.total_label_ar) if last else st.total_label_ar
        amount_style = _bold(st.total_amount) if last else st.total_amount
        cells = []
        if language != "ar":
            cells.append(paragraph(en or ar, label_en))
        if language != "en":
            cells.append(paragraph(ar or en, label_ar, rtl=True))
        cells.append(paragraph(amount, amount_style))
        # Arabic-only reads right to left: label on the right, amount on its left.
        data.append(list(reversed(cells)) if language == "ar" else cells)

    widths = {"both": [115, 125, 105], "en": [150, 105], "ar": [105, 150]}[language]
    table = Table(data, colWidths=widths, hAlign="LEFT" if language == "ar" else "RIGHT")
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if data:
        commands += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.75, ACCENT),
            ("BACKGROUND", (0, -1), (-1, -1), ZEBRA),
        ]
    table.setStyle(TableStyle(commands))
    return table


def format_amount(value: Decimal | int | str, *, currency: str = "SAR") -> str:
    """ "1,234.50 SAR": rounded half-up to the currency's minor unit, thousands separated.

    Floats are refused: a binary float has already lost the halalas we would print.
    """
    if isinstance(value, float | bool):
        raise TypeError(f"format_amount() takes a Decimal, not {type(value).__name__}")
    amount = round_money(value, currency=currency or "SAR")
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount.is_zero():
        amount = abs(amount)  # "-0.00" only confuses a customer
    places = CURRENCY_PRECISION.get(currency, 2)
    text = f"{amount:,.{places}f}"
    return f"{text} {currency}" if currency else text


# Page frame ------------------------------------------------------------------------------------

_VAT_LABEL = ("VAT No.", "الرقم الضريبي")
_NUMBER_LABEL = ("No.", "رقم المستند")
_DATE_LABEL = ("Date", "التاريخ")


def _attr(firm: Any, name: str) -> str:
    return (getattr(firm, name, "") or "").strip()


def _header(
    *,
    firm: Any,
    title: str,
    title_ar: str,
    number: str,
    date: datetime.date | None,
    language: str,
    st: DocumentStyles,
) -> Table:
    """The block drawn at the top of every page: firm names, address and VAT number, then the
    document title with number and date. English on the left, Arabic on the right.
    """
    name, name_ar = _attr(firm, "name"), _attr(firm, "name_ar")
    address, address_ar = _attr(firm, "address"), _attr(firm, "address_ar")
    vat = _attr(firm, "vat_number")
    firm_name = _bold(st.body)
    firm_name.fontSize, firm_name.leading = 13, 18
    firm_name_ar = ParagraphStyle("firm_name_ar", parent=firm_name, alignment=TA_RIGHT)
    day = date.isoformat() if date else ""

    # The firm's names are its legal identity, so both show whatever the label language;
    # addresses and labels follow `language`, falling back to the other language's data.
    en_firm: list[Flowable] = []
    ar_firm: list[Flowable] = []
    en_doc: list[Flowable] = []
    ar_doc: list[Flowable] = []
    if language != "ar" or name_ar:
        en_firm.append(paragraph(name, firm_name))
    if language != "en" or name_ar:
        ar_firm.append(paragraph(name_ar or name, firm_name_ar, rtl=True))
    if language != "ar":
        if address:
            en_firm.append(paragraph(address, st.small))
        if vat:
            en_firm.append(paragraph(f"{_VAT_LABEL[0]}: {vat}", st.small))
        en_doc.append(paragraph(title or title_ar, st.title))
        if number:
            en_doc.append(paragraph(f"{_NUMBER_LABEL[0]}: {number}", st.body))
        if day:
            en_doc.append(paragraph(f"{_DATE_LABEL[0]}: {day}", st.body))
    if language != "en":
        shown_address = address_ar or (address if language == "ar" else "")
        if shown_address:
            ar_firm.append(paragraph(shown_address, st.small_ar, rtl=True))
        if vat:
            ar_firm.append(paragraph(f"{_VAT_LABEL[1]}: {vat}", st.small_ar, rtl=True))
        ar_doc.append(paragraph(title_ar or title, st.title_ar, rtl=True))
        if number:
            ar_doc.append(paragraph(f"{_NUMBER_LABEL[1]}: {number}", st.body_ar, rtl=True))
        if day:
            ar_doc.append(paragraph(f"{_DATE_LABEL[1]}: {day}", st.body_ar, rtl=True))

    table = Table(
        [[en_firm, ar_firm], [en_doc, ar_doc]],
        colWidths=[CONTENT_WIDTH / 2, CONTENT_WIDTH / 2],
    )
    table.setStyle(
        TableStyle(
            [
                *_SIDE_BY_SIDE,
                ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
                ("TOPPADDING", (0, 1), (-1, 1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
                ("LINEBELOW", (0, 1), (-1, 1), 1.25, ACCENT),
            ]
        )
    )
    return table


def _page_labels(*, page: int, page_count: int, generated: str) -> tuple[str, str]:
    """The footer's English and Arabic texts (logical order, not yet shaped)."""
    return (
        f"Page {page} of {page_count} · Generated {generated}",
        f"صفحة {page} من {page_count} · تاريخ الإنشاء {generated}",
    )


def _draw_footer(
    canv: rl_canvas.Canvas, *, page: int, page_count: int, language: str, generated: str
) -> None:
    en, ar = _page_labels(page=page, page_count=page_count, generated=generated)
    y = MARGIN - 2 * mm
    canv.saveState()
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN, y + 10, PAGE_WIDTH - MARGIN, y + 10)
    canv.setFillColor(MUTED)
    canv.setFont(FONT, 8)
    if language != "ar":
        canv.drawString(MARGIN, y, en)
    if language != "en":
        canv.drawRightString(PAGE_WIDTH - MARGIN, y, shape(ar, rtl=True))
    canv.restoreState()


class _NumberedCanvas(rl_canvas.Canvas):
    """Keeps every page until save() so each footer can say "Page X of Y".

    reportlab's NumberedCanvas recipe: the total is only known once the story is laid out,
    so showPage() stores the page's drawing state and save() replays it with the footer.
    """

    def __init__(self, *args: Any, footer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._saved_pages: list[dict] = []

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        page_count = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._footer(self, page=self._pageNumber, page_count=page_count)
            super().showPage()
        super().save()


def _now_text() -> str:
    from django.utils import timezone

    now = timezone.now()
    if timezone.is_aware(now):
        now = timezone.localtime(now)
    return now.strftime("%Y-%m-%d %H:%M")


def render_document(
    *,
    firm: Any,
    title: str,
    title_ar: str,
    number: str = "",
    date: datetime.date | None = None,
    story: list[Flowable],
    language: str = "both",
) -> bytes:
    """Lay `story` out on A4 pages under the firm/title header and over the numbered footer,
    and return the PDF bytes.

    `firm` is anything with name, name_ar, vat_number, address, address_ar (empty allowed).
    `language` is the documents.defaultLanguage setting: "en", "ar" or "both"; the story's
    own flowables should be built with the same value.
    """
    _check_language(language)
    st = styles()
    if isinstance(date, datetime.datetime):
        date = date.date()

    header = _header(
        firm=firm,
        title=title,
        title_ar=title_ar,
        number=number,
        date=date,
        language=language,
        st=st,
    )
    # The header's height depends on the address length; measure it once and start the
    # body frame below it so the two never overlap.
    _, header_height = header.wrap(CONTENT_WIDTH, PAGE_HEIGHT)
    top_margin = MARGIN + header_height + HEADER_GAP
    bottom_margin = MARGIN + FOOTER_HEIGHT - 4 * mm

    def draw_header(canv: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        header.wrapOn(canv, CONTENT_WIDTH, PAGE_HEIGHT)
        header.drawOn(canv, MARGIN, PAGE_HEIGHT - MARGIN - header_height)
        canv.restoreState()

    # PDF metadata in the document's main language; viewers show it in tabs and search it.
    if language == "ar":
        shown_title = title_ar or title
        author = _attr(firm, "name_ar") or _attr(firm, "name")
    else:
        shown_title = title or title_ar
        author = _attr(firm, "name") or _attr(firm, "name_ar")
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
        title=f"{shown_title} {number}".strip(),
        author=author,
        subject=f"{title} / {title_ar}".strip(" /"),
        creator="sales-erp",
        lang="ar" if language == "ar" else "en",
    )
    frame = Frame(
        MARGIN,
        bottom_margin,
        CONTENT_WIDTH,
        PAGE_HEIGHT - top_margin - bottom_margin,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="document", frames=[frame], onPage=draw_header)])
    footer = partial(_draw_footer, language=language, generated=_now_text())
    # list(): build() consumes the list it is given, and the caller's story is theirs.
    doc.build(list(story) or [Spacer(0, 0)], canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()
