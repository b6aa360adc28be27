"""The sales order as an A4 PDF: firm, customer with the confirmed billing and
shipping addresses, order facts, lines with delivered and invoiced quantities, totals with
the amount in words, balance due, terms and notes, in English, Arabic or both.

Built on core.pdf (Arabic shaping, page frame, tables); labels are literal (English, Arabic)
pairs so the document never depends on the active translation.
"""

from decimal import Decimal

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer

from core import pdf
from core.pdf import CONTENT_WIDTH, bilingual, format_amount, styles
from sales.common.documents import line_description, quantity_text, text_block
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder

TITLE = ("Sales order", "أمر بيع")
HEADERS = [
    ("#", "م"),
    ("Description", "الوصف"),
    ("Qty", "الكمية"),
    ("Delivered", "المسلّم"),
    ("Unit price", "سعر الوحدة"),
    ("Discount", "الخصم"),
    ("VAT", "الضريبة"),
    ("Total", "الإجمالي"),
]
NUMERIC_COLUMNS = {0, 2, 3, 4, 5, 6, 7}
_NARROW = [20, 42, 46, 62, 52, 40, 70]
COL_WIDTHS = [_NARROW[0], CONTENT_WIDTH - sum(_NARROW), *_NARROW[1:]]
STATUS_AR = {
    SalesOrderStatus.DRAFT: "مسودة", SalesOrderStatus.CONFIRMED: "مؤكد",
    SalesOrderStatus.IN_PROGRESS: "قيد التنفيذ",
    SalesOrderStatus.PARTIALLY_SHIPPED: "شحن جزئي", SalesOrderStatus.SHIPPED: "تم الشحن",
    SalesOrderStatus.PARTIALLY_INVOICED: "فوترة جزئية",
    SalesOrderStatus.INVOICED: "تمت الفوترة", SalesOrderStatus.COMPLETED: "مكتمل",
    SalesOrderStatus.ON_HOLD: "معلق", SalesOrderStatus.CANCELLED: "ملغى",
}
STATUS_EN = {
    SalesOrderStatus.DRAFT: "Draft", SalesOrderStatus.CONFIRMED: "Confirmed",
    SalesOrderStatus.IN_PROGRESS: "In progress",
    SalesOrderStatus.PARTIALLY_SHIPPED: "Partially shipped",
    SalesOrderStatus.SHIPPED: "Shipped", SalesOrderStatus.PARTIALLY_INVOICED:
    "Partially invoiced", SalesOrderStatus.INVOICED: "Invoiced",
    SalesOrderStatus.COMPLETED: "Completed", SalesOrderStatus.ON_HOLD: "On hold",
    SalesOrderStatus.CANCELLED: "Cancelled",
}


def _terms_ar(terms: str) -> str:
    """Payment terms in Arabic (net_30 → صافي 30 يوماً)."""
    if terms.startswith("net_"):
        return f"صافي {terms.removeprefix('net_')} يوماً"
    return {"due_on_receipt": "مستحق عند الاستلام", "custom": "حسب الاتفاق"}.get(terms, terms)




def _address(snapshot: dict, *, arabic: bool) -> str:
    if not snapshot:
        return ""
    line1 = (snapshot.get("address_line1_ar") if arabic else "") or snapshot.get(
        "address_line1", "")
    city = (snapshot.get("city_ar") if arabic else "") or snapshot.get("city", "")
    parts = [line1, snapshot.get("address_line2", ""), city, snapshot.get("postal_code", ""),
             snapshot.get("country", "")]
    return "، ".join(filter(None, parts)) if arabic else ", ".join(filter(None, parts))


def _draft_address(address) -> dict:
    """A draft has no confirmed snapshot yet: show the chosen address as it is now."""
    if address is None:
        return {}
    return {"address_line1": address.line1, "address_line1_ar": address.line1_ar,
            "address_line2": address.line2, "city": address.city, "city_ar": address.city_ar,
            "postal_code": address.postal_code, "country": address.country}


