"""Down payments (business-rules §8): create against a quote or a sales order, edit
while draft, generate the down-payment invoice, record the payment, apply to the customer's
regular invoices, refund, cancel; statistics and the down payments an invoice can take.

Money moves under row locks, always taken in the same order — the source (quote or order),
then the down payment, then the invoice — so concurrent callers queue instead of
deadlocking, and no down payment is ever applied or refunded beyond what was paid.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType
from core.errors import ApplicationError, InvalidTransition
from core.models import Firm, User
from core.money import round_money, to_decimal
from core.services import (
    document_event_record,
    document_transition,
    firm_today,
    record_save,
    row_lock,
    sequence_next,
    settings_read,
    transition_targets,
)
from sales.common.choices import PaymentMethod
from sales.common.totals import amount_in_words_ar, amount_in_words_en
from sales.down_payments.choices import (
    DOWN_PAYMENT_AVAILABLE_STATUSES,
    DownPaymentSource,
    DownPaymentStatus,
    DownPaymentType,
)
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund
from sales.errors import SalesErrorCode, draft_required
from sales.invoicing import services as invoice_services
from sales.invoicing.choices import InvoiceKind, InvoiceStatus
from sales.invoicing.models import Invoice, InvoiceLine
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder
from sales.orders.services import order_balance_update
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# What callers may set on a down payment; amounts, status, invoice and payment fields are the
# services' own.
DOWN_PAYMENT_FIELDS = {"type", "percentage_value", "fixed_amount", "vat_rate", "currency",
                       "requested_date", "due_date", "terms", "terms_ar", "notes", "notes_ar",
                       "internal_notes"}
# Quotes whose customer may still be asked for an advance (a converted quote's order takes
# its down payments instead).
QUOTE_CLOSED = [QuoteStatus.CONVERTED, QuoteStatus.CANCELLED, QuoteStatus.ARCHIVED,
                QuoteStatus.REJECTED, QuoteStatus.EXPIRED]


# --- errors ---------------------------------------------------------------------------------


class DownPaymentExceedsTotal(ApplicationError):
    def __init__(self, *, source_total: Decimal, committed: Decimal, amount: Decimal) -> None:
        remaining = max(source_total - committed, ZERO)
        super().__init__(
            code=SalesErrorCode.DOWN_PAYMENT_EXCEEDS_TOTAL,
            message=_("The down payments of this document would exceed its total. "
                      "%(remaining)s remains.") % {"remaining": remaining},
            details={"source_total": source_total, "already_requested": committed,
                     "remaining": remaining, "amount": amount})


NOT_EDITABLE = _("Only a draft down payment can be changed.")
NOT_DELETABLE = _("Only a draft down payment can be deleted. Cancel it instead.")


class SourceNotEligible(ApplicationError):
    def __init__(self, *, source_type: str, status: str) -> None:
        super().__init__(code=SalesErrorCode.SOURCE_NOT_ELIGIBLE, details={
            "source_type": source_type, "status": status}, message=_(
            "No down payment can be asked for on a document in this status."))


# --- pure calculations (business-rules §8) --------------------------------------------------------


def down_payment_amount(*, type: str, source_total: Decimal,
                        percentage_value: Decimal | None = None,
                        fixed_amount: Decimal | None = None) -> Decimal:
    """`amount = source total × percentage / 100`, or the fixed amount; 2 places, half up."""
    if type == DownPaymentType.PERCENTAGE:
        return round_money(to_decimal(source_total) * to_decimal(percentage_value) / HUNDRED)
    return round_money(to_decimal(fixed_amount))


def down_payment_vat_split(*, amount: Decimal, vat_rate: Decimal) -> tuple[Decimal, Decimal]:
    """(amount excluding VAT, VAT) of an amount that includes VAT:
    `excluding = amount / (1 + rate/100)`, `vat = amount − excluding`, each 2 places, so the
    two always add up to the amount (1150 at 15 % → 1000 + 150)."""
    amount = round_money(amount)
    excluding = round_money(amount / (1 + to_decimal(vat_rate) / HUNDRED))
    return excluding, amount - excluding


def _fill_amounts(down_payment: DownPayment) -> None:
    down_payment.amount = down_payment_amount(
        type=down_payment.type, source_total=down_payment.source_total,
        percentage_value=down_payment.percentage_value,
        fixed_amount=down_payment.fixed_amount)
    down_payment.amount_excluding_vat, down_payment.vat_amount = down_payment_vat_split(
        amount=down_payment.amount, vat_rate=down_payment.vat_rate)


# --- helpers --------------------------------------------------------------------------------


def _refuse_unknown(fields: dict, allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _lock_source(*, quote: Quote | None, sales_order: SalesOrder | None):
    """The source row, locked: creations and edits against one source queue here, so the
    sum of its down payments is read and extended by one caller at a time."""
    if quote is not None:
        return row_lock(Quote.objects.all(), quote.pk)
    return row_lock(SalesOrder.all_objects.all(), sales_order.pk)


def _check_source(source) -> None:
    if isinstance(source, Quote):
        if source.status in QUOTE_CLOSED:
            raise SourceNotEligible(source_type=DownPaymentSource.QUOTE, status=source.status)
        if source.customer_id is None:
            raise ValidationError({"source_id": _(
                "This quote is for a lead: convert the lead to a customer first.")})
    elif source.status == SalesOrderStatus.CANCELLED or source.deleted_at is not None:
        raise SourceNotEligible(source_type=DownPaymentSource.SALES_ORDER,
                                status="deleted" if source.deleted_at else source.status)


def down_payment_committed(*, quote: Quote | None = None, sales_order: SalesOrder | None = None,
                           exclude: DownPayment | None = None) -> Decimal:
    """What a source's down payments already ask for: every one not cancelled, less what was
    refunded (a refunded one keeps only what it applied)."""
    rows = DownPayment.objects.exclude(status=DownPaymentStatus.CANCELLED)
    rows = rows.filter(quote=quote) if quote is not None else rows.filter(
        sales_order=sales_order)
    if exclude is not None and exclude.pk is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.aggregate(total=Coalesce(Sum(F("amount") - F("refunded_amount")), ZERO))["total"]


def _check_within_total(down_payment: DownPayment, source) -> None:
    if down_payment.amount <= 0:
        field = ("percentage_value" if down_payment.type == DownPaymentType.PERCENTAGE
                 else "fixed_amount")
        raise ValidationError({field: _("The down payment must be more than zero.")})
    committed = down_payment_committed(quote=down_payment.quote,
                                       sales_order=down_payment.sales_order,
                                       exclude=down_payment)
    if committed + down_payment.amount > source.total:
        raise DownPaymentExceedsTotal(source_total=source.total, committed=committed,
                                      amount=down_payment.amount)


def _check_type_value(down_payment: DownPayment) -> None:
    """The value the type needs, and only that one."""
    if down_payment.type == DownPaymentType.PERCENTAGE:
        if down_payment.percentage_value is None:
            raise ValidationError({"percentage_value": _("Give the percentage.")})
        down_payment.fixed_amount = None
    else:
        if down_payment.fixed_amount is None:
            raise ValidationError({"fixed_amount": _("Give the amount.")})
        down_payment.percentage_value = None




def down_payment_available_actions(*, document: DownPayment,
                                   user: User | None = None) -> list[str]:
    """The down payment's actions possible now (sales.down_payments.actions declares them;
    the kit adds the permission): generate the invoice of a draft, record the payment of a
    pending one, cancel either, apply or refund what remains of a paid one."""
    status = document.status
    if status == DownPaymentStatus.DRAFT:
        return ["generate_invoice", "cancel"]
    if status == DownPaymentStatus.PENDING:
        return ["record_payment", "cancel"]
    if status in DOWN_PAYMENT_AVAILABLE_STATUSES and document.remaining_amount > 0:
        return ["apply", "refund"]
    return []


def down_payment_allowed_targets(*, down_payment: DownPayment) -> list[str]:
    """The statuses the down payment may move to now; applying may lead to either
    applied status (RETURN_VALUE), both are listed."""
    targets: set[str] = set()
    for target in transition_targets(down_payment).values():
        states = getattr(target, "allowed_states", None) or [target]
        targets.update(str(state) for state in states)
    return sorted(targets)


def _refuse(down_payment: DownPayment, target: str) -> None:
    raise InvalidTransition(source=down_payment.status, target=target,
                            allowed=down_payment_allowed_targets(down_payment=down_payment))


# --- create, edit, delete -------------------------------------------------------------------


@transaction.atomic
def down_payment_create(*, firm: Firm, actor: User | None, quote: Quote | None = None,
                        sales_order: SalesOrder | None = None, **fields: Any) -> DownPayment:
    """A numbered (DP-YYYY-NNNN) draft down payment on a quote or a sales order (exactly one)
    for its customer: the amount from the percentage of the source's total or the fixed
    amount, VAT split out at the given rate (else the firm's). Under a lock on the source,
    the source's down payments never add up to more than its total (400
    `down_payment_exceeds_total`, with what remains)."""
    _refuse_unknown(fields, DOWN_PAYMENT_FIELDS)
    if (quote is None) == (sales_order is None):
        raise ValidationError({"source_id": _("Give a quote or a sales order (one of them).")})
    for source_row in (quote, sales_order):
        if source_row is not None and source_row.firm_id != firm.pk:
            raise ValidationError({"source_id": _("Not found.")})
    source = _lock_source(quote=quote, sales_order=sales_order)
    _check_source(source)
    settings = settings_read(firm=firm)
    down_payment = DownPayment(firm=firm, created_by=actor, updated_by=actor,
                               quote=source if quote is not None else None,
                               sales_order=source if sales_order is not None else None,
                               **fields)
    if "vat_rate" not in fields or fields["vat_rate"] is None:
        down_payment.vat_rate = settings.tax.default_tax_rate
    if "currency" not in fields:
        down_payment.currency = source.currency
    if "requested_date" not in fields or fields["requested_date"] is None:
        down_payment.requested_date = firm_today(firm=firm)
    if "due_date" not in fields or fields["due_date"] is None:
        down_payment.due_date = down_payment.requested_date
    if not down_payment.terms and not down_payment.terms_ar:
        down_payment.terms = settings.documents.default_terms_and_conditions
        down_payment.terms_ar = settings.documents.default_terms_and_conditions_ar
    down_payment.customer = source.customer
    down_payment.customer_name = source.customer.name
    down_payment.customer_name_ar = source.customer.name_ar
    down_payment.source_number = source.number
    down_payment.source_total = source.total
    _check_type_value(down_payment)
    _fill_amounts(down_payment)
    down_payment.full_clean(exclude=["number"])
    _check_within_total(down_payment, source)
    # Numbered last, so a refused down payment burns no number.
    down_payment.number = sequence_next(firm=firm, document_type=DocumentType.DOWN_PAYMENT,
                                        date=firm_today(firm=firm))
    record_save(down_payment, actor=actor, reason="created")
    document_event_record(instance=down_payment, action="created", actor=actor,
                          to_status=down_payment.status,
                          details={"number": down_payment.number, "amount": str(
                              down_payment.amount), "source": source.number})
    return down_payment


@transaction.atomic
def down_payment_update(*, down_payment: DownPayment, actor: User | None, reason: str = "",
                        **changes: Any) -> DownPayment:
    """Edit a draft down payment (type, percentage or amount, VAT rate, dates, texts); the
    amount is worked out again from the source's current total and checked against it."""
    _refuse_unknown(changes, DOWN_PAYMENT_FIELDS)
    source = _lock_source(quote=down_payment.quote, sales_order=down_payment.sales_order)
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    draft_required(locked, code=SalesErrorCode.DOWN_PAYMENT_NOT_EDITABLE, message=NOT_EDITABLE)
    for name, value in changes.items():
        setattr(locked, name, value)
    if changes.get("vat_rate", ZERO) is None:
        locked.vat_rate = settings_read(firm=locked.firm).tax.default_tax_rate
    if locked.due_date is None:
        locked.due_date = locked.requested_date
    _check_source(source)
    locked.source_total = source.total
    _check_type_value(locked)
    _fill_amounts(locked)
    locked.full_clean()
    _check_within_total(locked, source)
    record_save(locked, actor=actor, reason=reason or "updated")
    return locked


