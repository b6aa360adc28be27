"""Returns: create against a delivered order, invoice or delivery note, submit, approve or
reject, receive, inspect, process into a credit note or a replacement order, cancel
(business-rules §9).

Every quantity check runs under the order's lock (the lock every writer of the order's lines
takes first), so two returns made or received at once never hold or return more than was
delivered; receiving writes the order lines' returned quantities through
sales.orders.services.order_lines_count in the return's transaction.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType, Role
from core.errors import ApplicationError, Conflict, InvalidTransition
from core.models import Firm, User
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
from delivery.choices import DONE_STATUSES
from delivery.services import delivery_note_mark_returned
from sales.common.choices import PaymentMethod
from sales.invoicing.choices import INVOICE_MONEY_STATUSES
from sales.invoicing.models import Invoice
from sales.invoicing.services import (
    credit_note_create,
    credit_note_post,
    credit_note_refundable,
    refund_record,
)
from sales.orders.models import SalesOrder
from sales.orders.services import order_confirm, order_create, order_lines_count

from .choices import (
    GOODS_RESOLUTIONS,
    Channel,
    Disposition,
    InspectionResult,
    Resolution,
    ReturnReason,
    ReturnStatus,
)
from .eligibility import (
    Ineligible,
    LineCheck,
    Source,
    amounts_fill,
    lines_check,
    source_lines,
    source_of,
)
from .errors import ReturnErrorCode
from .models import ReturnOrder, ReturnOrderLine
from .signals import return_processed

ZERO = Decimal("0")
# What callers may set on a return; statuses, amounts, dates and documents are the services'.
RETURN_FIELDS = {
    "reason_detail", "reason_detail_ar", "resolution_notes", "customer_email",
    "customer_phone", "return_shipping_method", "return_carrier", "return_tracking_number",
    "return_shipping_cost", "return_shipping_paid_by", "pickup_required", "pickup_address",
    "pickup_scheduled_date", "pickup_completed_date", "customer_notes", "internal_notes",
}


class ReturnNotEligible(ApplicationError):
    """400: lines that cannot come back, each with its reasons (`lines.N.quantity`)."""

    def __init__(self, *, errors: dict) -> None:
        super().__init__(code=ReturnErrorCode.NOT_ELIGIBLE, details=errors, message=_(
            "Some lines cannot be returned: see each line's reasons."))


def _checked(source: Source, rows: Any, *, reason: str, exclude: ReturnOrder | None = None
             ) -> list[LineCheck]:
    firm = source.order.firm
    try:
        return lines_check(source=source, rows=rows, reason=reason,
                           settings=settings_read(firm=firm), exclude=exclude,
                           today=firm_today(firm=firm))
    except Ineligible as refusal:
        raise ReturnNotEligible(errors=refusal.errors) from refusal


def _lines_write(return_order: ReturnOrder, checks: list[LineCheck], rows: list[dict]) -> None:
    """The asked lines, frozen as checked: quantities, unit value, policy, window, amounts."""
    extra = {row["order_line_id"]: row for row in rows}
    built = []
    for position, check in enumerate(checks):
        line, row = check.order_line, extra[check.order_line.pk]
        built.append(ReturnOrderLine(
            firm_id=return_order.firm_id, return_order=return_order, position=position,
            order_line=line, invoice_line=check.invoice_line,
            delivery_line=check.delivery_line, product_id=line.product_id,
            product_code=line.product.code if line.product_id else "",
            description=line.description, description_ar=line.description_ar, unit=line.unit,
            ordered_quantity=line.quantity, quantity=check.quantity,
            unit_value=check.unit_value, unit_price=check.unit_price, tax_rate=check.tax_rate,
            taxable=check.taxable, line_net=check.line_net, line_tax=check.line_tax,
            line_total=check.line_total, restocking_fee_percent=check.fee_percent,
            restocking_fee=check.restocking_fee, refund_amount=check.refund_amount,
            reason=check.reason, reason_detail=str(row.get("reason_detail") or "")[:500],
            policy=check.terms.policy, delivered_date=check.delivered_date,
            window_ends=check.window_ends,
            serial_numbers=list(row.get("serial_numbers") or []),
            batch_numbers=list(row.get("batch_numbers") or [])))
    ReturnOrderLine.objects.bulk_create(built)
    _totals_write(return_order, checks)


def _totals_write(return_order: ReturnOrder, checks: list[LineCheck],
                  quantities: dict[int, Decimal] | None = None) -> None:
    settings = settings_read(firm=return_order.firm)
    amounts = amounts_fill(checks, settings=settings, currency=return_order.currency,
                           quantities=quantities)
    return_order.return_amount = amounts.return_amount
    return_order.refund_amount = amounts.refund_amount
    return_order.restocking_fee = amounts.restocking_fee
    return_order.restocking_fee_percent = max((check.fee_percent for check in checks),
                                              default=ZERO)
    return_order.original_amount = return_order.order.total
    windows = [check.window_ends for check in checks if check.window_ends]
    return_order.expiry_date = min(windows) if windows else None


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("Choose one of the listed values.")]})
    return value


@transaction.atomic
def return_create(*, firm: Firm, actor: User | None, source_type: str, source_id: Any,
                  lines: list[dict], reason: str, requested_resolution: str,
                  channel: str = Channel.STAFF, documents: dict | None = None,
                  **fields: Any) -> ReturnOrder:
    """A draft return (RMA-YYYY-NNNN) against a delivered sales order, a posted invoice or a
    delivered delivery note: `lines` `[{order_line_id, quantity, reason?, reason_detail?,
    serial_numbers?, batch_numbers?}]`, each eligible (400 `return_not_eligible` naming every
    line's reasons: past the window, more than returnable, no delivery date,
    non-returnable). Unit values, policy, window and amounts are frozen from the source."""
    settings = settings_read(firm=firm)
    if not settings.returns.enabled:
        raise Conflict(code=ReturnErrorCode.RETURNS_DISABLED,
                       message=_("This firm does not take returns."))
    _choice(reason, ReturnReason, "reason")
    _choice(requested_resolution, Resolution, "requested_resolution")
    unknown = sorted(set(fields) - RETURN_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    source = source_of(firm=firm, source_type=source_type, source_id=source_id,
                       documents=documents)
    order = row_lock(SalesOrder.all_objects.all(), source.order.pk)
    checks = _checked(source, lines, reason=reason)
    customer = order.customer
    return_order = ReturnOrder(
        firm=firm, created_by=actor, updated_by=actor, channel=channel,
        source_type=source.type, source_number=source.number, source_date=source.date,
        order=order, invoice=source.invoice, delivery_note=source.delivery_note,
        customer=customer, customer_name=order.customer_name or customer.name,
        customer_name_ar=order.customer_name_ar or customer.name_ar,
        customer_email=customer.email or "", customer_phone=getattr(customer, "phone", "") or "",
        reason=reason, requested_resolution=requested_resolution, currency=order.currency,
        requested_date=firm_today(firm=firm), **fields)
    _totals_write(return_order, checks)
    return_order.number = sequence_next(firm=firm, document_type=DocumentType.RETURN,
                                        date=return_order.requested_date)
    return_order.full_clean(exclude=["order", "customer", "invoice", "delivery_note"])
    record_save(return_order, actor=actor, reason="created")
    _lines_write(return_order, checks, lines)
    document_event_record(instance=return_order, action="created", actor=actor,
                          to_status=return_order.status,
                          details={"source": source.number, "channel": channel})
    return return_order


def _lock(return_order: ReturnOrder) -> ReturnOrder:
    return row_lock(ReturnOrder.objects.all(), return_order.pk)


def return_allowed_targets(*, return_order: ReturnOrder) -> list[str]:
    """The statuses the return may move to now (a refusal's `allowed`)."""
    return sorted(set(map(str, transition_targets(return_order).values())))


def _refuse(return_order: ReturnOrder, target: str) -> InvalidTransition:
    return InvalidTransition(source=return_order.status, target=target,
                             allowed=return_allowed_targets(return_order=return_order))


def _recheck(return_order: ReturnOrder) -> None:
    """The return's lines still eligible now (the window may have closed since the draft)."""
    source = source_of(firm=return_order.firm, source_type=return_order.source_type,
                       source_id=(return_order.invoice_id or return_order.delivery_note_id
                                  or return_order.order_id))
    rows = [{"order_line_id": line.order_line_id, "quantity": line.quantity,
             "reason": line.reason} for line in return_order.lines.all()]
    _checked(source, rows, reason=return_order.reason, exclude=return_order)


def approval_needed(*, return_order: ReturnOrder, settings) -> bool:
    """Approval per the settings: always with `requireApproval`, else above the threshold."""
    threshold = settings.returns.approval_threshold
    return bool(settings.returns.require_approval or (
        threshold is not None and return_order.return_amount > threshold))


def approver_allowed(*, return_order: ReturnOrder, user: User | None, settings) -> bool:
    """Above `approvalThreshold` a sales manager (or an admin, or a listed approver) must
    approve; below it anyone who may approve returns."""
    threshold = settings.returns.approval_threshold
    if threshold is None or return_order.return_amount <= threshold:
        return True
    if user is None:
        return False
    approvers = settings.returns.approvers or []
    return user.role in (Role.SALES_MANAGER, Role.ADMIN) or user.pk in approvers


@transaction.atomic
def return_submit(*, return_order: ReturnOrder, actor: User | None,
                  reason: str = "") -> ReturnOrder:
    """draft → pending_approval, or straight to approved when the settings need no approval
    for it; its lines are checked again (400 `return_not_eligible`)."""
    locked = _lock(return_order)
    if locked.status != ReturnStatus.DRAFT:
        raise _refuse(locked, ReturnStatus.PENDING_APPROVAL)
    row_lock(SalesOrder.all_objects.all(), locked.order_id)
    _recheck(locked)
    settings = settings_read(firm=locked.firm)
    if approval_needed(return_order=locked, settings=settings):
        return document_transition(instance=locked, transition="submit", actor=actor,
                                   reason=reason)
    return document_transition(instance=locked, transition="approve", actor=actor,
                               reason=reason, by=None, details={"automatic": True})


class ApproverRequired(ApplicationError):
    def __init__(self) -> None:
        super().__init__(code=ReturnErrorCode.APPROVER_REQUIRED, status_code=403, message=_(
            "A return above the approval threshold needs a sales manager's approval."))


@transaction.atomic
def return_approve(*, return_order: ReturnOrder, actor: User | None,
                   reason: str = "") -> ReturnOrder:
    """pending_approval → approved (403 `approver_required` above the threshold for anyone
    but a sales manager, an admin or a listed approver)."""
    locked = _lock(return_order)
    if locked.status != ReturnStatus.PENDING_APPROVAL:
        raise _refuse(locked, ReturnStatus.APPROVED)
    if not approver_allowed(return_order=locked, user=actor,
                            settings=settings_read(firm=locked.firm)):
        raise ApproverRequired()
    return document_transition(instance=locked, transition="approve", actor=actor,
                               reason=reason, by=actor)


@transaction.atomic
def return_reject(*, return_order: ReturnOrder, actor: User | None,
                  reason: str) -> ReturnOrder:
    """pending_approval → rejected, with a reason: the return holds nothing any more."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the return is rejected.")})
    return document_transition(instance=return_order, transition="reject", actor=actor,
                               reason=reason, by=actor, rejection_reason=reason)


@transaction.atomic
def return_cancel(*, return_order: ReturnOrder, actor: User | None,
                  reason: str) -> ReturnOrder:
    """draft, pending_approval or approved → cancelled, with a reason; never once received."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the return is cancelled.")})
    return document_transition(instance=return_order, transition="cancel", actor=actor,
                               reason=reason, cancellation_reason=reason, by=actor)


