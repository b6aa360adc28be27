"""Invoices, payments and credit notes (business-rules §1, §2, §6, §8).

Quantities: a draft invoice *reserves* its quantities (what is left to invoice on an order line
is `ordered − invoiced − quantities on other draft invoices`), and posting *counts* them
(`invoiced_quantity` goes up at posting, back down when a posted invoice is cancelled). Both
happen under row locks on the order lines, so two concurrent invoices never over-invoice.

Numbers: an invoice (INV-…) and a credit note (CN-…) take their number when posted, from the
gapless sequence, in the posting transaction; posting dates the document that day, so numbers
and dates run in the same order. Drafts burn no number.

Money: `amountDue = total − downPaymentsApplied − (payments − refunds) − creditNotes`, never
below 0; the status follows it: due 0 → paid, something paid (net of refunds) or applied →
partially_paid, else posted. A refund pays back, against a posted credit note, what the customer
has overpaid (business-rules §8).

Locks are always taken invoice → order → order lines, so the services never deadlock.
"""

import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType, PaymentTerms
from core.errors import ApplicationError, InvalidTransition
from core.models import Firm, User
from core.money import quantity_text, round_money, to_decimal
from core.services import (
    document_event_record,
    document_transition,
    firm_today,
    record_save,
    row_lock,
    rows_lock,
    sequence_next,
    settings_read,
    transition_targets,
)
from sales import signals
from sales.common.choices import DiscountType, PaymentMethod
from sales.common.lines import document_totals_write
from sales.common.totals import DocumentInput, LineInput, TaxSettings, totals_calculate
from sales.errors import SalesErrorCode
from sales.invoicing.choices import (
    INVOICE_MONEY_STATUSES,
    CreditNoteStatus,
    InvoiceKind,
    InvoiceStatus,
    PaymentStatus,
)
from sales.invoicing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.orders.services import (
    QuantityExceedsRemaining,
    order_balance_update,
    order_line_rows_check,
    order_lines_count,
)

ZERO = Decimal("0")
# Orders that may be invoiced: confirmed and following progress (not on hold, not done).
ORDER_INVOICABLE_STATUSES = [
    SalesOrderStatus.CONFIRMED, SalesOrderStatus.IN_PROGRESS,
    SalesOrderStatus.PARTIALLY_SHIPPED, SalesOrderStatus.SHIPPED,
    SalesOrderStatus.PARTIALLY_INVOICED,
]
TERMS_DAYS = {PaymentTerms.DUE_ON_RECEIPT: 0, PaymentTerms.NET_7: 7, PaymentTerms.NET_15: 15,
              PaymentTerms.NET_30: 30, PaymentTerms.NET_45: 45, PaymentTerms.NET_60: 60,
              PaymentTerms.NET_90: 90}
LINE_COPY = ["product_id", "description", "description_ar", "unit", "unit_price",
             "discount_percent", "tax_rate", "taxable", "cost_price"]


# --- errors ---------------------------------------------------------------------------------


class NothingToInvoice(ApplicationError):
    def __init__(self) -> None:
        super().__init__(code=SalesErrorCode.NOTHING_TO_INVOICE, message=_(
            "Nothing on this sales order remains to be invoiced."))


class OrderNotInvoicable(ApplicationError):
    status_code = 409

    def __init__(self, *, order: SalesOrder) -> None:
        super().__init__(code=SalesErrorCode.ORDER_NOT_INVOICABLE,
                         details={"status": order.status, "deleted": order.deleted_at is not None},
                         message=_("Only a confirmed sales order with quantities left to "
                                   "invoice can be invoiced."))


class InvoiceHasPayments(ApplicationError):
    status_code = 409

    def __init__(self, *, invoice: Invoice) -> None:
        super().__init__(code=SalesErrorCode.INVOICE_HAS_PAYMENTS, details={
            "amount_paid": invoice.amount_paid,
            "down_payments_applied": invoice.down_payments_applied,
            "credit_notes_total": invoice.credit_notes_total,
        }, message=_("An invoice with payments, down payments or credit notes cannot be "
                     "cancelled."))


class AmountExceedsDue(ApplicationError):
    def __init__(self, *, amount: Decimal, amount_due: Decimal) -> None:
        super().__init__(code=SalesErrorCode.AMOUNT_EXCEEDS_DUE,
                         details={"amount": [_("At most %(due)s is due.") % {"due": amount_due}],
                                  "amount_due": amount_due},
                         message=_("The payment is more than the invoice's amount due."))


class AmountExceedsInvoice(ApplicationError):
    def __init__(self, *, total: Decimal, creditable: Decimal) -> None:
        super().__init__(code=SalesErrorCode.AMOUNT_EXCEEDS_INVOICE,
                         details={"total": total, "creditable": creditable},
                         message=_("The credit note is more than what is left to credit on "
                                   "the invoice."))


class AmountExceedsRefundable(ApplicationError):
    def __init__(self, *, amount: Decimal, refundable: Decimal) -> None:
        super().__init__(code=SalesErrorCode.AMOUNT_EXCEEDS_REFUNDABLE,
                         details={"amount": [_("At most %(refundable)s can be refunded.")
                                             % {"refundable": refundable}],
                                  "refundable": refundable},
                         message=_("The refund is more than what can be paid back on this "
                                   "credit note."))


class InvoiceNotPosted(ApplicationError):
    status_code = 409

    def __init__(self, *, invoice: Invoice) -> None:
        super().__init__(code=SalesErrorCode.INVOICE_NOT_POSTED, details={"status": invoice.status},
                         message=_("Only a posted invoice can be paid or credited."))


