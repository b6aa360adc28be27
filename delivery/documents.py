"""The delivery note (packing slip) as an A4 PDF: firm, customer and the address delivered to,
the order and carrier facts, the lines with ordered, planned and delivered quantities, serial
and batch numbers, the driver's instructions, and a signature block — with the receiver's
name, title, time and signature image once delivered — in English, Arabic or both.

Built on core.pdf; labels are literal (English, Arabic) pairs so the document never depends on
the active translation.
"""

import io

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, Spacer, Table, TableStyle

from core import pdf
from core.pdf import CONTENT_WIDTH, bilingual, styles
from sales.common.documents import language_check, line_description, quantity_text, text_block
from sales.orders.documents import _address

from .choices import DeliveryNoteStatus
from .models import DeliveryNote

TITLE = ("Delivery note", "إشعار تسليم")
STATUS_AR = {
    DeliveryNoteStatus.DRAFT: "مسودة", DeliveryNoteStatus.CONFIRMED: "مؤكد",
    DeliveryNoteStatus.PICKING: "قيد التجهيز", DeliveryNoteStatus.PACKED: "معبأ",
    DeliveryNoteStatus.IN_TRANSIT: "في الطريق", DeliveryNoteStatus.DELIVERED: "تم التسليم",
    DeliveryNoteStatus.PARTIALLY_DELIVERED: "تسليم جزئي",
    DeliveryNoteStatus.CANCELLED: "ملغى", DeliveryNoteStatus.RETURNED: "مرتجع",
}
HEADERS = [("#", "#"), ("Item", "الصنف"), ("Ordered", "المطلوب"),
           ("To deliver", "للتسليم"), ("Delivered", "المسلَّم"),
           ("Serial / batch", "الرقم التسلسلي / الدفعة")]
NARROW = [20, 55, 55, 55, 110]


def _info_rows(note: DeliveryNote, language: str) -> list[Flowable]:
    st = styles()
    bold = ParagraphStyle("party", parent=st.body, fontName=pdf.FONT_BOLD)
    bold_ar = ParagraphStyle("party_ar", parent=st.body_ar, fontName=pdf.FONT_BOLD)
    name = note.customer_name
    rows = [(f"Customer: {name}", f"العميل: {note.customer_name_ar or name}", bold, bold_ar),
            (f"Sales order: {note.order_number}", f"أمر البيع: {note.order_number}",
             st.body, st.body_ar)]
    address = note.shipping_address_snapshot
    if address:
        rows.append((f"Deliver to: {_address(address, arabic=False)}",
                     f"عنوان التسليم: {_address(address, arabic=True)}", st.body, st.body_ar))
    if note.contact_name or note.contact_phone:
        contact = " ".join(filter(None, [note.contact_name, note.contact_phone]))
        rows.append((f"Contact: {contact}", f"جهة الاتصال: {contact}", st.body, st.body_ar))
    rows.append((f"Status: {note.get_status_display()}",
                 f"الحالة: {STATUS_AR.get(note.status, note.status)}", st.body, st.body_ar))
    if note.carrier or note.tracking_number:
        carrier = " ".join(filter(None, [note.carrier, note.carrier_service]))
        tracking = f" — {note.tracking_number}" if note.tracking_number else ""
        rows.append((f"Carrier: {carrier}{tracking}", f"شركة الشحن: {carrier}{tracking}",
                     st.body, st.body_ar))
    if note.scheduled_date:
        day = note.scheduled_date.isoformat()
        rows.append((f"Scheduled: {day}", f"الموعد المجدول: {day}", st.body, st.body_ar))
    if note.estimated_delivery_date:
        day = note.estimated_delivery_date.isoformat()
        rows.append((f"Expected delivery: {day}", f"موعد التسليم المتوقع: {day}",
                     st.body, st.body_ar))
    if note.number_of_packages or note.weight:
        weight = f", {quantity_text(note.weight)} {note.weight_unit}" if note.weight else ""
        weight_ar = f"، {quantity_text(note.weight)} {note.weight_unit}" if note.weight else ""
        rows.append((f"Packages: {note.number_of_packages}{weight}",
                     f"عدد الطرود: {note.number_of_packages}{weight_ar}", st.body, st.body_ar))
    if note.driver_name or note.vehicle_plate:
        driver = " — ".join(filter(None, [note.driver_name, note.vehicle_plate]))
        rows.append((f"Driver: {driver}", f"السائق: {driver}", st.body, st.body_ar))
    return [bilingual(en, ar, style_en=style_en, style_ar=style_ar, language=language)
            for en, ar, style_en, style_ar in rows]