def _received_quantities(rows: list[dict] | None, lines: dict[int, ReturnOrderLine]
                         ) -> tuple[dict[int, Decimal], dict[int, str]]:
    """`[{id, received_quantity, condition}]` → {line id: quantity}, {line id: condition};
    every asked quantity when no rows are given. At most what was asked, and something."""
    if rows is None:
        return {pk: line.quantity for pk, line in lines.items()}, {}
    quantities = dict.fromkeys(lines, ZERO)
    conditions: dict[int, str] = {}
    errors = {}
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        line = lines.get(row.get("id")) if isinstance(row, dict) else None
        if line is None:
            errors[f"lines.{index}.id"] = [_("Not a line of this return.")]
            continue
        try:
            quantity = Decimal(str(row.get("received_quantity", line.quantity)))
        except ArithmeticError:
            quantity = None
        if quantity is None or not quantity.is_finite() or not ZERO <= quantity <= line.quantity:
            errors[f"lines.{index}.received_quantity"] = [
                _("Enter a quantity from 0 to what was asked for.")]
            continue
        quantities[line.pk] = quantity
        conditions[line.pk] = str(row.get("condition") or "")[:300]
    if errors:
        raise ValidationError(errors)
    if not any(quantities.values()):
        raise ValidationError({"lines": [_("Nothing was received: cancel the return "
                                           "instead.")]})
    return quantities, conditions