@transaction.atomic
def down_payment_delete(*, down_payment: DownPayment, actor: User | None) -> None:
    """Delete a draft down payment (its history keeps who did it); others are cancelled."""
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    draft_required(locked, code=SalesErrorCode.DOWN_PAYMENT_NOT_DELETABLE,
                   message=NOT_DELETABLE)
    locked._history_user = actor
    locked._change_reason = "deleted"
    locked.delete()


# --- the workflow ---------------------------------------------------------------------------


@transaction.atomic
def down_payment_generate_invoice(*, down_payment: DownPayment, actor: User | None,
                                  reason: str = "") -> DownPayment:
    """draft → pending: a posted down-payment invoice for the amount (VAT included, split as
    on the down payment) is issued to the customer."""
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    if locked.status != DownPaymentStatus.DRAFT:
        _refuse(locked, DownPaymentStatus.PENDING)
    invoice = _issue_invoice(locked, actor=actor)
    return document_transition(instance=locked, transition="generate_invoice", actor=actor,
                               reason=reason, invoice=invoice,
                               details={"invoice_id": invoice.pk,
                                        "invoice_number": invoice.number})


@transaction.atomic
def down_payment_record_payment(*, down_payment: DownPayment, actor: User | None,
                                paid_date: datetime.date | None = None, method: str = "",
                                reference: str = "", amount: Decimal | None = None,
                                reason: str = "") -> DownPayment:
    """pending → paid: the customer paid the whole amount (a different `amount` is refused,
    400 `amount_mismatch`); the payment is recorded on the down-payment invoice too."""
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    if locked.status != DownPaymentStatus.PENDING:
        _refuse(locked, DownPaymentStatus.PAID)
    if amount is not None and round_money(amount) != locked.amount:
        raise ApplicationError(code=SalesErrorCode.AMOUNT_MISMATCH,
                               details={"amount": locked.amount},
                               message=_("A down payment is paid in full: %(amount)s.")
                               % {"amount": locked.amount})
    paid_date = paid_date or firm_today(firm=locked.firm)
    _record_invoice_payment(locked, actor=actor, paid_date=paid_date, method=method,
                            reference=reference)
    return document_transition(instance=locked, transition="record_payment", actor=actor,
                               reason=reason, paid_date=paid_date,
                               payment_method=method or PaymentMethod.BANK_TRANSFER,
                               reference=reference,
                               details={"amount": str(locked.amount), "method": method,
                                        "reference": reference})