# --- helpers --------------------------------------------------------------------------------


def _quantity(value: Any) -> Decimal | None:
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None




def _tax_settings(settings, *, net_prices: bool = False) -> TaxSettings:
    tax = TaxSettings.from_settings(settings.tax)
    if net_prices:
        # Credit notes are priced net of VAT whatever the firm's price entry is.
        return TaxSettings(calculate_tax_on_discount=tax.calculate_tax_on_discount,
                           round_tax_per_line=tax.round_tax_per_line,
                           tax_included_in_price=False, rounding_method=tax.rounding_method)
    return tax


def _line_input(line) -> LineInput:
    return LineInput(quantity=line.quantity, unit_price=line.unit_price,
                     discount_percent=line.discount_percent,
                     discount_amount=getattr(line, "discount_amount", ZERO),
                     tax_rate=line.tax_rate, taxable=line.taxable)


def _apply_invoice_totals(invoice: Invoice, lines: list[InvoiceLine], *, settings) -> None:
    """Every total of the invoice and its lines from the one totals engine (business-rules §2)."""
    document = DocumentInput(lines=[_line_input(line) for line in lines],
                             discount_type=invoice.discount_type,
                             discount_value=invoice.discount_value,
                             shipping_cost=invoice.shipping_cost, currency=invoice.currency)
    totals = totals_calculate(document=document, tax=_tax_settings(settings))
    document_totals_write(document=invoice, lines=lines, totals=totals)
    invoice.amount_due = _amount_due(invoice)


def invoice_due_date(*, invoice_date: datetime.date, payment_terms: str,
                     settings) -> datetime.date:
    """The due date payment terms give (custom terms: the firm's default number of days)."""
    days = TERMS_DAYS.get(payment_terms)
    if days is None:
        days = settings.general.default_payment_terms_days
    return invoice_date + datetime.timedelta(days=days)


def _draft_reserved(order_line_ids: list[int], *, exclude_invoice: int | None = None) -> dict:
    """Quantity per order line on draft invoices (reserved, not yet counted)."""
    rows = InvoiceLine.objects.filter(order_line_id__in=order_line_ids,
                                      invoice__status=InvoiceStatus.DRAFT)
    if exclude_invoice is not None:
        rows = rows.exclude(invoice_id=exclude_invoice)
    return {row["order_line_id"]: row["reserved"] for row in
            rows.values("order_line_id").annotate(reserved=Sum("quantity"))}


def order_invoicable_quantities(*, order: SalesOrder, delivered_only: bool | None = None,
                                settings=None) -> dict[int, Decimal]:
    """Order line id → quantity still to invoice: ordered (or, delivered-only, delivered)
    − invoiced − reserved on draft invoices, never below 0. Callers that act on it lock the
    lines first (invoice_create_from_order does)."""
    settings = settings or settings_read(firm=order.firm)
    if settings.orders.require_delivery_before_invoice:
        delivered_only = True
    lines = list(order.lines.all())
    reserved = _draft_reserved([line.pk for line in lines])
    result = {}
    for line in lines:
        ceiling = line.delivered_quantity if delivered_only else line.due_quantity
        result[line.pk] = max(ceiling - line.invoiced_quantity - reserved.get(line.pk, ZERO),
                              ZERO)
    return result


def _active_invoice_lines(order_line_ids: list[int]):
    return InvoiceLine.objects.filter(order_line_id__in=order_line_ids).exclude(
        invoice__status=InvoiceStatus.CANCELLED)


def _chosen_quantities(rows: list[dict] | None, order_lines: dict[int, SalesOrderLine],
                       remaining: dict[int, Decimal]) -> list[tuple[SalesOrderLine, Decimal]]:
    """The caller's `[{order_line_id, quantity}]` checked, or every remaining quantity."""
    if rows is None:
        chosen = [(line, remaining[pk]) for pk, line in order_lines.items() if remaining[pk]]
        if not chosen:
            raise NothingToInvoice()
        return chosen
    return [(line, quantity) for line, quantity, _row in order_line_rows_check(
        rows=rows, order_lines=order_lines, remaining=remaining,
        empty_message=_("Give at least one line to invoice."),
        exceeded_message=_("At most %(remaining)s remains to be invoiced."))]


def _share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return round_money(amount * part / whole) if whole else ZERO


# --- create ---------------------------------------------------------------------------------