@transaction.atomic
def return_receive(*, return_order: ReturnOrder, actor: User | None, reason: str = "",
                   lines: list[dict] | None = None, condition: str = "") -> ReturnOrder:
    """approved → received: what arrived per line (possibly less than asked) and its
    condition. The order lines' returned quantities go up by it in this transaction (never
    above delivered: 400 `quantity_exceeds_remaining`, also when two returns are received at
    once); the amounts follow the received quantities; a delivered note whose every line is
    back becomes returned."""
    locked = _lock(return_order)
    if locked.status != ReturnStatus.APPROVED:
        raise _refuse(locked, ReturnStatus.RECEIVED)
    own = {line.pk: line for line in rows_lock(locked.lines.select_related("order_line"))}
    quantities, conditions = _received_quantities(lines, own)
    for pk in own:
        ReturnOrderLine.objects.filter(pk=pk).update(received_quantity=quantities[pk],
                                                     condition=conditions.get(pk, ""))
    order = order_lines_count(
        order=locked.order, field="returned_quantity", actor=actor, sign=1,
        quantities={line.order_line_id: quantities[pk] for pk, line in own.items()
                    if quantities[pk] > 0})
    moved = document_transition(
        instance=locked, transition="receive", actor=actor, reason=reason, by=actor,
        condition=(condition or "").strip(),
        details={"lines": {str(pk): str(quantity) for pk, quantity in quantities.items()}})
    _amounts_follow_received(moved)
    _notes_mark_returned(order, actor=actor, return_order=moved)
    return moved