@transaction.atomic
def down_payment_apply(*, down_payment: DownPayment, invoice, amount: Decimal,
                       actor: User | None) -> DownPaymentApplication:
    """Set part of a paid down payment against a posted regular invoice of the same
    customer: at most what remains of the down payment (400 `amount_exceeds_remaining`) and
    at most what the invoice still asks for (400 `amount_exceeds_due`). The invoice's
    `downPaymentsApplied` and amount due follow; the down payment becomes partially or fully
    applied. Both rows are locked (down payment first), so concurrent applications queue."""
    amount = round_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    if locked.status not in DOWN_PAYMENT_AVAILABLE_STATUSES:
        _refuse(locked, DownPaymentStatus.PARTIALLY_APPLIED)
    target = row_lock(Invoice.objects.all(), invoice.pk)
    _check_invoice_takes(locked, target)
    if amount > locked.remaining_amount:
        raise ApplicationError(code=SalesErrorCode.AMOUNT_EXCEEDS_REMAINING,
                               details={"remaining": locked.remaining_amount, "amount": amount},
                               message=_("Only %(remaining)s of this down payment remains.")
                               % {"remaining": locked.remaining_amount})
    if amount > target.amount_due:
        raise ApplicationError(code=SalesErrorCode.AMOUNT_EXCEEDS_DUE,
                               details={"amount_due": target.amount_due, "amount": amount},
                               message=_("The invoice asks for only %(due)s.")
                               % {"due": target.amount_due})
    application = DownPaymentApplication(
        firm_id=locked.firm_id, down_payment=locked, invoice=target,
        invoice_number=target.number or "", invoice_total=target.total, amount=amount,
        applied_by=actor)
    application._history_user = actor
    application.save()
    moved = document_transition(instance=locked, transition="apply", actor=actor,
                                reason="applied", amount=amount,
                                details={"invoice_id": target.pk,
                                         "invoice_number": target.number, "amount": str(amount)})
    _invoice_add_down_payment(target, amount=amount, actor=actor)
    application.down_payment = moved
    return application


