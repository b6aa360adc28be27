"""The tax invoice and the credit note as A4 PDFs (business-rules §8): the firm's and the customer's
VAT numbers, lines, VAT, totals and the amount in words, in English, Arabic or both.

Built on core.pdf (Arabic shaping, page frame with the firm's name, address and VAT number);
labels are literal (English, Arabic) pairs so a document never depends on the active
translation. A draft says so in its title: it has no statutory number yet.
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
    words_line,
)
from sales.invoicing.choices import CreditNoteStatus, InvoiceKind, InvoiceStatus
from sales.invoicing.models import CreditNote, Invoice

INVOICE_TITLE = ("Tax invoice", "فاتورة ضريبية")
DOWN_PAYMENT_TITLE = ("Tax invoice (down payment)", "فاتورة ضريبية (دفعة مقدمة)")
CREDIT_NOTE_TITLE = ("Credit note", "إشعار دائن")
DRAFT = ("DRAFT", "مسودة")
CANCELLED = ("CANCELLED", "ملغاة")


def _info(rows: list[tuple[str, str]], language: str, *, first_bold: bool = True):
    st = styles()
    bold = ParagraphStyle("party", parent=st.body, fontName=pdf.FONT_BOLD)
    bold_ar = ParagraphStyle("party_ar", parent=st.body_ar, fontName=pdf.FONT_BOLD)
    return [bilingual(en, ar, style_en=bold if first_bold and index == 0 else st.body,
                      style_ar=bold_ar if first_bold and index == 0 else st.body_ar,
                      language=language)
            for index, (en, ar) in enumerate(rows)]


def _customer_rows(document) -> list[tuple[str, str]]:
    name = document.customer_name
    name_ar = document.customer_name_ar or name
    rows = [(f"Bill to: {name}", f"العميل: {name_ar}")]
    if document.customer_vat_number:
        vat = document.customer_vat_number
        rows.append((f"Customer VAT No.: {vat}", f"الرقم الضريبي للعميل: {vat}"))
    return rows


def _address_rows(snapshot: dict) -> list[tuple[str, str]]:
    if not snapshot:
        return []
    en = ", ".join(filter(None, [snapshot.get("address_line1"), snapshot.get("city"),
                                 snapshot.get("postal_code"), snapshot.get("country")]))
    ar = "، ".join(filter(None, [snapshot.get("address_line1_ar") or snapshot.get(
        "address_line1"), snapshot.get("city_ar") or snapshot.get("city")]))
    return [(f"Address: {en}", f"العنوان: {ar}")] if en else []


def _title(base: tuple[str, str], status: str) -> tuple[str, str]:
    if status == InvoiceStatus.DRAFT:
        return f"{base[0]} – {DRAFT[0]}", f"{base[1]} – {DRAFT[1]}"
    if status == InvoiceStatus.CANCELLED:
        return f"{base[0]} – {CANCELLED[0]}", f"{base[1]} – {CANCELLED[1]}"
    return base


# --- invoice ------------------------------------------------------------------------------


def invoice_story(*, invoice: Invoice, language: str) -> list[Flowable]:
    """The body of the invoice under core.pdf's page header (firm, VAT number, title)."""
    rows = _customer_rows(invoice) + _address_rows(invoice.billing_address_snapshot)
    if invoice.order_id:
        number = invoice.order.number
        rows.append((f"Sales order: {number}", f"أمر البيع: {number}"))
    if invoice.due_date:
        day = invoice.due_date.isoformat()
        rows.append((f"Due date: {day}", f"تاريخ الاستحقاق: {day}"))
    story: list[Flowable] = [*_info(rows, language), Spacer(0, 8),
                             lines_table(invoice.lines.all(), language), Spacer(0, 6)]

    def money(value: Decimal) -> str:
        return format_amount(value, currency=invoice.currency)

    totals = discounted_totals_rows(
        invoice, after_discount=("Taxable amount", "المبلغ الخاضع للضريبة"))
    totals.append(("Total incl. VAT", "الإجمالي شامل الضريبة", money(invoice.total)))
    due = []
    if invoice.down_payments_applied:
        due.append(("Down payments applied", "الدفعات المقدمة المخصومة",
                    money(-invoice.down_payments_applied)))
    if invoice.amount_paid:
        due.append(("Paid", "المدفوع", money(-invoice.amount_paid)))
    if invoice.amount_refunded:
        # Paid back against a credit note: it counts as paid no longer (business-rules §8).
        due.append(("Refunded", "المبالغ المستردة", money(invoice.amount_refunded)))
    if invoice.credit_notes_total:
        due.append(("Credit notes", "الإشعارات الدائنة", money(-invoice.credit_notes_total)))
    blocks: list[Flowable] = [pdf.totals_table(rows=totals, language=language), Spacer(0, 4),
                              words_line(invoice, language)]
    if due:
        due.append(("Amount due", "المبلغ المستحق", money(invoice.amount_due)))
        blocks += [Spacer(0, 6), pdf.totals_table(rows=due, language=language)]
    story.append(KeepTogether(blocks))
    story += text_block(invoice.notes, invoice.notes_ar, ("Notes", "ملاحظات"), language)
    return story