@transaction.atomic
def invoice_create_from_order(*, order: SalesOrder, actor: User | None,
                              lines: list[dict] | None = None,
                              delivered_only: bool | None = None,
                              notes: str = "", notes_ar: str = "") -> Invoice:
    """A draft invoice (no number yet) for quantities of a confirmed order: by default every
    uninvoiced quantity; with `lines` `[{order_line_id, quantity}]` just those (400
    `quantity_exceeds_remaining`, details `lines.N.quantity`, above what remains). Only
    delivered quantities when asked or when the firm's `orders.requireDeliveryBeforeInvoice`
    is on. The draft reserves its quantities under the order lines' locks, so concurrent
    invoices never over-invoice. Lines keep the order's prices; a fixed line or document
    discount is shared in proportion (the invoice completing the order takes the rest) and
    shipping goes on the order's first invoice."""
    locked = row_lock(SalesOrder.all_objects.all(), order.pk)
    if locked.deleted_at is not None or locked.status not in ORDER_INVOICABLE_STATUSES:
        raise OrderNotInvoicable(order=locked)
    settings = settings_read(firm=locked.firm)
    if settings.orders.require_delivery_before_invoice:
        delivered_only = True
    order_lines = {line.pk: line for line in rows_lock(SalesOrderLine.objects.filter(
        order=locked))}
    remaining = order_invoicable_quantities(order=locked, delivered_only=delivered_only,
                                            settings=settings)
    chosen = _chosen_quantities(lines, order_lines, remaining)

    reserved = _draft_reserved(list(order_lines))
    open_quantity = {pk: line.due_quantity - line.invoiced_quantity - reserved.get(pk, ZERO)
                     for pk, line in order_lines.items()}
    taken = {line.pk: quantity for line, quantity in chosen}
    completes_order = all(open_quantity[pk] - taken.get(pk, ZERO) <= 0 for pk in order_lines)
    if not settings.orders.allow_partial_invoicing and not completes_order:
        raise ApplicationError(code=SalesErrorCode.PARTIAL_INVOICING_NOT_ALLOWED, message=_(
            "This firm invoices an order whole: every remaining quantity at once."))

    # Fixed discounts already given on earlier invoices of these lines and this order.
    given = defaultdict(lambda: ZERO)
    for row in _active_invoice_lines(list(order_lines)).values("order_line_id").annotate(
            amount=Sum("discount_amount")):
        given[row["order_line_id"]] = row["amount"] or ZERO
    earlier = Invoice.objects.filter(order=locked).exclude(status=InvoiceStatus.CANCELLED)

    invoice = Invoice(firm=locked.firm, kind=InvoiceKind.REGULAR, order=locked,
                      customer=locked.customer, created_by=actor, updated_by=actor,
                      notes=notes, notes_ar=notes_ar, currency=locked.currency)
    _fill_customer(invoice, settings=settings, order=locked)
    built = []
    for position, (order_line, quantity) in enumerate(chosen):
        line = InvoiceLine(firm_id=locked.firm_id, order_line=order_line, position=position,
                           quantity=quantity)
        for name in LINE_COPY:
            setattr(line, name, getattr(order_line, name))
        if order_line.discount_amount:
            if quantity >= open_quantity[order_line.pk]:
                line.discount_amount = max(order_line.discount_amount - given[order_line.pk],
                                           ZERO)
            else:
                line.discount_amount = _share(order_line.discount_amount, quantity,
                                              order_line.quantity)
        built.append(line)

    if locked.discount_type == DiscountType.PERCENTAGE:
        invoice.discount_type, invoice.discount_value = DiscountType.PERCENTAGE, \
            locked.discount_value
    elif locked.discount_amount:
        if completes_order:
            already = earlier.aggregate(given=Sum("discount_value"))["given"] or ZERO
            invoice.discount_value = max(locked.discount_amount - already, ZERO)
        else:
            # The invoice's share of the order's discount, by the lines' value.
            _apply_invoice_totals(invoice, built, settings=settings)
            invoice.discount_value = _share(locked.discount_amount, invoice.subtotal,
                                            locked.subtotal)
    if locked.shipping_cost and not earlier.filter(shipping_cost__gt=0).exists():
        invoice.shipping_cost = locked.shipping_cost
    _apply_invoice_totals(invoice, built, settings=settings)
    return _invoice_save_new(invoice, built, actor=actor)


def _fill_customer(invoice: Invoice, *, settings, order: SalesOrder | None) -> None:
    customer = invoice.customer
    invoice.customer_name = (order.customer_name if order else "") or customer.name
    invoice.customer_name_ar = (order.customer_name_ar if order else "") or customer.name_ar
    invoice.customer_vat_number = customer.vat_number
    if order is not None:
        invoice.billing_address_snapshot = order.billing_address_snapshot
        invoice.sales_person = order.sales_person
        invoice.payment_terms = order.payment_terms or customer.payment_terms
    else:
        address = customer.addresses.filter(kind="billing").first()
        if address is not None:
            from sales.orders.services import address_snapshot

            invoice.billing_address_snapshot = address_snapshot(address)
        invoice.payment_terms = invoice.payment_terms or customer.payment_terms
    invoice.invoice_date = firm_today(firm=invoice.firm)
    invoice.due_date = invoice_due_date(invoice_date=invoice.invoice_date,
                                        payment_terms=invoice.payment_terms, settings=settings)


def _invoice_save_new(invoice: Invoice, lines: list[InvoiceLine], *,
                      actor: User | None) -> Invoice:
    invoice.full_clean(exclude=["number"])
    record_save(invoice, actor=actor, reason="created")
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    document_event_record(instance=invoice, action="created", actor=actor,
                          to_status=invoice.status,
                          details={"order_id": invoice.order_id, "total": str(invoice.total)})
    return invoice


@transaction.atomic
def invoice_create(*, firm: Firm, actor: User | None, customer, lines: list[dict],
                   kind: str = InvoiceKind.DOWN_PAYMENT, order: SalesOrder | None = None,
                   notes: str = "", notes_ar: str = "") -> Invoice:
    """A draft invoice of free lines (`description`, `description_ar`, `quantity`,
    `unit_price` net or gross as the firm enters prices, `tax_rate`, `taxable`): a down
    payment's invoice. It touches no order quantities; `order` only links it."""
    if kind == InvoiceKind.REGULAR and order is None:
        raise ValidationError({"order": _("A regular invoice comes from a sales order.")})
    settings = settings_read(firm=firm)
    invoice = Invoice(firm=firm, kind=kind, order=order, customer=customer, created_by=actor,
                      updated_by=actor, notes=notes, notes_ar=notes_ar,
                      currency=order.currency if order else settings.general.default_currency)
    _fill_customer(invoice, settings=settings, order=order)
    built, errors = [], {}
    for index, row in enumerate(lines or []):
        line = InvoiceLine(firm_id=firm.pk, position=index,
                           description=row.get("description", ""),
                           description_ar=row.get("description_ar", ""),
                           quantity=_quantity(row.get("quantity", 1)),
                           unit_price=_quantity(row.get("unit_price")),
                           tax_rate=_quantity(row.get("tax_rate",
                                                      settings.tax.default_tax_rate)),
                           taxable=row.get("taxable", True))
        try:
            line.full_clean(exclude=["invoice", "base_amount", "line_discount", "line_total",
                                     "tax_amount"])
        except ValidationError as error:
            errors.update({f"lines.{index}.{name}": messages
                           for name, messages in error.message_dict.items()})
        built.append(line)
    if not built:
        errors["lines"] = [_("Give at least one line.")]
    if errors:
        raise ValidationError(errors)
    _apply_invoice_totals(invoice, built, settings=settings)
    return _invoice_save_new(invoice, built, actor=actor)


