"""What may come back, until when, at what fee and for how much (business-rules §9).

Read-only: returns.services calls this under the order's lock to create or submit a return,
and `POST /returns/check-eligibility` and the customer's return page call it to show it.

- Returnable quantity of a line = delivered − what other active returns hold of it (asked for,
  or received once received); for a delivery note or invoice source, also at most what that
  note delivered or that invoice billed of it, less other returns against the same line.
- The window starts at the line's delivery date (or the invoice or order date, as its policy
  says) and lasts the policy's days; a line with no known delivery date is not returnable.
- The unit value is what was paid: the source line's net unit price after its own and its
  document's discounts, at its VAT rate, taken from the source document and never re-priced.
- Amounts come from the one totals engine on those unit values, exactly as the credit note
  of the return will compute them: `returnAmount` on the unit values, `refundAmount` on the
  unit values less the restocking fee percent where the line's reason carries the fee, and the
  restocking fee is the difference. The credit note therefore equals the refund to the halala.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Firm
from core.money import quantity_text, round_money
from core.services import firm_today, settings_read
from crm.models import Customer
from delivery.choices import DONE_STATUSES, DeliveryNoteStatus
from delivery.models import DeliveryNote, DeliveryNoteLine
from pricing.models import ProductGroup
from sales.common.totals import DocumentInput, LineInput, TaxSettings, totals_calculate
from sales.invoicing.choices import INVOICE_MONEY_STATUSES
from sales.invoicing.models import Invoice, InvoiceLine
from sales.orders.models import SalesOrder, SalesOrderLine

from .choices import (
    CUSTOMER_REASONS,
    INACTIVE_STATUSES,
    RECEIVED_STATUSES,
    ReturnReason,
    SourceType,
    WindowStart,
)
from .models import ReturnOrder, ReturnOrderLine, ReturnPolicy

ZERO = Decimal("0")
HUNDRED = Decimal("100")
STEP = Decimal("0.0001")


# --- the source -------------------------------------------------------------------------------


@dataclass
class Source:
    """The document a return is made against and the order behind it."""

    type: str
    order: SalesOrder
    invoice: Invoice | None = None
    delivery_note: DeliveryNote | None = None

    @property
    def document(self):
        return self.invoice or self.delivery_note or self.order

    @property
    def number(self) -> str:
        return self.document.number

    @property
    def date(self) -> datetime.date | None:
        if self.invoice is not None:
            return self.invoice.invoice_date
        if self.delivery_note is not None:
            return self.delivery_note.delivery_date
        return self.order.order_date


def source_of(*, firm: Firm, source_type: str, source_id: Any,
              documents: dict | None = None) -> Source:
    """The source named by type and id, in this firm (another firm's id reads as unknown: a
    400 naming `source_id`). `documents` maps a type to the queryset the caller may read
    (its role scope); by default every document of the firm."""
    models = {SourceType.SALES_ORDER: SalesOrder.objects, SourceType.INVOICE: Invoice.objects,
              SourceType.DELIVERY_NOTE: DeliveryNote.objects}
    if source_type not in models:
        raise ValidationError({"source_type": [_("Choose a sales order, an invoice or a "
                                                 "delivery note.")]})
    queryset = (documents or {}).get(source_type, models[source_type].all())
    try:
        document = queryset.filter(firm=firm).get(pk=int(source_id))
    except (TypeError, ValueError, queryset.model.DoesNotExist):
        raise ValidationError({"source_id": [_("No such document.")]}) from None
    if source_type == SourceType.INVOICE:
        if document.order_id is None or document.status not in INVOICE_MONEY_STATUSES:
            raise ValidationError({"source_id": [_(
                "Only a posted invoice of a sales order can be returned against.")]})
        return Source(type=source_type, order=document.order, invoice=document)
    if source_type == SourceType.DELIVERY_NOTE:
        if document.status not in [*DONE_STATUSES, DeliveryNoteStatus.RETURNED]:
            raise ValidationError({"source_id": [_(
                "Only a delivered delivery note can be returned against.")]})
        return Source(type=source_type, order=document.order, delivery_note=document)
    return Source(type=source_type, order=document)


# --- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """The policy a line falls under, or the settings' defaults (policy None)."""

    policy: ReturnPolicy | None
    window_days: int
    window_start: str
    fee_percent: Decimal
    fee_reasons: tuple[str, ...]
    non_returnable: bool = False

    @property
    def name(self) -> str:
        return self.policy.name if self.policy else _("Standard terms")

    @property
    def name_ar(self) -> str:
        return (self.policy.name_ar or self.policy.name) if self.policy else "الشروط العامة"


