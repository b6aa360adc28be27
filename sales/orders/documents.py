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
from core.pdf import bilingual, format_amount, styles
from sales.common.documents import (
    discounted_totals_rows,
    language_check,
    lines_table,
    text_block,
    texts_blocks,
    words_line,
)
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder

TITLE = ("Sales order", "أمر بيع")
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


def _totals_rows(order: SalesOrder) -> list[tuple[str, str, str]]:
    def money(value: Decimal) -> str:
        return format_amount(value, currency=order.currency)

    rows = discounted_totals_rows(order)
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
    story: list[Flowable] = [*_info_rows(order, language), Spacer(0, 8),
                             lines_table(order.lines.all(), language, delivered=True),
                             Spacer(0, 6)]
    story.append(KeepTogether([pdf.totals_table(rows=_totals_rows(order), language=language),
                               Spacer(0, 4), words_line(order, language)]))
    # Instructions are written once, for the driver, in whatever language they were typed.
    story += text_block(order.delivery_instructions, order.delivery_instructions,
                        ("Delivery instructions", "تعليمات التسليم"), language)
    story += texts_blocks(order, language)
    return story


def order_pdf(*, order: SalesOrder, language: str) -> bytes:
    """The order as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    language_check(language)
    order = (SalesOrder.all_objects.select_related("firm", "customer", "billing_address",
                                                   "shipping_address")
             .prefetch_related("lines").get(pk=order.pk))
    return pdf.render_document(firm=order.firm, title=TITLE[0], title_ar=TITLE[1],
                               number=order.number, date=order.order_date,
                               story=order_story(order=order, language=language),
                               language=language)