# --- post and cancel ------------------------------------------------------------------------


def invoice_available_actions(*, document: Invoice, user: User | None = None) -> list[str]:
    """The invoice's actions possible now (sales.invoicing.actions declares them; the kit adds
    the permission): post a draft, cancel while the state machine allows it (a draft or a
    posted invoice with no money paid, applied or credited on it)."""
    allowed = invoice_allowed_targets(invoice=document)
    actions = []
    if InvoiceStatus.POSTED in allowed:
        actions.append("post")
    if InvoiceStatus.CANCELLED in allowed:
        actions.append("cancel")
    return actions


def invoice_allowed_targets(*, invoice: Invoice) -> list[str]:
    """The statuses a person may move the invoice to now (money moves are the services')."""
    return sorted({str(target) for name, target in transition_targets(invoice).items()
                   if name != "follow_payments"})


def credit_note_allowed_targets(*, credit_note: CreditNote) -> list[str]:
    """The statuses the credit note's state machine allows from where it is (posting still
    checks the invoice's room: credit_note_available_actions)."""
    return sorted({str(target) for target in transition_targets(credit_note).values()})


def invoice_drafts_of_order(order: SalesOrder) -> list[dict]:
    """The order's draft invoices, as the documents that stop it from being cancelled
    (registered with core.registry from sales' AppConfig.ready)."""
    return [{"type": "invoice", "id": pk} for pk in Invoice.objects.filter(
        order=order, status=InvoiceStatus.DRAFT).order_by("pk").values_list("pk", flat=True)]


def _count_quantities(invoice: Invoice, *, sign: int, actor: User | None,
                      order: SalesOrder | None = None) -> None:
    """Add (posting) or take back (cancelling) the invoice's quantities on its order's lines
    (`order` when the caller has read it already); the order's progress and status follow."""
    if invoice.order_id is None:
        return
    quantities = defaultdict(lambda: ZERO)
    for line in invoice.lines.filter(order_line__isnull=False):
        quantities[line.order_line_id] += line.quantity
    order_lines_count(order=order or SalesOrder.all_objects.get(pk=invoice.order_id),
                      field="invoiced_quantity", quantities=dict(quantities), sign=sign,
                      actor=actor)


@transaction.atomic
def invoice_post(*, invoice: Invoice, actor: User | None, reason: str = "") -> Invoice:
    """draft → posted: the invoice takes the next INV number of the firm's gapless sequence
    and today's date (due date from its payment terms); its quantities count as invoiced on
    the order's lines and the order's progress and status follow (business-rules §6). An
    invoice of an order that is no longer invoicable (cancelled, on hold, deleted) is refused
    (409 `order_not_invoicable`) before a number is spent.
    `invoice_posted` goes out once, inside the transaction."""
    locked = row_lock(Invoice.objects.all(), invoice.pk)
    if locked.status != InvoiceStatus.DRAFT:
        raise InvalidTransition(source=locked.status, target=InvoiceStatus.POSTED,
                                allowed=invoice_allowed_targets(invoice=locked))
    if locked.order_id is not None:
        # The invoice's lock, then the order's (order_cancel takes only the order's, then asks
        # for open drafts): a cancelled, held or deleted order takes no invoice.
        order = row_lock(SalesOrder.all_objects.all(), locked.order_id)
        if order.deleted_at is not None or order.status not in ORDER_INVOICABLE_STATUSES:
            raise OrderNotInvoicable(order=order)
        _count_quantities(locked, sign=1, actor=actor, order=order)
    settings = settings_read(firm=locked.firm)
    today = firm_today(firm=locked.firm)
    number = sequence_next(firm=locked.firm, document_type=DocumentType.INVOICE, date=today)
    due = invoice_due_date(invoice_date=today, payment_terms=locked.payment_terms,
                           settings=settings)
    moved = document_transition(instance=locked, transition="post", actor=actor,
                                reason=reason, number=number, by=actor, invoice_date=today,
                                due_date=due, details={"number": number})
    # Inside the transaction: a receiver that answers with money (a commission accrual)
    # commits or rolls back with the posting (architecture §5.7).
    signals.invoice_posted.send(sender=Invoice, invoice=moved, actor=actor)
    return moved


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: User | None, reason: str) -> Invoice:
    """draft or posted → cancelled, with a reason, only while nothing was paid, applied or
    credited on it (409 `invoice_has_payments`). A posted invoice keeps its number (numbers
    are never reused) and its quantities return to the order. `invoice_cancelled` goes out
    inside the transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is cancelled.")})
    locked = row_lock(Invoice.objects.all(), invoice.pk)
    if locked.status not in (InvoiceStatus.DRAFT, InvoiceStatus.POSTED):
        raise InvalidTransition(source=locked.status, target=InvoiceStatus.CANCELLED,
                                allowed=invoice_allowed_targets(invoice=locked))
    if locked.amount_paid or locked.down_payments_applied or locked.credit_notes_total \
            or locked.payments.filter(status=PaymentStatus.RECORDED).exists():
        raise InvoiceHasPayments(invoice=locked)
    was_posted = locked.status == InvoiceStatus.POSTED
    if was_posted:
        _count_quantities(locked, sign=-1, actor=actor)
    moved = document_transition(instance=locked, transition="cancel", actor=actor,
                                reason=reason, cancellation_reason=reason, by=actor)
    signals.invoice_cancelled.send(sender=Invoice, invoice=moved, actor=actor, reason=reason)
    return moved


# --- money ------------------------------------------------------------------------------------


def _amount_due(invoice: Invoice) -> Decimal:
    """business-rules §8: total − downPaymentsApplied − (payments − refunds) − creditNotes,
    never below 0, from the invoice's money columns."""
    return max(invoice.total - invoice.down_payments_applied
               - (invoice.amount_paid - invoice.amount_refunded)
               - invoice.credit_notes_total, ZERO)