def _lines(note: DeliveryNote, language: str) -> Flowable:
    rows = []
    for number, line in enumerate(note.lines.all(), start=1):
        serials = ", ".join(line.serial_numbers or [])
        tracking = " / ".join(filter(None, [serials, line.batch_number])) or "—"
        delivered = (quantity_text(line.quantity_delivered)
                     if note.status in (DeliveryNoteStatus.DELIVERED,
                                        DeliveryNoteStatus.PARTIALLY_DELIVERED,
                                        DeliveryNoteStatus.RETURNED) else "")
        rows.append([str(number), line_description(line, language),
                     quantity_text(line.quantity_ordered), quantity_text(line.quantity_to_deliver),
                     delivered, tracking])
    return pdf.lines_table(headers=HEADERS, rows=rows,
                           col_widths=[NARROW[0], CONTENT_WIDTH - sum(NARROW), *NARROW[1:]],
                           numeric_columns={0, 2, 3, 4}, language=language)


def _signature_block(note: DeliveryNote, language: str) -> Flowable:
    """Who received the goods — the person who signed, not the customer — with the signature
    once delivered, or empty lines to sign on paper."""
    st = styles()
    done = bool(note.received_by)
    when = note.actual_delivery_date.strftime("%Y-%m-%d %H:%M") \
        if note.actual_delivery_date else ""
    rows = [(f"Received by: {note.received_by or '______________________'}",
             f"المستلم: {note.received_by or '______________________'}"),
            (f"Title: {note.received_by_title or ('—' if done else '______________')}",
             f"الصفة: {note.received_by_title or ('—' if done else '______________')}"),
            (f"Date: {when or '______________'}", f"التاريخ: {when or '______________'}")]
    cells: list[Flowable] = [bilingual(en, ar, style_en=st.body, style_ar=st.body_ar,
                                       language=language) for en, ar in rows]
    signature: Flowable
    if note.signature:
        with note.signature.open("rb") as file:
            data = io.BytesIO(file.read())
        # mask="auto": a canvas signature is dark strokes on a transparent background.
        signature = Image(data, width=60 * mm, height=25 * mm, kind="proportional",
                          mask="auto")
    else:
        signature = Spacer(60 * mm, 25 * mm)
    label = bilingual("Signature", "التوقيع", style_en=st.body, style_ar=st.body_ar,
                      language=language)
    row, widths, framed = [cells, [label, signature]], [CONTENT_WIDTH * 0.55,
                                                        CONTENT_WIDTH * 0.45], 1
    if language == "ar":  # right to left: the receiver's details on the right
        row, widths, framed = row[::-1], widths[::-1], 0
    box = Table([row], colWidths=widths)
    box.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("BOX", (framed, 0), (framed, 0), 0.5, pdf.ACCENT)]))
    return box


def delivery_note_story(*, note: DeliveryNote, language: str) -> list[Flowable]:
    story: list[Flowable] = [*_info_rows(note, language), Spacer(0, 8), _lines(note, language),
                             Spacer(0, 10)]
    story += text_block(note.special_instructions, note.special_instructions,
                        ("Delivery instructions", "تعليمات التسليم"), language)
    story += text_block(note.notes, note.notes_ar, ("Notes", "ملاحظات"), language)
    story.append(KeepTogether([Spacer(0, 8), _signature_block(note, language)]))
    return story


def delivery_note_pdf(*, note: DeliveryNote, language: str) -> bytes:
    """The note as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    language_check(language)
    note = (DeliveryNote.objects.select_related("firm").prefetch_related("lines")
            .get(pk=note.pk))
    return pdf.render_document(firm=note.firm, title=TITLE[0], title_ar=TITLE[1],
                               number=note.number, date=note.delivery_date,
                               story=delivery_note_story(note=note, language=language),
                               language=language)