def _amounts_follow_received(return_order: ReturnOrder) -> None:
    """The return's amounts on the received quantities (its credit note credits those)."""
    source = source_of(firm=return_order.firm, source_type=return_order.source_type,
                       source_id=(return_order.invoice_id or return_order.delivery_note_id
                                  or return_order.order_id))
    lines = list(return_order.lines.all())
    settings = settings_read(firm=return_order.firm)
    by_line = {check.order_line.pk: check for check in source_lines(
        source=source, settings=settings, exclude=return_order,
        today=firm_today(firm=return_order.firm))}
    checks = []
    for line in lines:
        check = by_line[line.order_line_id]
        check.quantity, check.reason = line.received_quantity, line.reason
        # The frozen value, not today's reading of the source.
        check.unit_value, check.tax_rate, check.taxable = (line.unit_value, line.tax_rate,
                                                          line.taxable)
        checks.append(check)
    _totals_write(return_order, checks)
    for line, check in zip(lines, checks, strict=True):
        ReturnOrderLine.objects.filter(pk=line.pk).update(
            line_net=check.line_net, line_tax=check.line_tax, line_total=check.line_total,
            restocking_fee=check.restocking_fee, refund_amount=check.refund_amount)
    record_save(return_order, actor=None, reason="received amounts")