@transaction.atomic
def down_payment_refund(*, down_payment: DownPayment, amount: Decimal, reason: str,
                        actor: User | None, refund_date: datetime.date | None = None,
                        method: str = "", reference: str = "") -> DownPaymentRefund:
    """Give back paid money not applied: at most paid − applied − already refunded (400
    `refund_exceeds_available`). Refunding all that is left makes the down payment
    refunded; a part refund keeps its status."""
    amount = round_money(amount)
    reason = (reason or "").strip()
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if not reason:
        raise ValidationError({"reason": _("Say why the money is given back.")})
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    if locked.status not in DOWN_PAYMENT_AVAILABLE_STATUSES:
        _refuse(locked, DownPaymentStatus.REFUNDED)
    if amount > locked.remaining_amount:
        raise ApplicationError(code=SalesErrorCode.REFUND_EXCEEDS_AVAILABLE,
                               details={"available": locked.remaining_amount,
                                        "amount": amount},
                               message=_("At most %(available)s can be refunded.")
                               % {"available": locked.remaining_amount})
    refund = DownPaymentRefund(firm_id=locked.firm_id, down_payment=locked, amount=amount,
                               refund_date=refund_date or firm_today(firm=locked.firm),
                               method=method, reference=reference, reason=reason,
                               created_by=actor)
    refund.full_clean(exclude=["down_payment"])
    refund._history_user = actor
    refund.save()
    details = {"amount": str(amount), "method": method, "reference": reference}
    # The amounts move first (with their own history row), the status after, if at all.
    locked.refunded_amount += amount
    locked.remaining_amount -= amount
    record_save(locked, actor=actor, reason=reason)
    if locked.remaining_amount == 0:
        document_transition(instance=locked, transition="refund", actor=actor,
                            reason=reason, details=details)
    else:
        document_event_record(instance=locked, action="refund", actor=actor, reason=reason,
                              from_status=locked.status, to_status=locked.status,
                              details=details)
    return refund