def invoice_status_for_money(*, amount_due: Decimal, settled: Decimal) -> str:
    """due 0 → paid; something paid or applied → partially_paid; else posted."""
    if amount_due <= 0:
        return InvoiceStatus.PAID
    if settled > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.POSTED


def _recompute(locked: Invoice, *, actor: User | None, reason: str,
               down_payments_applied: Decimal | None = None) -> Invoice:
    """Money columns from the rows (recorded payments and refunds, posted credit notes) and
    the status they give; the caller holds the invoice's lock."""
    paid = locked.payments.filter(status=PaymentStatus.RECORDED).aggregate(
        total=Sum("amount"))["total"] or ZERO
    refunded = locked.refunds.filter(status=PaymentStatus.RECORDED).aggregate(
        total=Sum("amount"))["total"] or ZERO
    credited = locked.credit_notes.filter(status=CreditNoteStatus.POSTED).aggregate(
        total=Sum("total"))["total"] or ZERO
    applied = (locked.down_payments_applied if down_payments_applied is None
               else round_money(down_payments_applied))
    if paid + applied > locked.total:
        raise AmountExceedsDue(amount=paid + applied - locked.total, amount_due=ZERO)
    # Money paid back no longer counts as paid (business-rules §8).
    amounts = {"amount_paid": paid, "amount_refunded": refunded, "credit_notes_total": credited,
               "down_payments_applied": applied,
               "amount_due": max(locked.total - applied - (paid - refunded) - credited, ZERO)}
    if locked.status in INVOICE_MONEY_STATUSES:
        target = invoice_status_for_money(amount_due=amounts["amount_due"],
                                          settled=paid - refunded + applied)
        if target != locked.status:
            return document_transition(
                instance=locked, transition="follow_payments", actor=actor, reason=reason,
                target=target, amounts=amounts,
                details={name: str(value) for name, value in amounts.items()})
    if any(getattr(locked, name) != value for name, value in amounts.items()):
        for name, value in amounts.items():
            setattr(locked, name, value)
        record_save(locked, actor=actor, reason=reason)
    return locked


def _order_paid_update(invoice: Invoice, *, actor: User | None) -> None:
    """The order's payments: every recorded payment of its invoices less every recorded
    refund (business-rules §6 balance)."""
    if invoice.order_id is None:
        return
    paid = Payment.objects.filter(invoice__order_id=invoice.order_id,
                                  status=PaymentStatus.RECORDED).aggregate(
        total=Sum("amount"))["total"] or ZERO
    paid -= Refund.objects.filter(invoice__order_id=invoice.order_id,
                                  status=PaymentStatus.RECORDED).aggregate(
        total=Sum("amount"))["total"] or ZERO
    order_balance_update(order=SalesOrder.all_objects.get(pk=invoice.order_id),
                         amount_paid=paid, actor=actor)


@transaction.atomic
def invoice_recompute_due(*, invoice: Invoice, actor: User | None = None,
                          down_payments_applied: Decimal | None = None) -> Invoice:
    """Recompute `amountDue = total − downPaymentsApplied − (payments − refunds) −
    creditNotes` (never below 0) and the status it gives, under the invoice's lock. The down
    payment service passes the invoice's new `down_payments_applied` (payments and advances
    never exceed the total: 400 `amount_exceeds_due`)."""
    locked = row_lock(Invoice.objects.all(), invoice.pk)
    return _recompute(locked, actor=actor, reason="down payments" if down_payments_applied
                      is not None else "recomputed", down_payments_applied=down_payments_applied)