def _notes_mark_returned(order: SalesOrder, *, actor: User | None,
                         return_order: ReturnOrder) -> None:
    """Each delivered note of the order whose every delivered line is back becomes returned."""
    lines = {line.pk: line for line in order.lines.all()}
    for note in order.delivery_notes.filter(status__in=DONE_STATUSES).prefetch_related("lines"):
        delivered = [line for line in note.lines.all() if line.quantity_delivered > 0]
        if delivered and all(lines[line.order_line_id].returned_quantity
                             >= lines[line.order_line_id].delivered_quantity
                             for line in delivered):
            delivery_note_mark_returned(note=note, actor=actor, reason=str(
                _("Returned with %(number)s") % {"number": return_order.number}))


# --- inspection and processing ---------------------------------------------------------------


@transaction.atomic
def return_inspect(*, return_order: ReturnOrder, actor: User | None, reason: str = "",
                   lines: list[dict] | None = None, result: str = "",
                   notes: str = "") -> ReturnOrder:
    """received → inspected: per line `[{id, inspection_result, inspection_notes,
    disposition}]` (acceptable and back to stock unless given); the return's result is the
    given one, else acceptable when every received line is, else the first line's finding."""
    locked = _lock(return_order)
    if locked.status != ReturnStatus.RECEIVED:
        raise _refuse(locked, ReturnStatus.INSPECTED)
    own = {line.pk: line for line in locked.lines.all()}
    findings: dict[int, dict] = {pk: {"inspection_result": InspectionResult.ACCEPTABLE,
                                      "disposition": Disposition.RETURN_TO_STOCK,
                                      "inspection_notes": ""} for pk in own}
    errors = {}
    for index, row in enumerate(lines or []):
        line = own.get(row.get("id")) if isinstance(row, dict) else None
        if line is None:
            errors[f"lines.{index}.id"] = [_("Not a line of this return.")]
            continue
        for name, choices in (("inspection_result", InspectionResult),
                              ("disposition", Disposition)):
            value = row.get(name) or findings[line.pk][name]
            if value not in choices.values:
                errors[f"lines.{index}.{name}"] = [_("Choose one of the listed values.")]
            findings[line.pk][name] = value
        findings[line.pk]["inspection_notes"] = str(row.get("inspection_notes") or "")[:500]
    if result and result not in InspectionResult.values:
        errors["result"] = [_("Choose one of the listed values.")]
    if errors:
        raise ValidationError(errors)
    for pk, finding in findings.items():
        ReturnOrderLine.objects.filter(pk=pk).update(**finding)
    found = [finding["inspection_result"] for pk, finding in findings.items()
             if own[pk].received_quantity]
    overall = result or next((value for value in found if value != InspectionResult.ACCEPTABLE),
                             InspectionResult.ACCEPTABLE)
    return document_transition(
        instance=locked, transition="inspect", actor=actor, reason=reason, by=actor,
        result=overall, notes=(notes or "").strip(),
        details={"result": overall, "lines": {str(pk): finding["inspection_result"]
                                              for pk, finding in findings.items()}})


class WrongResolution(Conflict):
    def __init__(self, message) -> None:
        super().__init__(code=ReturnErrorCode.WRONG_RESOLUTION, message=message)