@transaction.atomic
def down_payment_cancel(*, down_payment: DownPayment, actor: User | None,
                        reason: str = "") -> DownPayment:
    """draft or pending → cancelled; a pending one's unpaid invoice is cancelled with it.
    Its amount no longer counts against the source's total."""
    locked = row_lock(DownPayment.objects.all(), down_payment.pk)
    if locked.status not in (DownPaymentStatus.DRAFT, DownPaymentStatus.PENDING):
        _refuse(locked, DownPaymentStatus.CANCELLED)
    if locked.invoice_id is not None:
        _cancel_invoice(locked, actor=actor, reason=reason)
    return document_transition(instance=locked, transition="cancel", actor=actor,
                               reason=reason, cancellation_reason=reason)


# --- selectors -----------------------------------------------------------------------------


def down_payment_stats(*, down_payments: QuerySet) -> dict:
    """Counts and amounts per status (zeros included) and in all: requested (not
    cancelled), paid, applied, refunded and still available to apply."""
    rows = down_payments.order_by()
    per_status = {row["status"]: row for row in rows.values("status").annotate(
        count=Count("pk"), amount=Coalesce(Sum("amount"), ZERO))}
    by_status = [{"status": status.value,
                  "count": per_status.get(status.value, {}).get("count", 0),
                  "amount": round_money(per_status.get(status.value, {}).get("amount", ZERO))}
                 for status in DownPaymentStatus]
    totals = rows.exclude(status=DownPaymentStatus.CANCELLED).aggregate(
        requested=Coalesce(Sum("amount"), ZERO), paid=Coalesce(Sum("paid_amount"), ZERO),
        applied=Coalesce(Sum("applied_amount"), ZERO),
        refunded=Coalesce(Sum("refunded_amount"), ZERO),
        available=Coalesce(Sum("remaining_amount"), ZERO))
    return {"count": rows.count(), "by_status": by_status,
            **{f"total_{name}": round_money(value) for name, value in totals.items()}}