class Policies:
    """The firm's active policies, read once, and the product group tree they refer to."""

    def __init__(self, *, firm: Firm, settings) -> None:
        self.settings = settings.returns
        self.rows = [
            (policy, set(policy.product_groups.values_list("pk", flat=True)),
             set(policy.customer_groups.values_list("pk", flat=True)),
             set(policy.non_returnable_groups.values_list("pk", flat=True)))
            for policy in ReturnPolicy.objects.filter(firm=firm, is_active=True)]
        self.parents = dict(ProductGroup.objects.filter(firm=firm).values_list("pk", "parent_id"))

    def _groups(self, group_id: int | None) -> set[int]:
        """A product's group and its ancestors: a policy on a group covers its descendants."""
        groups: set[int] = set()
        while group_id is not None and group_id not in groups:
            groups.add(group_id)
            group_id = self.parents.get(group_id)
        return groups

    def terms(self, *, product_group_id: int | None, customer_group_id: int | None) -> Terms:
        """The most specific active policy matching the product and the customer: both
        groups named > product group > customer group > the default policy; else the
        settings' defaults."""
        groups = self._groups(product_group_id)
        best, best_rank = None, -1
        for policy, products, customers, excluded in self.rows:
            if products and not products & groups:
                continue
            if customers and customer_group_id not in customers:
                continue
            rank = (2 if products else 0) + (1 if customers else 0)
            if rank == 0 and not policy.is_default:
                continue
            if rank > best_rank:
                best, best_rank = (policy, excluded), rank
        if best is None:
            return Terms(policy=None, window_days=self.settings.default_return_window_days,
                         window_start=WindowStart.DELIVERY_DATE,
                         fee_percent=Decimal(self.settings.default_restocking_fee_percent),
                         fee_reasons=tuple(str(reason) for reason in CUSTOMER_REASONS))
        policy, excluded = best
        return Terms(policy=policy, window_days=policy.window_days,
                     window_start=policy.window_start,
                     fee_percent=policy.restocking_fee_percent,
                     fee_reasons=tuple(policy.fee_reasons or ()),
                     non_returnable=bool(excluded & groups))


# --- per line ---------------------------------------------------------------------------------


@dataclass
class LineCheck:
    """One source line: how much of it may come back, until when, and for how much."""

    order_line: SalesOrderLine
    invoice_line: InvoiceLine | None
    delivery_line: DeliveryNoteLine | None
    terms: Terms
    ordered: Decimal
    delivered: Decimal
    held_elsewhere: Decimal
    returnable: Decimal
    unit_value: Decimal
    tax_rate: Decimal
    taxable: bool
    delivered_date: datetime.date | None
    window_ends: datetime.date | None
    quantity: Decimal = ZERO
    reason: str = ""
    problems: list[dict] = field(default_factory=list)
    # Filled by `amounts_fill` for the asked quantity.
    line_net: Decimal = ZERO
    line_tax: Decimal = ZERO
    line_total: Decimal = ZERO
    refund_amount: Decimal = ZERO

    @property
    def eligible(self) -> bool:
        return not self.problems

    @property
    def fee_percent(self) -> Decimal:
        return self.terms.fee_percent if self.reason in self.terms.fee_reasons else ZERO

    @property
    def restocking_fee(self) -> Decimal:
        return self.line_total - self.refund_amount

    @property
    def unit_price(self) -> Decimal:
        return round_money(self.unit_value)

    def problem(self, code: str, message: str) -> None:
        self.problems.append({"code": code, "message": message})


def _share(document) -> Decimal:
    """What is left of each net unit after the document's own discount."""
    return document.after_discount / document.subtotal if document.subtotal else ZERO


def _unit_value(line, share: Decimal) -> Decimal:
    """The net unit price paid: the line's total (net of VAT, after its own discount) less its
    share of the document discount, per unit."""
    return line.line_total * share / line.quantity if line.quantity else ZERO