def _credit_rows(return_order: ReturnOrder) -> list[tuple[ReturnOrderLine, dict]]:
    return [(line, {"quantity": line.received_quantity,
                    "unit_price": line.unit_value * (100 - line.restocking_fee_percent) / 100})
            for line in return_order.lines.select_related("invoice_line")
            if line.received_quantity]


def _invoices_to_credit(return_order: ReturnOrder) -> list[Invoice]:
    """The return's invoice, else the order's posted invoices, latest first."""
    if return_order.invoice_id is not None:
        return [return_order.invoice]
    return list(Invoice.objects.filter(order_id=return_order.order_id,
                                       status__in=INVOICE_MONEY_STATUSES)
                .order_by("-invoice_date", "-pk"))


@transaction.atomic
def return_generate_credit_note(*, return_order: ReturnOrder, actor: User | None,
                                reason: str = "") -> ReturnOrder:
    """A posted credit note of exactly the return's received lines at their frozen unit
    values less the restocking fee (its total is the return's refund amount), on the source
    invoice or the first posted invoice of the order that bills every line (409
    `no_invoice_to_credit` when none does; 409 `nothing_to_credit` when the return already
    has one or its resolution takes no money)."""
    locked = _lock(return_order)
    if locked.credit_note_id is not None or not locked.lines.filter(
            received_quantity__gt=0).exists():
        raise Conflict(code=ReturnErrorCode.NOTHING_TO_CREDIT, message=_(
            "This return has a credit note already, or nothing was received."))
    rows = _credit_rows(locked)
    note = None
    for invoice in _invoices_to_credit(locked):
        lines = invoice.lines.filter(order_line_id__in=[line.order_line_id for line, _row in rows])
        by_order_line = {line.order_line_id: line.pk for line in lines}
        if len(by_order_line) < len(rows):
            continue
        try:
            note = credit_note_create(
                invoice=invoice, actor=actor, source_reference=locked.number,
                reason=str(_("Return %(number)s") % {"number": locked.number}),
                reason_ar=f"مرتجع {locked.number}",
                lines=[{**row, "invoice_line_id": by_order_line[line.order_line_id]}
                       for line, row in rows])
        except ApplicationError:
            continue
        break
    if note is None:
        raise Conflict(code=ReturnErrorCode.NO_INVOICE_TO_CREDIT, message=_(
            "No posted invoice of this order bills the returned goods with enough left to "
            "credit: invoice them first, or process the return as a replacement."))
    posted = credit_note_post(credit_note=note, actor=actor)
    locked.credit_note, locked.credit_note_number = posted, posted.number
    record_save(locked, actor=actor, reason="credit note")
    document_event_record(instance=locked, action="credit_note_created", actor=actor,
                          from_status=locked.status, to_status=locked.status, reason=reason,
                          details={"credit_note": posted.number, "total": str(posted.total)})
    return locked


@transaction.atomic
def return_create_replacement(*, return_order: ReturnOrder, actor: User | None,
                              reason: str = "") -> ReturnOrder:
    """A confirmed sales order for the received goods at a price of zero, to the same
    customer and address, linked both ways (409 `nothing_to_credit` when the return has one
    already or nothing was received)."""
    locked = _lock(return_order)
    received = [line for line in locked.lines.select_related("order_line", "product")
                if line.received_quantity]
    if locked.replacement_order_id is not None or not received:
        raise Conflict(code=ReturnErrorCode.NOTHING_TO_CREDIT, message=_(
            "This return has a replacement order already, or nothing was received."))
    source = locked.order
    why = str(_("Replacement for return %(number)s") % {"number": locked.number})
    order = order_create(
        firm=locked.firm, actor=actor, customer=source.customer,
        shipping_address=source.shipping_address, billing_address=source.billing_address,
        sales_person=source.sales_person, notes=why, internal_notes=why,
        lines=[{"product": line.product, "description": line.description,
                "description_ar": line.description_ar, "quantity": line.received_quantity,
                "unit": line.unit, "unit_price": ZERO, "tax_rate": line.tax_rate,
                "taxable": line.taxable, "price_override_reason": why}
               for line in received])
    order = order_confirm(order=order, actor=actor, reason=why)
    locked.replacement_order, locked.replacement_order_number = order, order.number
    record_save(locked, actor=actor, reason="replacement")
    document_event_record(instance=locked, action="replacement_created", actor=actor,
                          from_status=locked.status, to_status=locked.status, reason=reason,
                          details={"order": order.number})
    document_event_record(instance=order, action="replacement_for", actor=actor,
                          from_status=order.status, to_status=order.status,
                          details={"return": locked.number})
    return locked