@transaction.atomic
def payment_record(*, invoice: Invoice, actor: User | None, amount: Decimal | str,
                   date: datetime.date | None = None, method: str = PaymentMethod.BANK_TRANSFER,
                   reference: str = "", notes: str = "") -> Payment:
    """Money received on a posted invoice: at most its amount due (400
    `amount_exceeds_due`), under the invoice's lock. The invoice's amount paid and due and
    its status (partially_paid / paid) follow, and the order's balance. `payment_recorded`
    goes out once, inside the transaction."""
    value = _quantity(amount)
    if value is None or value <= 0 or value != round_money(value):
        raise ValidationError({"amount": [_("Enter a positive amount with at most 2 decimal "
                                            "places.")]})
    locked = row_lock(Invoice.objects.all(), invoice.pk)
    if locked.status not in (InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID):
        if locked.status == InvoiceStatus.PAID:
            raise AmountExceedsDue(amount=value, amount_due=locked.amount_due)
        raise InvoiceNotPosted(invoice=locked)
    if value > locked.amount_due:
        raise AmountExceedsDue(amount=value, amount_due=locked.amount_due)
    payment = Payment(firm_id=locked.firm_id, invoice=locked, amount=value,
                      payment_date=date or firm_today(firm=locked.firm), method=method,
                      reference=reference or "", notes=notes or "", recorded_by=actor,
                      created_by=actor, updated_by=actor)
    payment.full_clean()
    record_save(payment, actor=actor, reason="recorded")
    moved = _recompute(locked, actor=actor, reason="payment")
    document_event_record(instance=moved, action="payment_recorded", actor=actor,
                          details={"payment_id": payment.pk, "amount": str(value),
                                   "method": method, "reference": payment.reference})
    _order_paid_update(moved, actor=actor)
    payment.invoice = moved
    signals.payment_recorded.send(
        sender=Payment, payment=payment, invoice=moved, actor=actor)
    return payment