def _held(*, exclude: ReturnOrder | None, **lookup: Any) -> dict[int, Decimal]:
    """Line id → what active returns hold of it: asked for, or received once received."""
    rows = ReturnOrderLine.objects.filter(**lookup).exclude(
        return_order__status__in=INACTIVE_STATUSES)
    if exclude is not None:
        rows = rows.exclude(return_order_id=exclude.pk)
    key = next(iter(lookup)).removesuffix("__in") + "_id"
    held: dict[int, Decimal] = {}
    for row in rows.values(key, "quantity", "received_quantity", "return_order__status"):
        counted = (row["received_quantity"] if row["return_order__status"] in RECEIVED_STATUSES
                   and row["received_quantity"] is not None else row["quantity"])
        held[row[key]] = held.get(row[key], ZERO) + counted
    return held


def _delivery_dates(order_line_ids: list[int]) -> dict[int, datetime.date]:
    """Order line id → the last day goods of it were delivered (delivered notes only)."""
    rows = DeliveryNoteLine.objects.filter(
        order_line_id__in=order_line_ids, quantity_delivered__gt=0,
        note__status__in=[*DONE_STATUSES, DeliveryNoteStatus.RETURNED],
        note__actual_delivery_date__isnull=False).values("order_line_id").annotate(
        last=Max("note__actual_delivery_date"))
    return {row["order_line_id"]: timezone.localdate(row["last"]) for row in rows}


def _invoice_dates(order_line_ids: list[int]) -> dict[int, datetime.date]:
    rows = InvoiceLine.objects.filter(
        order_line_id__in=order_line_ids,
        invoice__status__in=INVOICE_MONEY_STATUSES).values("order_line_id").annotate(
        last=Max("invoice__invoice_date"))
    return {row["order_line_id"]: row["last"] for row in rows}


def source_lines(*, source: Source, settings, exclude: ReturnOrder | None = None,
                 today: datetime.date) -> list[LineCheck]:
    """Every line of the source with what may come back of it (asked quantity 0)."""
    order = source.order
    customer: Customer = order.customer
    policies = Policies(firm=order.firm, settings=settings)
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    if source.invoice is not None:
        share = _share(source.invoice)
        rows = [(order_lines[line.order_line_id], line, None, _unit_value(line, share),
                 line.tax_rate, line.taxable, line.quantity)
                for line in source.invoice.lines.filter(order_line__isnull=False)
                if line.order_line_id in order_lines]
        cap_held = _held(exclude=exclude, invoice_line__in=[row[1].pk for row in rows])
    elif source.delivery_note is not None:
        share = _share(order)
        rows = [(order_lines[line.order_line_id], None, line,
                 _unit_value(order_lines[line.order_line_id], share),
                 order_lines[line.order_line_id].tax_rate,
                 order_lines[line.order_line_id].taxable, line.quantity_delivered)
                for line in source.delivery_note.lines.all() if line.quantity_delivered > 0]
        cap_held = _held(exclude=exclude, delivery_line__in=[row[2].pk for row in rows])
    else:
        share = _share(order)
        rows = [(line, None, None, _unit_value(line, share), line.tax_rate, line.taxable, None)
                for line in order_lines.values()]
        cap_held = {}
    ids = [row[0].pk for row in rows]
    held = _held(exclude=exclude, order_line__in=ids)
    delivered_on = ({row[0].pk: timezone_date(source.delivery_note.actual_delivery_date)
                     for row in rows} if source.delivery_note is not None
                    else _delivery_dates(ids))
    invoiced_on = (dict.fromkeys(ids, source.invoice.invoice_date) if source.invoice
                   else _invoice_dates(ids))

    checks = []
    for order_line, invoice_line, delivery_line, unit_value, rate, taxable, cap in rows:
        product = order_line.product
        terms = policies.terms(product_group_id=product.group_id if product else None,
                               customer_group_id=customer.customer_group_id)
        returnable = order_line.delivered_quantity - held.get(order_line.pk, ZERO)
        source_line = invoice_line or delivery_line
        if cap is not None:
            returnable = min(returnable, cap - cap_held.get(source_line.pk, ZERO))
        delivered_date = delivered_on.get(order_line.pk)
        start = {WindowStart.DELIVERY_DATE: delivered_date,
                 WindowStart.INVOICE_DATE: invoiced_on.get(order_line.pk),
                 WindowStart.ORDER_DATE: order.order_date}[terms.window_start]
        check = LineCheck(
            order_line=order_line, invoice_line=invoice_line, delivery_line=delivery_line,
            terms=terms, ordered=order_line.quantity, delivered=order_line.delivered_quantity,
            held_elsewhere=held.get(order_line.pk, ZERO), returnable=max(returnable, ZERO),
            unit_value=unit_value, tax_rate=rate, taxable=taxable,
            delivered_date=delivered_date,
            window_ends=start + datetime.timedelta(days=terms.window_days) if start else None)
        _line_problems(check, today=today)
        checks.append(check)
    return checks