@transaction.atomic
def return_process(*, return_order: ReturnOrder, actor: User | None, reason: str = "",
                   resolution: str = "", notes: str = "") -> ReturnOrder:
    """received (or inspected; inspected only with `returns.requireInspection`) → processed
    by resolution (the requested one unless given): credit_note / refund → a posted credit
    note of the received lines (automatic with `returns.autoCreateCreditNote`; a refund
    always, and the refund paid at once when the invoice was paid: → refunded);
    replacement / exchange → a confirmed replacement order at zero price; repair, reject →
    no money. `return_processed` goes out inside the transaction."""
    locked = _lock(return_order)
    settings = settings_read(firm=locked.firm)
    sources = ([ReturnStatus.INSPECTED] if settings.returns.require_inspection
               else [ReturnStatus.RECEIVED, ReturnStatus.INSPECTED])
    if locked.status not in sources:
        raise _refuse(locked, ReturnStatus.PROCESSED)
    resolution = _choice(resolution or locked.requested_resolution, Resolution, "resolution")
    moved = document_transition(instance=locked, transition="process", actor=actor,
                                reason=reason, resolution=resolution,
                                resolution_notes=(notes or locked.resolution_notes).strip(),
                                details={"resolution": resolution})
    if resolution == Resolution.REFUND or (resolution == Resolution.CREDIT_NOTE
                                           and settings.returns.auto_create_credit_note):
        moved = return_generate_credit_note(return_order=moved, actor=actor)
        # A refund pays back what the customer paid; an unpaid invoice is simply credited.
        if resolution == Resolution.REFUND and credit_note_refundable(
                credit_note=moved.credit_note) > 0:
            moved = return_refund(return_order=moved, actor=actor)
    elif resolution in GOODS_RESOLUTIONS:
        moved = return_create_replacement(return_order=moved, actor=actor)
    return_processed.send(sender=ReturnOrder, return_order=moved,
                          credit_note=moved.credit_note, actor=actor)
    return moved


@transaction.atomic
def return_refund(*, return_order: ReturnOrder, actor: User | None, reason: str = "",
                  amount: Decimal | None = None, method: str = PaymentMethod.BANK_TRANSFER,
                  reference: str = "") -> ReturnOrder:
    """processed → refunded: the money paid back against the return's credit note, by
    default all it may refund now (at most the return's refund amount and what the invoice's
    payments leave to pay back: 400 `amount_exceeds_refundable` beyond it, or when nothing
    was paid); 409
    `nothing_to_credit` without a credit note."""
    locked = _lock(return_order)
    if locked.status != ReturnStatus.PROCESSED:
        raise _refuse(locked, ReturnStatus.REFUNDED)
    if locked.credit_note_id is None:
        raise Conflict(code=ReturnErrorCode.NOTHING_TO_CREDIT, message=_(
            "A refund is paid against the return's credit note: create it first."))
    # None: all the credit note may refund now (its total is the return's refund amount).
    refund = refund_record(credit_note=locked.credit_note, actor=actor, amount=amount,
                           method=method, reference=reference or locked.number,
                           notes=reason)
    return document_transition(instance=locked, transition="refund", actor=actor,
                               reason=reason, refund_payment=refund,
                               details={"amount": str(refund.amount), "method": method})