def invoice_pdf(*, invoice: Invoice, language: str = "both") -> bytes:
    """The invoice as PDF bytes in "en", "ar" or "both" (anything else is a ValueError)."""
    language_check(language)
    invoice = (Invoice.objects.select_related("firm", "order")
               .prefetch_related("lines").get(pk=invoice.pk))
    base = DOWN_PAYMENT_TITLE if invoice.kind == InvoiceKind.DOWN_PAYMENT else INVOICE_TITLE
    title, title_ar = _title(base, invoice.status)
    return pdf.render_document(
        firm=invoice.firm, title=title, title_ar=title_ar, number=invoice.number,
        date=invoice.invoice_date, story=invoice_story(invoice=invoice, language=language),
        language=language)


# --- credit note ----------------------------------------------------------------------------


def credit_note_story(*, credit_note: CreditNote, language: str) -> list[Flowable]:
    rows = _customer_rows(credit_note)
    invoice_number = credit_note.invoice.number
    rows.append((f"Original invoice: {invoice_number}", f"الفاتورة الأصلية: {invoice_number}"))
    rows.append((f"Reason: {credit_note.reason}",
                 f"السبب: {credit_note.reason_ar or credit_note.reason}"))
    story: list[Flowable] = [*_info(rows, language), Spacer(0, 8),
                             lines_table(credit_note.lines.all(), language), Spacer(0, 6)]

    def money(value: Decimal) -> str:
        return format_amount(value, currency=credit_note.currency)

    totals = [("Subtotal", "المجموع الفرعي", money(credit_note.subtotal)),
              ("VAT", "ضريبة القيمة المضافة", money(credit_note.tax_amount)),
              ("Total credited incl. VAT", "إجمالي المبلغ الدائن شامل الضريبة",
               money(credit_note.total))]
    story.append(KeepTogether([pdf.totals_table(rows=totals, language=language),
                               Spacer(0, 4), words_line(credit_note, language)]))
    return story


def credit_note_pdf(*, credit_note: CreditNote, language: str = "both") -> bytes:
    """The credit note as PDF bytes in "en", "ar" or "both"."""
    language_check(language)
    credit_note = (CreditNote.objects.select_related("firm", "invoice")
                   .prefetch_related("lines").get(pk=credit_note.pk))
    status = {CreditNoteStatus.DRAFT: InvoiceStatus.DRAFT,
              CreditNoteStatus.CANCELLED: InvoiceStatus.CANCELLED}.get(credit_note.status, "")
    title, title_ar = _title(CREDIT_NOTE_TITLE, status)
    return pdf.render_document(
        firm=credit_note.firm, title=title, title_ar=title_ar, number=credit_note.number,
        date=credit_note.credit_date,
        story=credit_note_story(credit_note=credit_note, language=language), language=language)