def timezone_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _line_problems(check: LineCheck, *, today: datetime.date) -> None:
    """Why nothing of this line may come back now (each with a code and a message)."""
    if check.delivered <= 0:
        check.problem("nothing_delivered", _("Nothing of this line was delivered."))
        return
    if check.delivered_date is None:
        check.problem("delivery_date_unknown", _(
            "The delivery date of this line is unknown, so its return window cannot start."))
    elif check.window_ends is not None and today > check.window_ends:
        check.problem("window_closed", _("The return window closed on %(date)s.")
                      % {"date": check.window_ends.isoformat()})
    if check.terms.non_returnable:
        check.problem("non_returnable", _("Products of this group cannot be returned (%(policy)s).")
                      % {"policy": check.terms.name})
    if check.returnable <= 0:
        check.problem("nothing_returnable", _(
            "Everything delivered of this line is already returned or on another return."))


# --- what is asked for ------------------------------------------------------------------------


class Ineligible(Exception):
    """Asked-for lines that cannot come back: `errors` name `lines.N.<field>`."""

    def __init__(self, errors: dict[str, list[str]], checks: list[LineCheck]) -> None:
        super().__init__(errors)
        self.errors, self.checks = errors, checks


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def lines_check(*, source: Source, rows: Any, reason: str, settings,
                exclude: ReturnOrder | None = None, today: datetime.date
                ) -> list[LineCheck]:
    """The caller's `[{order_line_id, quantity, reason?}]` checked line by line: the asked
    lines, each with its quantity, reason and amounts. Malformed rows raise ValidationError;
    lines that cannot come back (past the window, more than returnable, no delivery date,
    non-returnable) raise Ineligible with every reason, all lines checked."""
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lines": [_("Choose at least one line to return.")]})
    by_line = {check.order_line.pk: check
               for check in source_lines(source=source, settings=settings, exclude=exclude,
                                         today=today)}
    errors: dict[str, list[str]] = {}
    refused: dict[str, list[str]] = {}
    asked: list[LineCheck] = []
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        check = by_line.get(row.get("order_line_id"))
        if check is None or check in asked:
            errors[f"lines.{index}.order_line_id"] = [
                _("This line is given twice.") if check is not None
                else _("Not a line of this document.")]
            continue
        quantity = _decimal(row.get("quantity"))
        if quantity is None or quantity <= 0 or quantity != quantity.quantize(STEP):
            errors[f"lines.{index}.quantity"] = [
                _("Enter a positive quantity (at most 4 decimal places).")]
            continue
        line_reason = row.get("reason") or reason
        if line_reason not in ReturnReason.values:
            errors[f"lines.{index}.reason"] = [_("Choose a reason.")]
            continue
        check.quantity, check.reason = quantity, line_reason
        asked.append(check)
        messages = [problem["message"] for problem in check.problems
                    if problem["code"] != "nothing_returnable"]
        if quantity > check.returnable:
            messages.append(_("At most %(returnable)s can be returned.")
                            % {"returnable": quantity_text(check.returnable)})
            check.problem("quantity_exceeds_returnable", messages[-1])
        if messages:
            refused[f"lines.{index}.quantity"] = messages
    if errors:
        raise ValidationError(errors)
    amounts_fill(asked, settings=settings, currency=source.order.currency)
    if refused:
        raise Ineligible(refused, asked)
    return asked


def credit_tax_settings(settings) -> TaxSettings:
    """The tax settings credit notes are computed with (net unit values, VAT added)."""
    tax = TaxSettings.from_settings(settings.tax)
    return TaxSettings(calculate_tax_on_discount=tax.calculate_tax_on_discount,
                       round_tax_per_line=tax.round_tax_per_line, tax_included_in_price=False,
                       rounding_method=tax.rounding_method)


def refund_unit_value(check: LineCheck) -> Decimal:
    """The unit value credited back: less the restocking fee where the reason carries it."""
    return check.unit_value * (HUNDRED - check.fee_percent) / HUNDRED