def down_payments_available_for(*, down_payments: QuerySet, invoice) -> QuerySet:
    """The down payments an invoice can take: its customer's, paid or partially applied,
    with something remaining (oldest first). None unless the invoice is a posted regular
    one with an amount due."""
    if not invoice_accepts_down_payments(invoice=invoice):
        return down_payments.none()
    return down_payments.filter(customer_id=invoice.customer_id,
                                status__in=DOWN_PAYMENT_AVAILABLE_STATUSES,
                                remaining_amount__gt=0).order_by("requested_date", "pk")


# --- the invoice side (sales.invoicing.services) -------------------------------------------


# An invoice can take a down payment: a posted (or part-paid) regular invoice with something
# still due (business-rules §8). The predicate and the queryset filter below say it once each,
# side by side; every caller (services, the staff apply form, the API) goes through them.
ACCEPTING_STATUSES = (InvoiceStatus.POSTED, InvoiceStatus.PARTIALLY_PAID)


def invoice_accepts_down_payments(*, invoice: Invoice) -> bool:
    return (invoice.kind == InvoiceKind.REGULAR and invoice.status in ACCEPTING_STATUSES
            and invoice.amount_due > 0)


def invoices_accepting_down_payments(*, invoices: QuerySet) -> QuerySet:
    """The invoices of `invoices` that invoice_accepts_down_payments holds for."""
    return invoices.filter(kind=InvoiceKind.REGULAR, status__in=ACCEPTING_STATUSES,
                           amount_due__gt=0)


def _check_invoice_takes(down_payment: DownPayment, invoice: Invoice) -> None:
    if invoice.firm_id != down_payment.firm_id or \
            invoice.customer_id != down_payment.customer_id:
        raise ApplicationError(code=SalesErrorCode.CUSTOMER_MISMATCH, details={
            "invoice_id": invoice.pk}, message=_(
            "A down payment is applied only to invoices of its own customer."))
    if not invoice_accepts_down_payments(invoice=invoice):
        raise ApplicationError(code=SalesErrorCode.INVOICE_NOT_APPLICABLE, details={
            "invoice_id": invoice.pk, "kind": invoice.kind, "status": invoice.status},
            message=_("A down payment is applied only to a posted regular invoice."))