def _info_rows(order: SalesOrder, language: str) -> list[Flowable]:
    st = styles()
    bold = ParagraphStyle("party", parent=st.body, fontName=pdf.FONT_BOLD)
    bold_ar = ParagraphStyle("party_ar", parent=st.body_ar, fontName=pdf.FONT_BOLD)
    customer = order.customer
    name = order.customer_name or customer.name
    name_ar = order.customer_name_ar or customer.name_ar or name
    rows = [(f"Customer: {name}", f"العميل: {name_ar}", bold, bold_ar)]
    if customer.vat_number:
        rows.append((f"Customer VAT No.: {customer.vat_number}",
                     f"الرقم الضريبي للعميل: {customer.vat_number}", st.body, st.body_ar))
    billing = order.billing_address_snapshot or _draft_address(order.billing_address)
    shipping = order.shipping_address_snapshot or _draft_address(order.shipping_address)
    if billing:
        rows.append((f"Bill to: {_address(billing, arabic=False)}",
                     f"عنوان الفوترة: {_address(billing, arabic=True)}", st.body, st.body_ar))
    if shipping:
        rows.append((f"Ship to: {_address(shipping, arabic=False)}",
                     f"عنوان الشحن: {_address(shipping, arabic=True)}", st.body, st.body_ar))
    if order.contact_name:
        rows.append((f"Attention: {order.contact_name}", f"عناية: {order.contact_name}",
                     st.body, st.body_ar))
    rows.append((f"Status: {STATUS_EN.get(order.status, order.status)}",
                 f"الحالة: {STATUS_AR.get(order.status, order.status)}", st.body, st.body_ar))
    if order.quote_number:
        rows.append((f"Quote: {order.quote_number}", f"عرض السعر: {order.quote_number}",
                     st.body, st.body_ar))
    if order.expected_delivery_date:
        day = order.expected_delivery_date.isoformat()
        rows.append((f"Expected delivery: {day}", f"موعد التسليم المتوقع: {day}",
                     st.body, st.body_ar))
    if order.payment_terms:
        terms = order.get_payment_terms_display()
        rows.append((f"Payment terms: {terms}", f"شروط الدفع: {_terms_ar(order.payment_terms)}",
                     st.body, st.body_ar))
    if order.shipping_method:
        rows.append((f"Shipping method: {order.shipping_method}",
                     f"طريقة الشحن: {order.shipping_method}", st.body, st.body_ar))
    return [bilingual(en, ar, style_en=style_en, style_ar=style_ar, language=language)
            for en, ar, style_en, style_ar in rows]




def _line_rows(order: SalesOrder, language: str) -> list[list[str]]:
    rows = []
    for number, line in enumerate(order.lines.all(), start=1):
        if line.discount_percent:
            discount = f"{quantity_text(line.discount_percent)}%"
        elif line.line_discount:
            discount = format_amount(line.line_discount, currency="")
        else:
            discount = "—"
        quantity = quantity_text(line.quantity)
        rows.append([
            str(number), line_description(line, language),
            f"{quantity} {line.unit}".strip() if language == "en" else quantity,
            quantity_text(line.delivered_quantity),
            format_amount(line.unit_price, currency=""), discount,
            f"{quantity_text(line.tax_rate)}%" if line.taxable else "—",
            format_amount(line.line_total, currency=""),
        ])
    return rows


def _totals_rows(order: SalesOrder) -> list[tuple[str, str, str]]:
    def money(value: Decimal) -> str:
        return format_amount(value, currency=order.currency)

    rows = [("Subtotal", "المجموع الفرعي", money(order.subtotal))]
    if order.discount_amount:
        rows += [("Discount", "الخصم", money(-order.discount_amount)),
                 ("After discount", "بعد الخصم", money(order.after_discount))]
    rows.append(("VAT", "ضريبة القيمة المضافة", money(order.tax_amount)))
    if order.shipping_cost:
        rows.append(("Shipping", "الشحن", money(order.shipping_cost)))
    if order.down_payments_applied or order.amount_paid:
        rows.append(("Total", "الإجمالي", money(order.total)))
        if order.down_payments_applied:
            rows.append(("Down payments", "الدفعات المقدمة", money(-order.down_payments_applied)))
        if order.amount_paid:
            rows.append(("Paid", "المدفوع", money(-order.amount_paid)))
        rows.append(("Balance due", "الرصيد المستحق", money(order.balance_due)))
    else:
        rows.append(("Total", "الإجمالي", money(order.total)))
    return rows




def order_story(*, order: SalesOrder, language: str) -> list[Flowable]:
    """The body of the order document, under core.pdf's page header."""
    st = styles()
    story: list[Flowable] = [*_info_rows(order, language), Spacer(0, 8)]
    story.append(pdf.lines_table(headers=HEADERS, rows=_line_rows(order, language),
                                 col_widths=COL_WIDTHS, numeric_columns=NUMERIC_COLUMNS,
                                 language=language))
    story.append(Spacer(0, 6))
    words = [Spacer(0, 4), bilingual(f"Amount in words: {order.total_in_words_en}",
                                     f"المبلغ كتابة: {order.total_in_words}",
                                     style_en=st.small, style_ar=st.small_ar,
                                     language=language)]
    story.append(KeepTogether([pdf.totals_table(rows=_totals_rows(order), language=language),
                               *words]))
    # Instructions are written once, for the driver, in whatever language they were typed.
    story += text_block(order.delivery_instructions, order.delivery_instructions,
                    ("Delivery instructions", "تعليمات التسليم"), language)
    story += text_block(order.terms, order.terms_ar, ("Terms and conditions", "الشروط والأحكام"),
                    language)
    story += text_block(order.notes, order.notes_ar, ("Notes", "ملاحظات"), language)
    return story


def order_pdf(*, order: SalesOrder, language: str) -> bytes:
    """The order as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    if language not in pdf.LANGUAGES:
        raise ValueError(f"language must be one of {pdf.LANGUAGES}, not {language!r}")
    order = (SalesOrder.all_objects.select_related("firm", "customer", "billing_address",
                                                   "shipping_address")
             .prefetch_related("lines").get(pk=order.pk))
    return pdf.render_document(firm=order.firm, title=TITLE[0], title_ar=TITLE[1],
                               number=order.number, date=order.order_date,
                               story=order_story(order=order, language=language),
                               language=language)