@dataclass(frozen=True)
class Amounts:
    return_amount: Decimal
    refund_amount: Decimal
    net: Decimal
    tax: Decimal

    @property
    def restocking_fee(self) -> Decimal:
        return self.return_amount - self.refund_amount


def amounts_fill(checks: list[LineCheck], *, settings, currency: str = "SAR",
                 quantities: dict[int, Decimal] | None = None) -> Amounts:
    """Each line's net, VAT, return amount and refund for its quantity (or the given
    {order line id: quantity}, received quantities), and the document's, from the totals
    engine exactly as the return's credit note computes them."""
    tax = credit_tax_settings(settings)

    def totals(value):
        return totals_calculate(document=DocumentInput(lines=[
            LineInput(quantity=(quantities or {}).get(check.order_line.pk, check.quantity),
                      unit_price=value(check), tax_rate=check.tax_rate, taxable=check.taxable)
            for check in checks], currency=currency), tax=tax)

    full = totals(lambda check: check.unit_value)
    refund = totals(refund_unit_value)
    for check, line, refunded in zip(checks, full.lines, refund.lines, strict=True):
        check.line_net, check.line_tax = line.line_total, line.line_tax
        check.line_total = line.line_total + line.line_tax
        check.refund_amount = refunded.line_total + refunded.line_tax
    return Amounts(return_amount=full.total, refund_amount=refund.total,
                   net=full.after_discount, tax=full.tax_amount)


# --- the API's and the customer page's answer -----------------------------------------------


def check_as_dict(check: LineCheck) -> dict[str, Any]:
    """One line's eligibility as `POST /returns/check-eligibility` answers it."""
    line = check.order_line
    return {
        "order_line_id": line.pk,
        "invoice_line_id": check.invoice_line.pk if check.invoice_line else None,
        "delivery_line_id": check.delivery_line.pk if check.delivery_line else None,
        "product_id": line.product_id, "description": line.description,
        "description_ar": line.description_ar, "unit": line.unit,
        "ordered_quantity": check.ordered, "delivered_quantity": check.delivered,
        "held_by_other_returns": check.held_elsewhere, "returnable_quantity": check.returnable,
        "quantity": check.quantity, "reason": check.reason,
        "delivered_date": check.delivered_date, "window_ends": check.window_ends,
        "policy_id": check.terms.policy.pk if check.terms.policy else None,
        "policy_name": check.terms.name, "policy_name_ar": check.terms.name_ar,
        "restocking_fee_percent": check.fee_percent,
        "unit_price": check.unit_price, "tax_rate": check.tax_rate,
        "unit_value": round_money(check.unit_value * (HUNDRED + check.tax_rate) / HUNDRED
                                  if check.taxable else check.unit_value),
        "line_net": check.line_net, "line_tax": check.line_tax,
        "return_amount": check.line_total, "restocking_fee": check.restocking_fee,
        "refund_amount": check.refund_amount,
        "eligible": check.eligible, "problems": check.problems,
    }


def eligibility_check(*, source: Source, rows: list[dict] | None = None, reason: str = "",
                      exclude: ReturnOrder | None = None) -> dict[str, Any]:
    """Every line of the source (or the asked ones, with their amounts) with its
    eligibility, and the totals of what is asked."""
    firm = source.order.firm
    settings = settings_read(firm=firm)
    today = firm_today(firm=firm)
    if rows is None:
        checks = source_lines(source=source, settings=settings, exclude=exclude, today=today)
        for check in checks:
            check.reason = reason if reason in ReturnReason.values else ""
            check.quantity = check.returnable if check.eligible else ZERO
        amounts = amounts_fill(checks, settings=settings, currency=source.order.currency)
    else:
        try:
            checks = lines_check(source=source, rows=rows, reason=reason, settings=settings,
                                 exclude=exclude, today=today)
        except Ineligible as refusal:
            checks = refusal.checks
        amounts = amounts_fill(checks, settings=settings, currency=source.order.currency)
    return {
        "source_type": source.type, "source_id": source.document.pk,
        "source_number": source.number, "order_id": source.order.pk,
        "customer_id": source.order.customer_id,
        "eligible": bool(checks) and all(check.eligible for check in checks),
        "lines": [check_as_dict(check) for check in checks],
        "return_amount": amounts.return_amount, "restocking_fee": amounts.restocking_fee,
        "refund_amount": amounts.refund_amount, "currency": source.order.currency,
    }