def _issue_invoice(down_payment: DownPayment, *, actor: User | None) -> Invoice:
    """The down payment's invoice: one line of the amount, posted at once.

    It is not linked to the order: the order's balance counts a down payment when it is
    applied to the order's invoice, not when it is paid (business-rules §6)."""
    settings = settings_read(firm=down_payment.firm)
    gross = settings.tax.tax_included_in_price
    line = {
        "description": str(_("Down payment %(number)s on %(source)s")
                           % {"number": down_payment.number,
                              "source": down_payment.source_number}),
        "description_ar": f"دفعة مقدمة {down_payment.number} على {down_payment.source_number}",
        "quantity": Decimal("1"),
        "unit_price": down_payment.amount if gross else down_payment.amount_excluding_vat,
        "tax_rate": down_payment.vat_rate,
        "taxable": down_payment.vat_rate > 0,
    }
    invoice = invoice_services.invoice_create(
        firm=down_payment.firm, actor=actor, customer=down_payment.customer, lines=[line],
        kind=InvoiceKind.DOWN_PAYMENT,
        notes=str(_("Down payment %(number)s") % {"number": down_payment.number}))
    _align_invoice_vat(invoice, down_payment)
    return invoice_services.invoice_post(invoice=invoice, actor=actor,
                                         reason=f"down payment {down_payment.number}")


def _align_invoice_vat(invoice: Invoice, down_payment: DownPayment) -> None:
    """With prices entered net of VAT, no net price in halalas gives every amount back
    (1000 at 15 %: 869.57 + 130.44 = 1000.01): the draft's VAT is set to the down payment's
    own split, so the invoice asks for exactly the amount paid (a halala of rounding)."""
    if invoice.total == down_payment.amount:
        return
    InvoiceLine.objects.filter(invoice=invoice).update(tax_amount=down_payment.vat_amount)
    Invoice.objects.filter(pk=invoice.pk).update(
        tax_amount=down_payment.vat_amount, total=down_payment.amount,
        amount_due=down_payment.amount,
        total_in_words=amount_in_words_ar(down_payment.amount, currency=invoice.currency),
        total_in_words_en=amount_in_words_en(down_payment.amount, currency=invoice.currency))
    invoice.refresh_from_db()


def _record_invoice_payment(down_payment: DownPayment, *, actor: User | None,
                            paid_date: datetime.date, method: str, reference: str) -> None:
    invoice_services.payment_record(
        invoice=down_payment.invoice, actor=actor, amount=down_payment.amount, date=paid_date,
        method=method or PaymentMethod.BANK_TRANSFER, reference=reference,
        notes=str(_("Down payment %(number)s") % {"number": down_payment.number}))


def _cancel_invoice(down_payment: DownPayment, *, actor: User | None, reason: str) -> None:
    invoice = down_payment.invoice
    if invoice.status != InvoiceStatus.CANCELLED:
        invoice_services.invoice_cancel(
            invoice=invoice, actor=actor,
            reason=reason or f"down payment {down_payment.number} cancelled")


def _invoice_add_down_payment(invoice: Invoice, *, amount: Decimal,
                              actor: User | None) -> Invoice:
    """The invoice's down payments applied go up by `amount` (its due and status follow),
    and so do its order's (business-rules §6: balanceDue = total − downPaymentsApplied −
    payments). The caller holds the invoice's lock; the order is locked after it, as the
    invoice services do."""
    moved = invoice_services.invoice_recompute_due(
        invoice=invoice, actor=actor,
        down_payments_applied=invoice.down_payments_applied + amount)
    if moved.order_id is not None:
        applied = DownPaymentApplication.objects.filter(
            invoice__order_id=moved.order_id).exclude(
            invoice__status=InvoiceStatus.CANCELLED).aggregate(
            total=Coalesce(Sum("amount"), ZERO))["total"]
        order_balance_update(order=SalesOrder.all_objects.get(pk=moved.order_id),
                             down_payments_applied=applied, actor=actor)
    return moved