@transaction.atomic
def payment_void(*, payment: Payment, actor: User | None, reason: str) -> Payment:
    """A payment recorded by mistake is voided (never deleted): the invoice's amounts and
    status and the order's balance follow. 409 when it is voided already."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is voided.")})
    locked_invoice = row_lock(Invoice.objects.all(), payment.invoice.pk)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != PaymentStatus.RECORDED:
        raise ApplicationError(code=SalesErrorCode.PAYMENT_VOIDED, status_code=409, message=_(
            "This payment is voided already."))
    locked.status = PaymentStatus.VOIDED
    locked.voided_at, locked.voided_by, locked.void_reason = timezone.now(), actor, reason
    record_save(locked, actor=actor, reason=reason)
    moved = _recompute(locked_invoice, actor=actor, reason="payment voided")
    document_event_record(instance=moved, action="payment_voided", actor=actor, reason=reason,
                          details={"payment_id": locked.pk, "amount": str(locked.amount)})
    _order_paid_update(moved, actor=actor)
    signals.payment_voided.send(
        sender=Payment, payment=locked, invoice=moved, actor=actor, reason=reason)
    return locked


# --- credit notes -------------------------------------------------------------------------


def _credit_available(invoice: Invoice, *, exclude: int | None = None) -> Decimal:
    """What may still be credited on the invoice: its total less its other live notes."""
    others = invoice.credit_notes.exclude(status=CreditNoteStatus.CANCELLED)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return invoice.total - (others.aggregate(total=Sum("total"))["total"] or ZERO)


def _credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    rows = CreditNoteLine.objects.filter(
        credit_note__invoice=invoice, invoice_line__isnull=False).exclude(
        credit_note__status=CreditNoteStatus.CANCELLED).values("invoice_line_id").annotate(
        quantity=Sum("quantity"))
    return {row["invoice_line_id"]: row["quantity"] for row in rows}


def _credit_lines(invoice: Invoice, rows: list[dict], *, settings) -> list[CreditNoteLine]:
    invoice_lines = {line.pk: line for line in invoice.lines.all()}
    credited = _credited_quantities(invoice)
    # An invoice line's net unit value after its own and the document's discounts.
    share = invoice.after_discount / invoice.subtotal if invoice.subtotal else ZERO
    errors, exceeded, built = {}, {}, []
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lines": [_("Give at least one line to credit.")]})
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        quantity = _quantity(row.get("quantity", 1))
        if quantity is None or quantity <= 0:
            errors[f"lines.{index}.quantity"] = [_("Enter a positive quantity.")]
            continue
        line_id = row.get("invoice_line_id")
        line = CreditNoteLine(firm_id=invoice.firm_id, position=index, quantity=quantity)
        if line_id is not None:
            source = invoice_lines.get(line_id)
            if source is None:
                errors[f"lines.{index}.invoice_line_id"] = [_("Not a line of this invoice.")]
                continue
            left = source.quantity - credited.get(source.pk, ZERO)
            if quantity > left:
                exceeded[f"lines.{index}.quantity"] = [
                    _("At most %(remaining)s remains to be credited.")
                    % {"remaining": quantity_text(left)}]
                continue
            credited[source.pk] = credited.get(source.pk, ZERO) + quantity
            # Stored line totals are net of VAT already (the engine nets gross prices).
            net_unit = source.line_total * share / source.quantity
            line.invoice_line = source
            line.product_id = source.product_id
            line.description = row.get("description") or source.description
            line.description_ar = row.get("description_ar") or source.description_ar
            line.tax_rate, line.taxable = source.tax_rate, source.taxable
            given_price = row.get("unit_price")
            line._unit_value = net_unit if given_price is None else _quantity(given_price)
        else:
            line.description = row.get("description") or ""
            line.description_ar = row.get("description_ar") or ""
            line.tax_rate = _quantity(row.get("tax_rate", settings.tax.default_tax_rate))
            line.taxable = bool(row.get("taxable", True))
            line._unit_value = _quantity(row.get("unit_price"))
        if line._unit_value is None or line._unit_value < 0:
            errors[f"lines.{index}.unit_price"] = [_("Enter an amount of 0 or more.")]
            continue
        line.unit_price = round_money(line._unit_value)
        try:
            line.full_clean(exclude=["credit_note", "line_total", "tax_amount",
                                     "invoice_line", "product"])
        except ValidationError as error:
            errors.update({f"lines.{index}.{name}": messages
                           for name, messages in error.message_dict.items()})
            continue
        built.append(line)
    if errors:
        raise ValidationError(errors)
    if exceeded:
        raise QuantityExceedsRemaining(details=exceeded)
    return built


def _apply_credit_totals(note: CreditNote, lines: list[CreditNoteLine], *, settings) -> None:
    """The credit note's totals from the totals engine, on net unit values (the stored unit
    price is that value rounded to the halala, for reading)."""
    document = DocumentInput(lines=[
        LineInput(quantity=line.quantity, unit_price=line._unit_value, tax_rate=line.tax_rate,
                  taxable=line.taxable) for line in lines], currency=note.currency)
    totals = totals_calculate(document=document, tax=_tax_settings(settings, net_prices=True))
    document_totals_write(document=note, lines=lines, totals=totals)


@transaction.atomic
def credit_note_create(*, invoice: Invoice, actor: User | None, lines: list[dict],
                       reason: str, reason_ar: str = "",
                       source_reference: str = "") -> CreditNote:
    """A draft credit note (no number yet) on a posted invoice. Lines credit quantities of
    invoice lines (`invoice_line_id`, `quantity`; the unit value is the line's net price
    after its own and the document's discounts, unless `unit_price` is given) or free
    amounts (`description`, `quantity`, `unit_price` net, `tax_rate`). Never more than an
    invoice line's uncredited quantity (400 `quantity_exceeds_remaining`) nor more than the
    invoice's uncredited total (400 `amount_exceeds_invoice`)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the credit note is given.")})
    locked = row_lock(Invoice.objects.all(), invoice.pk)
    if locked.status not in INVOICE_MONEY_STATUSES:
        raise InvoiceNotPosted(invoice=locked)
    settings = settings_read(firm=locked.firm)
    built = _credit_lines(locked, lines, settings=settings)
    note = CreditNote(firm_id=locked.firm_id, invoice=locked, customer_id=locked.customer_id,
                      customer_name=locked.customer_name,
                      customer_name_ar=locked.customer_name_ar,
                      customer_vat_number=locked.customer_vat_number, reason=reason,
                      reason_ar=reason_ar, source_reference=source_reference,
                      currency=locked.currency, credit_date=firm_today(firm=locked.firm),
                      created_by=actor, updated_by=actor)
    _apply_credit_totals(note, built, settings=settings)
    available = _credit_available(locked)
    if note.total > available:
        raise AmountExceedsInvoice(total=note.total, creditable=available)
    note.full_clean(exclude=["number", "invoice", "customer"])
    record_save(note, actor=actor, reason="created")
    for line in built:
        line.credit_note = note
    CreditNoteLine.objects.bulk_create(built)
    document_event_record(instance=note, action="created", actor=actor, to_status=note.status,
                          details={"invoice_id": locked.pk, "total": str(note.total)})
    return note


def credit_note_available_actions(*, document: CreditNote,
                                  user: User | None = None) -> list[str]:
    """The credit note's actions possible now (sales.invoicing.actions declares them; the kit
    adds the permission): a draft is cancelled any time, and posted while its invoice takes
    money and still has room for its total (credit_note_post refuses otherwise); a posted
    one takes a refund while something is refundable (credit_note_refundable)."""
    if document.status == CreditNoteStatus.POSTED:
        return ["refund"] if credit_note_refundable(credit_note=document) > 0 else []
    if document.status != CreditNoteStatus.DRAFT:
        return []
    invoice = document.invoice
    if (invoice.status in INVOICE_MONEY_STATUSES
            and document.total <= _credit_available(invoice, exclude=document.pk)):
        return ["post", "cancel"]
    return ["cancel"]


@transaction.atomic
def credit_note_post(*, credit_note: CreditNote, actor: User | None,
                     reason: str = "") -> CreditNote:
    """draft → posted: the next CN number of the gapless sequence and today's date; the
    invoice's credit notes total goes up and its amount due down (never below 0), its
    status following. `credit_note_posted` goes out once, inside the transaction."""
    invoice = row_lock(Invoice.objects.all(), credit_note.invoice.pk)
    locked = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
    if locked.status != CreditNoteStatus.DRAFT:
        raise InvalidTransition(source=locked.status, target=CreditNoteStatus.POSTED,
                                allowed=sorted(map(str, transition_targets(locked).values())))
    if invoice.status not in INVOICE_MONEY_STATUSES:
        raise InvoiceNotPosted(invoice=invoice)
    available = _credit_available(invoice, exclude=locked.pk)
    if locked.total > available:
        raise AmountExceedsInvoice(total=locked.total, creditable=available)
    today = firm_today(firm=locked.firm)
    number = sequence_next(firm=locked.firm, document_type=DocumentType.CREDIT_NOTE, date=today)
    moved = document_transition(instance=locked, transition="post", actor=actor, reason=reason,
                                number=number, by=actor, credit_date=today,
                                details={"number": number})
    updated = _recompute(invoice, actor=actor, reason="credit note")
    document_event_record(instance=updated, action="credit_note_posted", actor=actor,
                          details={"credit_note_id": moved.pk, "number": number,
                                   "total": str(moved.total)})
    signals.credit_note_posted.send(
        sender=CreditNote, credit_note=moved, invoice=updated, actor=actor)
    return moved


@transaction.atomic
def credit_note_cancel(*, credit_note: CreditNote, actor: User | None,
                       reason: str) -> CreditNote:
    """draft → cancelled with a reason (a posted credit note is never cancelled)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the credit note is cancelled.")})
    return document_transition(instance=credit_note, transition="cancel", actor=actor,
                               reason=reason, cancellation_reason=reason)


# --- refunds (business-rules §8) -----------------------------------------------------------
# Locks: invoice → credit note → refund, as credit_note_post and payment_void take them.


def _recorded_refunds(queryset) -> Decimal:
    return queryset.filter(status=PaymentStatus.RECORDED).aggregate(
        total=Sum("amount"))["total"] or ZERO


def _refundable(note: CreditNote, invoice: Invoice) -> Decimal:
    """At most what is left of the note (its total less its recorded refunds) and the
    invoice's credit balance (payments + down payments applied + posted credit notes − total
    − refunds: what the customer has overpaid), never below 0."""
    if note.status != CreditNoteStatus.POSTED or invoice.status not in INVOICE_MONEY_STATUSES:
        return ZERO
    left = note.total - _recorded_refunds(note.refunds.all())
    balance = (invoice.amount_paid + invoice.down_payments_applied
               + invoice.credit_notes_total - invoice.total - invoice.amount_refunded)
    return max(min(left, balance), ZERO)


def credit_note_refundable(*, credit_note: CreditNote) -> Decimal:
    """The most that may be paid back against the credit note now (0 when nothing: a note not
    posted, an invoice not overpaid); read fresh, so a stale instance answers rightly too."""
    note = CreditNote.objects.select_related("invoice").get(pk=credit_note.pk)
    return _refundable(note, note.invoice)


@transaction.atomic
def refund_record(*, credit_note: CreditNote, actor: User | None,
                  amount: Decimal | str | None, date: datetime.date | None = None,
                  method: str = PaymentMethod.BANK_TRANSFER, reference: str = "",
                  notes: str = "") -> Refund:
    """Money paid back against a posted credit note (409 `invalid_transition` otherwise): at
    most what is refundable now (400 `amount_exceeds_refundable`, credit_note_refundable),
    `amount` None meaning all of it. Under the invoice's lock, so concurrent refunds never pay
    back more; the invoice's amount refunded and due, its status and the order's balance
    follow. `refund_recorded` goes out once, inside the transaction."""
    value = None
    if amount is not None:
        value = _quantity(amount)
        if value is None or value <= 0 or value != round_money(value):
            raise ValidationError({"amount": [_("Enter a positive amount with at most 2 "
                                                "decimal places.")]})
    invoice = row_lock(Invoice.objects.all(), credit_note.invoice_id)
    note = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
    if note.status != CreditNoteStatus.POSTED:
        # The refund is no move of the note's status: `to` names the action refused.
        raise InvalidTransition(source=note.status, target="refund",
                                allowed=credit_note_allowed_targets(credit_note=note))
    if invoice.status not in INVOICE_MONEY_STATUSES:
        raise InvoiceNotPosted(invoice=invoice)
    refundable = _refundable(note, invoice)
    if value is None:
        value = refundable
    if value <= 0 or value > refundable:
        raise AmountExceedsRefundable(amount=value, refundable=refundable)
    refund = Refund(firm_id=invoice.firm_id, invoice=invoice, credit_note=note, amount=value,
                    refund_date=date or firm_today(firm=invoice.firm), method=method,
                    reference=reference or "", notes=notes or "", recorded_by=actor,
                    created_by=actor, updated_by=actor)
    refund.full_clean()
    record_save(refund, actor=actor, reason="recorded")
    moved = _recompute(invoice, actor=actor, reason="refund")
    details = {"refund_id": refund.pk, "credit_note_id": note.pk, "amount": str(value),
               "method": method, "reference": refund.reference}
    document_event_record(instance=moved, action="refund_recorded", actor=actor,
                          details=details)
    document_event_record(instance=note, action="refund_recorded", actor=actor,
                          from_status=note.status, to_status=note.status, details=details)
    _order_paid_update(moved, actor=actor)
    refund.invoice, refund.credit_note = moved, note
    # Inside the transaction: what answers with money commits or rolls back with it (§5.7).
    signals.refund_recorded.send(sender=Refund, refund=refund, credit_note=note,
                                 invoice=moved, actor=actor)
    return refund


@transaction.atomic
def refund_void(*, refund: Refund, actor: User | None, reason: str) -> Refund:
    """A refund recorded by mistake is voided (never deleted), with a reason: the invoice's
    amounts and status, the order's balance and what the credit note may still refund follow.
    409 `payment_voided` when it is voided already. `refund_voided` goes out inside the
    transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the refund is voided.")})
    invoice = row_lock(Invoice.objects.all(), refund.invoice_id)
    note = CreditNote.objects.select_for_update().get(pk=refund.credit_note_id)
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.status != PaymentStatus.RECORDED:
        raise ApplicationError(code=SalesErrorCode.PAYMENT_VOIDED, status_code=409, message=_(
            "This refund is voided already."))
    locked.status = PaymentStatus.VOIDED
    locked.voided_at, locked.voided_by, locked.void_reason = timezone.now(), actor, reason
    record_save(locked, actor=actor, reason=reason)
    moved = _recompute(invoice, actor=actor, reason="refund voided")
    details = {"refund_id": locked.pk, "credit_note_id": note.pk,
               "amount": str(locked.amount)}
    document_event_record(instance=moved, action="refund_voided", actor=actor, reason=reason,
                          details=details)
    document_event_record(instance=note, action="refund_voided", actor=actor, reason=reason,
                          from_status=note.status, to_status=note.status, details=details)
    _order_paid_update(moved, actor=actor)
    signals.refund_voided.send(sender=Refund, refund=locked, credit_note=note, invoice=moved,
                               actor=actor, reason=reason)
    return locked


def invoice_overdue_filter() -> Q:
    """Posted or partly paid invoices past their due date (the firm's today is close enough
    to the server's for a list filter)."""
    return (Q(status__in=[InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID])
            & Q(due_date__lt=timezone.localdate()))
