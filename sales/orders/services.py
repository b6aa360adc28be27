"""Sales orders: create, edit, convert from a quote, approve, confirm, hold, resume, cancel,
follow delivery and invoicing progress, delete, soft delete with their campaign
(business-rules §2, §6).

Lines are priced exactly as quote lines are: sales.common.lines builds and prices them
(price resolver, traces, reward lines, overrides), judges the discounts and computes the
totals for the order's customer, date, price list, promotion code, discount and shipping;
this module stores the result on the order and its lines.
"""

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType
from core.errors import ApplicationError, Conflict, ErrorCode, InvalidTransition
from core.models import Firm, User
from core.money import quantity_text, round_money, round_rate, to_decimal
from core.registry import order_lines_reserved, order_open_delivery_checks, order_open_documents
from core.services import (
    document_event_record,
    document_transition,
    firm_today,
    record_save,
    row_lock,
    rows_lock,
    same_firm,
    settings_read,
    transition_targets,
)
from crm.choices import AddressKind
from crm.models import Campaign, CustomerAddress
from pricing.services.usage import pricing_rule_usage_record, pricing_rule_usage_release
from sales import signals
from sales.common.lines import (
    DocumentHeader,
    document_approval_reasons,
    document_approver_check,
    document_create_save,
    document_fields_refuse_unknown,
    document_line_rule_discount,
    document_lines_price,
    document_totals_apply,
    document_update_save,
    user_sales_person,
)
from sales.common.totals import DocumentTotals
from sales.errors import SalesErrorCode, draft_required
from sales.orders.choices import ORDER_PROGRESS_STATUSES, SalesOrderStatus
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine
from sales.quotes.services.conversion import quote_conversion_check
from sales.quotes.services.quotes import quote_transition as _quote_transition

ZERO = Decimal("0")
HUNDRED = Decimal("100")
USAGE_SOURCE = "sales_order"

# What callers may set on an order; number, status, totals, progress, snapshots, approval
# and timestamps are the services' and refused rather than silently ignored.
ORDER_FIELDS = {
    "customer", "billing_address", "shipping_address", "contact", "contact_name",
    "sales_person", "sales_team", "territory", "campaign", "price_list", "promo_code",
    "order_date", "payment_terms", "currency", "expected_delivery_date",
    "requested_delivery_date", "shipping_method", "delivery_instructions", "discount_type",
    "discount_value", "shipping_cost", "terms", "terms_ar", "notes", "notes_ar",
    "internal_notes",
}
ORDER_FOREIGN_KEYS = {"customer", "billing_address", "shipping_address", "contact",
                      "sales_person", "sales_team", "territory", "campaign", "price_list"}
# Line fields copied from an accepted quote's line to an order line (amounts are recomputed).
LINE_COPY = ["position", "product", "description", "description_ar", "quantity", "unit",
             "unit_price", "discount_percent", "discount_amount", "tax_rate", "taxable",
             "cost_price", "pricing_trace", "price_override_reason", "is_reward"]

# --- errors ---------------------------------------------------------------------------------


NOT_EDITABLE = _("Only a draft sales order can be changed.")
NOT_DELETABLE = _("Only a draft sales order can be deleted. Cancel it instead.")


class OrderDeleted(ApplicationError):
    status_code = 409

    def __init__(self, *, order: SalesOrder) -> None:
        super().__init__(code=SalesErrorCode.ORDER_DELETED,
                         details={"deleted_at": order.deleted_at},
                         message=_("This sales order was deleted; it can only be read."))


class OrderApprovalRequired(ApplicationError):
    status_code = 409

    def __init__(self, *, reasons: list[dict]) -> None:
        super().__init__(code=SalesErrorCode.APPROVAL_REQUIRED,
                         details={"approval_reasons": reasons},
                         message=_("The sales order must be approved before it is confirmed."))


class OrderHasOpenDocuments(Conflict):
    def __init__(self, *, documents: list[dict]) -> None:
        super().__init__(code=SalesErrorCode.ORDER_HAS_OPEN_DOCUMENTS,
                         details={"documents": documents}, message=_(
            "Documents drafted from this sales order are still open (%(documents)s): post or "
            "cancel them first.") % {"documents": ", ".join(
                f"{row['type']} {row['id']}" for row in documents)})


class QuoteAlreadyConverted(Conflict):
    def __init__(self, *, order: SalesOrder) -> None:
        super().__init__(code=SalesErrorCode.QUOTE_ALREADY_CONVERTED,
                         details={"order_id": order.pk, "order_number": order.number},
                         message=_("This quote has already been converted to a sales order."))


# --- helpers --------------------------------------------------------------------------------


def _lock(order: SalesOrder, *, allow_deleted: bool = False) -> SalesOrder:
    """The order's row, locked, soft-deleted ones included (refused unless allowed)."""
    locked = row_lock(SalesOrder.all_objects.all(), order.pk)
    if locked.deleted_at is not None and not allow_deleted:
        raise OrderDeleted(order=locked)
    return locked


def _header(order: SalesOrder) -> DocumentHeader:
    return DocumentHeader(discount_type=order.discount_type,
                          discount_value=order.discount_value,
                          shipping_cost=order.shipping_cost, currency=order.currency)


def _order_line(order: SalesOrder, source: QuoteLine) -> SalesOrderLine:
    """The accepted quote's line as it was priced (not priced again)."""
    line = SalesOrderLine(firm_id=order.firm_id)
    for name in LINE_COPY:
        setattr(line, name, getattr(source, name))
    return line


def _build_order_lines(order: SalesOrder, rows: list[dict], *, settings) -> list[SalesOrderLine]:
    """Validated, priced, unsaved order lines from caller rows, as quote lines are built:
    errors name `items.N.field`, products are priced by the resolver for the order's
    customer, date, price list and promotion code, rewards added."""
    return document_lines_price(firm=order.firm, line_model=SalesOrderLine,
                                customer=order.customer, date=order.order_date,
                                price_list=order.price_list, promo_code=order.promo_code,
                                rows=rows, settings=settings)




def _check_references(order: SalesOrder) -> None:
    if order.customer_id is None:
        raise ValidationError({"customer": _("A sales order is for a customer.")})
    same_firm(order.firm_id, **{name: getattr(order, name) for name in ORDER_FOREIGN_KEYS})
    errors = {}
    for name in ("billing_address", "shipping_address", "contact"):
        related = getattr(order, name)
        if related is not None and related.customer_id != order.customer_id:
            errors[name] = _("Not one of the customer's.")
    if order.campaign is not None and order.campaign.deleted_at is not None:
        errors["campaign"] = _("This campaign was deleted.")
    if errors:
        raise ValidationError(errors)


def _fill_defaults(order: SalesOrder, *, actor: User | None, given: set[str], settings) -> None:
    """What a new order takes from its customer and the firm when the caller leaves it out."""
    customer = order.customer
    if "sales_person" not in given:
        order.sales_person = (user_sales_person(customer.owner) if customer.owner_id
                              else None) or user_sales_person(actor)
    _fill_sales_structure(order, given=given)
    if "payment_terms" not in given:
        order.payment_terms = customer.payment_terms
    if "currency" not in given:
        order.currency = settings.general.default_currency
    if not order.terms and not order.terms_ar:
        order.terms = settings.documents.default_terms_and_conditions
        order.terms_ar = settings.documents.default_terms_and_conditions_ar


def _fill_sales_structure(order: SalesOrder, *, given: set[str]) -> None:
    """Team and territory follow the sales person (territory else the customer's)."""
    person = order.sales_person
    if "sales_team" not in given:
        order.sales_team = person.team if person is not None else None
    if "territory" not in given:
        order.territory = ((person.territory if person is not None else None)
                           or order.customer.territory)


def _fill_names(order: SalesOrder) -> None:
    order.customer_name = order.customer.name
    order.customer_name_ar = order.customer.name_ar
    if order.contact is not None and not order.contact_name:
        order.contact_name = order.contact.name
    elif not order.contact_name and order.contact_id is None:
        primary = order.customer.contacts.first()  # primary first
        order.contact_name = primary.name if primary else ""


def _approval_reasons(order: SalesOrder, lines: list[SalesOrderLine], *,
                      settings) -> list[dict]:
    """Why the order must be approved before it is confirmed, or [] (business-rules §2: the
    discount rule of quotes; plus the firm's own order approval threshold)."""
    return document_approval_reasons(header=_header(order), lines=lines, total=order.total,
                                     approval=settings.orders, settings=settings)


def _apply_totals(order: SalesOrder, lines: list[SalesOrderLine], *, settings,
                  enforce_limits: bool = True) -> DocumentTotals:
    """Every total of the order and its lines from the one totals engine; discount limits
    enforced (pricing rules' own discounts are not judged), margins warned, approval noted."""
    pricing = document_totals_apply(header=_header(order), lines=lines, settings=settings,
                                    enforce_limits=enforce_limits)
    for name, value in pricing.amounts.items():
        setattr(order, name, value)
    order.balance_due = order.total - order.down_payments_applied - order.amount_paid
    order.warnings = pricing.warnings
    order.approval_reasons = _approval_reasons(order, lines, settings=settings)
    order.needs_approval = bool(order.approval_reasons)
    return pricing.totals




# --- create and edit ------------------------------------------------------------------------


@transaction.atomic
def order_create(*, firm: Firm, actor: User | None, lines: list[dict] | None = None,
                 **fields: Any) -> SalesOrder:
    """A numbered draft order (SO-YYYY-NNNN) for a customer, lines priced like quote lines
    and totals from the engine. Left out: sales person from the customer's owner (else the
    actor), team and territory from the sales person, payment terms and price list from the
    customer, currency and terms from the settings. Discounts above the limits are refused
    (`discount_above_limit`) unless the firm approves discounts instead."""
    document_fields_refuse_unknown(fields=fields, allowed=ORDER_FIELDS)
    settings = settings_read(firm=firm)
    order = SalesOrder(firm=firm, created_by=actor, updated_by=actor, **fields)
    _check_references(order)
    given = {name.removesuffix("_id") for name in fields}
    if "order_date" not in given:
        order.order_date = firm_today(firm=firm)
    _fill_defaults(order, actor=actor, given=given, settings=settings)
    same_firm(firm.pk, sales_person=order.sales_person, price_list=order.price_list)
    _fill_names(order)
    built = _build_order_lines(order, lines or [], settings=settings)
    _apply_totals(order, built, settings=settings)
    document_create_save(document=order, lines=built, document_type=DocumentType.ORDER,
                         actor=actor)
    return order


@transaction.atomic
def order_update(*, order: SalesOrder, actor: User | None, lines: list[dict] | None = None,
                 reason: str = "", **changes: Any) -> SalesOrder:
    """Edit a draft order; given `lines` replace all of its lines. Totals, warnings and the
    need for approval are recomputed with the current settings; an approval given before
    does not survive the edit."""
    document_fields_refuse_unknown(fields=changes, allowed=ORDER_FIELDS)
    locked = _lock(order)
    draft_required(locked, code=SalesErrorCode.ORDER_NOT_EDITABLE, message=NOT_EDITABLE)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_references(locked)
    given = {name.removesuffix("_id") for name in changes}
    if "sales_person" in given:
        _fill_sales_structure(locked, given=given)
    _fill_names(locked)
    settings = settings_read(firm=locked.firm)
    built = (_build_order_lines(locked, lines, settings=settings) if lines is not None
             else list(locked.lines.all()))
    _apply_totals(locked, built, settings=settings)
    locked.approved_by, locked.approved_at = None, None
    document_update_save(document=locked, lines=built, replace=lines is not None,
                         changes=changes, actor=actor, reason=reason)
    return locked


@transaction.atomic
def order_from_quote(*, quote: Quote, actor: User | None, **fields: Any) -> SalesOrder:
    """A draft order from an accepted quote, once: the quote's lines as accepted (prices,
    discounts, traces and rewards kept, not priced again), its customer, contact, sales
    person and document discount; the quote becomes converted (quote_transition). A second
    conversion is refused (409 `quote_already_converted`), as is a quote not accepted (409).
    `fields` may add or override order fields (addresses, delivery dates, ...)."""
    document_fields_refuse_unknown(fields=fields, allowed=ORDER_FIELDS)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    existing = SalesOrder.all_objects.filter(quote=locked).first()
    if existing is not None:
        raise QuoteAlreadyConverted(order=existing)
    if locked.status != QuoteStatus.ACCEPTED:
        raise InvalidTransition(source=locked.status, target=QuoteStatus.CONVERTED,
                                allowed=sorted(set(transition_targets(locked).values())))
    if locked.customer_id is None:
        raise ValidationError({"customer": _("The quote has no customer to sell to.")})
    header = {
        "customer": locked.customer, "contact_name": locked.contact_name,
        "price_list": locked.price_list, "promo_code": locked.promo_code,
        "currency": locked.currency, "discount_type": locked.discount_type,
        "discount_value": locked.discount_value, "shipping_cost": locked.shipping_cost,
        "terms": locked.terms, "terms_ar": locked.terms_ar, "notes": locked.notes,
        "notes_ar": locked.notes_ar,
    }
    if locked.sales_person_id is not None:
        header["sales_person"] = locked.sales_person
    campaign = locked.lead.campaign if locked.lead_id is not None else None
    if campaign is not None and campaign.deleted_at is None:
        header["campaign"] = campaign
    header.update(fields)
    settings = settings_read(firm=locked.firm)
    order = SalesOrder(firm=locked.firm, created_by=actor, updated_by=actor, quote=locked,
                       quote_number=locked.number, **header)
    _check_references(order)
    order.order_date = fields.get("order_date") or firm_today(firm=locked.firm)
    _fill_defaults(order, actor=actor, given={name.removesuffix("_id") for name in header},
                   settings=settings)
    _fill_names(order)
    built = [_order_line(order, line) for line in locked.lines.all()]
    # The accepted quote's discounts stand even if the limits changed since; its approval
    # carries over to the order.
    _apply_totals(order, built, settings=settings, enforce_limits=False)
    if locked.approved_at is not None:
        order.approved_by, order.approved_at = locked.approved_by, locked.approved_at
    document_create_save(document=order, lines=built, document_type=DocumentType.ORDER,
                         actor=actor, action="created_from_quote",
                         reason=f"created from quote {locked.number}",
                         details={"quote_id": locked.pk, "quote_number": locked.number})
    _quote_transition(quote=locked, target=QuoteStatus.CONVERTED, actor=actor,
                      reason=f"Sales order {order.number}")
    return order


@transaction.atomic
def order_delete(*, order: SalesOrder, actor: User | None) -> None:
    """Delete a draft order with its lines (history keeps who); 409 for any other status."""
    locked = _lock(order)
    draft_required(locked, code=SalesErrorCode.ORDER_NOT_DELETABLE, message=NOT_DELETABLE)
    locked._history_user = actor
    locked._change_reason = "deleted"
    locked.delete()


# --- approval and the state machine --------------------------------------------------------


def order_available_actions(*, document: SalesOrder, user: User | None = None) -> list[str]:
    """The order's actions possible now (sales.orders.actions declares them; the kit adds the
    permission): approve while a draft waits for approval, confirm a draft, hold and cancel as
    the state machine allows, resume from hold."""
    order, allowed = document, order_allowed_targets(order=document)
    waits_for_approval = order.needs_approval and order.approved_at is None
    actions = []
    if (order.status == SalesOrderStatus.DRAFT and waits_for_approval
            and order.deleted_at is None):
        actions.append("approve")
    # Resuming may also lead to "confirmed"; confirming is a draft's step only, once approved.
    if (order.status == SalesOrderStatus.DRAFT and SalesOrderStatus.CONFIRMED in allowed
            and not waits_for_approval):
        actions.append("confirm")
    if SalesOrderStatus.ON_HOLD in allowed:
        actions.append("hold")
    if order.status == SalesOrderStatus.ON_HOLD and allowed:
        actions.append("resume")
    if order.status in ORDER_PROGRESS_STATUSES and order.deleted_at is None \
            and order_backorder(order=order):
        actions.append("close_remaining")
    if SalesOrderStatus.CANCELLED in allowed:
        actions.append("cancel")
    return actions


def order_allowed_targets(*, order: SalesOrder) -> list[str]:
    """The statuses a person may move the order to now (progress moves are not a person's)."""
    if order.deleted_at is not None:
        return []
    available = transition_targets(order)
    targets = set()
    for name, target in available.items():
        if name == "follow_progress":
            continue
        if name == "resume":
            target = order_progress_status(order=order)
        targets.add(str(target))
    return sorted(targets)




def _refresh_approval(order: SalesOrder, *, settings) -> None:
    """Re-judge the need for approval with the current settings (they may have changed)."""
    reasons = _approval_reasons(order, list(order.lines.all()), settings=settings)
    if reasons != order.approval_reasons:
        SalesOrder.all_objects.filter(pk=order.pk).update(needs_approval=bool(reasons),
                                                          approval_reasons=reasons)
        order.needs_approval, order.approval_reasons = bool(reasons), reasons


@transaction.atomic
def order_approve(*, order: SalesOrder, actor: User | None, reason: str = "") -> SalesOrder:
    """Approve a draft order that needs approval (its approvers only), so it can be
    confirmed; 409 `approval_not_needed` when nothing needs approving."""
    locked = _lock(order)
    draft_required(locked, code=SalesErrorCode.ORDER_NOT_EDITABLE, message=NOT_EDITABLE)
    settings = settings_read(firm=locked.firm)
    _refresh_approval(locked, settings=settings)
    if not locked.needs_approval:
        raise ApplicationError(code=SalesErrorCode.APPROVAL_NOT_NEEDED, status_code=409, message=_(
            "This sales order does not need approval."))
    document_approver_check(
        document=locked, actor=actor, total_approvers=settings.orders.approvers,
        discount_approvers=settings.discounts.discount_approvers,
        message=_("You are not one of the approvers of this sales order."))
    locked.approved_by, locked.approved_at = actor, timezone.now()
    record_save(locked, actor=actor, reason=reason or "approved")
    document_event_record(instance=locked, action="approved", actor=actor, reason=reason,
                          details={"approval_reasons": _json_ready(locked.approval_reasons)})
    return locked


def address_snapshot(address: CustomerAddress | None) -> dict:
    """An address as documents keep it: copied, so later edits of the customer's address
    never change an order or invoice already made."""
    if address is None:
        return {}
    return {"id": address.pk, "address_line1": address.line1,
            "address_line1_ar": address.line1_ar, "address_line2": address.line2,
            "city": address.city, "city_ar": address.city_ar, "region": address.region,
            "postal_code": address.postal_code, "country": address.country}


def _default_address(order: SalesOrder, kind: str) -> CustomerAddress | None:
    # The customer's addresses are ordered kind, default first, then oldest.
    return order.customer.addresses.filter(kind=kind).first()


def _rule_uses(lines: list[SalesOrderLine]) -> list[tuple[int, Decimal]]:
    """(rule id, discount given) of the pricing rules the lines really carry: a reward line's,
    and a line's whose discount is the rules' (not overridden or replaced by hand)."""
    uses = []
    for line in lines:
        trace = line.pricing_trace or {}
        applied = trace.get("applied_rules") or []
        if not applied:
            continue
        carried = line.is_reward or document_line_rule_discount(line=line) or (
            "override" not in trace and not line.discount_percent
            and line.discount_amount == round_money(to_decimal(
                trace.get("discount_amount", 0))))
        if carried:
            uses += [(int(rule["id"]), max(to_decimal(rule.get("amount") or 0), ZERO))
                     for rule in applied]
    return uses


@transaction.atomic
def order_confirm(*, order: SalesOrder, actor: User | None, reason: str = "") -> SalesOrder:
    """draft → confirmed (business-rules §6): needs a customer and at least one line, and an
    approval when the order needs one (409 `approval_required`). The customer's names and
    the chosen (else default) billing and shipping addresses are copied onto the order; the
    pricing rules its lines use are counted (409 `usage_limit_reached` when a limit is
    reached, all under the rules' locks). `order_confirmed` goes out inside the transaction."""
    locked = _lock(order)
    if locked.status != SalesOrderStatus.DRAFT:
        raise InvalidTransition(source=locked.status, target=SalesOrderStatus.CONFIRMED,
                                allowed=order_allowed_targets(order=locked))
    lines = list(locked.lines.all())
    if locked.customer_id is None:
        raise ApplicationError(code=SalesErrorCode.ORDER_INCOMPLETE, details={"customer": [_(
            "A sales order is for a customer.")]},
            message=_("A sales order needs a customer to be confirmed."))
    if not lines:
        raise ApplicationError(code=SalesErrorCode.ORDER_INCOMPLETE, details={"items": [_(
            "Add at least one line.")]},
            message=_("A sales order needs at least one line to be confirmed."))
    settings = settings_read(firm=locked.firm)
    _refresh_approval(locked, settings=settings)
    if locked.needs_approval and locked.approved_at is None:
        raise OrderApprovalRequired(reasons=locked.approval_reasons)
    billing = locked.billing_address or _default_address(locked, AddressKind.BILLING)
    shipping = (locked.shipping_address or _default_address(locked, AddressKind.SHIPPING)
                or billing)
    snapshot = {
        "customer_name": locked.customer.name, "customer_name_ar": locked.customer.name_ar,
        "billing_address": billing, "shipping_address": shipping,
        "billing_address_snapshot": address_snapshot(billing),
        "shipping_address_snapshot": address_snapshot(shipping),
    }
    pricing_rule_usage_record(firm=locked.firm, customer=locked.customer,
                              source_type=USAGE_SOURCE, source_id=locked.pk,
                              uses=_rule_uses(lines))
    moved = document_transition(instance=locked, transition="confirm", actor=actor,
                                reason=reason, by=actor, snapshot=snapshot)
    signals.order_confirmed.send(
        sender=SalesOrder, order=moved, actor=actor)
    return moved


@transaction.atomic
def order_cancel(*, order: SalesOrder, actor: User | None, reason: str) -> SalesOrder:
    """→ cancelled, with a reason, only while nothing is delivered or invoiced (else 409
    `invalid_transition`) and no document drafted from the order is open (409
    `order_has_open_documents`, naming them: a draft invoice would otherwise be posted against
    a cancelled order). The pricing rules' uses are given back; `order_cancelled` goes out
    inside the transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    locked = _lock(order)
    allowed = order_allowed_targets(order=locked)
    if SalesOrderStatus.CANCELLED not in allowed:
        raise InvalidTransition(source=locked.status, target=SalesOrderStatus.CANCELLED,
                                allowed=allowed)
    # Under the order's lock: drafting and posting an invoice lock the order too, so none can
    # slip in between this check and the cancellation.
    documents = order_open_documents(locked)
    if documents:
        raise OrderHasOpenDocuments(documents=documents)
    moved = document_transition(instance=locked, transition="cancel", actor=actor,
                                reason=reason, cancellation_reason=reason, by=actor)
    pricing_rule_usage_release(firm=moved.firm, source_type=USAGE_SOURCE, source_id=moved.pk)
    signals.order_cancelled.send(
        sender=SalesOrder, order=moved, actor=actor, reason=reason)
    return moved


@transaction.atomic
def order_hold(*, order: SalesOrder, actor: User | None, reason: str = "") -> SalesOrder:
    """Any open status (confirmed up to invoiced) → on_hold; 409 otherwise."""
    locked = _lock(order)
    allowed = order_allowed_targets(order=locked)
    if SalesOrderStatus.ON_HOLD not in allowed:
        raise InvalidTransition(source=locked.status, target=SalesOrderStatus.ON_HOLD,
                                allowed=allowed)
    return document_transition(instance=locked, transition="hold", actor=actor, reason=reason)


@transaction.atomic
def order_resume(*, order: SalesOrder, actor: User | None, reason: str = "") -> SalesOrder:
    """on_hold → the status the order's progress gives now (business-rules §6); 409 otherwise."""
    locked = _lock(order)
    if locked.status != SalesOrderStatus.ON_HOLD:
        raise InvalidTransition(source=locked.status, target="resume",
                                allowed=order_allowed_targets(order=locked))
    progress = order_progress(order=locked)
    target = progress.pop("status")
    return document_transition(instance=locked, transition="resume", actor=actor,
                               reason=reason, target=target, progress=progress)


# --- progress (business-rules §6) ----------------------------------------------------------------


def order_status_for_progress(*, delivery_progress: Decimal, invoicing_progress: Decimal,
                              has_open_delivery: bool) -> str:
    """business-rules §6, exactly: with invoicing > 0: 100 and delivery 100 → completed, 100 →
    invoiced, else partially_invoiced; otherwise delivery 100 → shipped, > 0 →
    partially_shipped, an open delivery note → in_progress, else confirmed.
    Progress values are unrounded (99.99995 is not 100)."""
    if invoicing_progress > 0:
        if invoicing_progress >= HUNDRED and delivery_progress >= HUNDRED:
            return SalesOrderStatus.COMPLETED
        if invoicing_progress >= HUNDRED:
            return SalesOrderStatus.INVOICED
        return SalesOrderStatus.PARTIALLY_INVOICED
    if delivery_progress >= HUNDRED:
        return SalesOrderStatus.SHIPPED
    if delivery_progress > 0:
        return SalesOrderStatus.PARTIALLY_SHIPPED
    if has_open_delivery:
        return SalesOrderStatus.IN_PROGRESS
    return SalesOrderStatus.CONFIRMED


def _has_open_delivery(order: SalesOrder) -> bool:
    # The delivery app registers its check (core.registry): sales cannot import it.
    return any(check(order) for check in order_open_delivery_checks())


# The counted quantities of an order line and how the refusal names what is left.
LINE_QUANTITY_FIELDS = {
    "delivered_quantity": _("At most %(remaining)s remains to be delivered."),
    "invoiced_quantity": _("At most %(remaining)s remains to be invoiced."),
    "returned_quantity": _("At most %(remaining)s can still be returned."),
}


class QuantityExceedsRemaining(ApplicationError):
    def __init__(self, *, details: dict, message=None) -> None:
        super().__init__(code=ErrorCode.QUANTITY_EXCEEDS_REMAINING, details=details,
                         message=message or _(
            "A quantity is more than what remains on the sales order."))


STEP = Decimal("0.0001")


def order_line_rows_check(*, rows: Any, order_lines: dict[int, SalesOrderLine],
                          remaining: dict[int, Decimal], empty_message, exceeded_message
                          ) -> list[tuple[SalesOrderLine, Decimal, dict]]:
    """A caller's `[{order_line_id, quantity, …}]` for a document drafted from an order (an
    invoice, a delivery note) checked against what `remaining` allows per line: (line,
    quantity, the row) each. A row naming no line of the order, a line twice or a quantity
    that is not positive with at most 4 places is a 400 naming `lines.N.…`; a quantity above
    what remains is 400 `quantity_exceeds_remaining` with `exceeded_message` % remaining."""
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"lines": [empty_message]})
    errors: dict[str, list] = {}
    exceeded: dict[str, list] = {}
    chosen, seen = [], set()
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        line_id = row.get("order_line_id")
        line = order_lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            errors[f"lines.{index}.order_line_id"] = [_("Not a line of this sales order.")]
            continue
        if line_id in seen:
            errors[f"lines.{index}.order_line_id"] = [_("This line is given twice.")]
            continue
        seen.add(line_id)
        try:
            quantity = to_decimal(row.get("quantity"))
        except (ArithmeticError, TypeError, ValueError):
            quantity = None
        if quantity is None or not quantity.is_finite() or quantity <= 0 \
                or quantity != quantity.quantize(STEP):
            errors[f"lines.{index}.quantity"] = [
                _("Enter a positive quantity (at most 4 decimal places).")]
            continue
        if quantity > remaining[line_id]:
            exceeded[f"lines.{index}.quantity"] = [
                exceeded_message % {"remaining": quantity_text(remaining[line_id])}]
            continue
        chosen.append((line, quantity, row))
    if errors:
        raise ValidationError(errors)
    if exceeded:
        raise QuantityExceedsRemaining(details=exceeded)
    return chosen


@transaction.atomic
def order_lines_count(*, order: SalesOrder, field: str, quantities: dict[int, Decimal],
                      sign: int, actor: User | None) -> SalesOrder:
    """Add (sign 1) or take back (sign −1) quantities delivered, invoiced or returned on the
    order's lines, the one way delivery notes, invoices and returns move them: the order and
    its lines are locked (in that order, lines by pk), every line stays within 0 and its ordered
    quantity, a returned quantity within the delivered one (checked here to answer 400 naming
    the line; the check constraints hold it in the database too), a timeline event records
    the change, and the order's progress and status follow (business-rules §6). Returns the
    order as updated."""
    if field not in LINE_QUANTITY_FIELDS or sign not in (1, -1):
        raise ValueError(f"cannot count {sign} × {field}")
    locked = _lock(order, allow_deleted=True)
    lines = rows_lock(SalesOrderLine.objects.filter(order=locked, pk__in=list(quantities)))
    if len(lines) != len(quantities):
        raise ValueError("a quantity names a line of another order")
    exceeded = {}
    for line in lines:
        current = getattr(line, field)
        # What comes back is at most what went out; the rest at most what was ordered.
        ceiling = line.delivered_quantity if field == "returned_quantity" else line.quantity
        if not 0 <= current + sign * quantities[line.pk] <= ceiling:
            remaining = ceiling - current if sign > 0 else current
            exceeded[f"lines.order_line_{line.pk}.quantity"] = [
                LINE_QUANTITY_FIELDS[field] % {"remaining": quantity_text(remaining)}]
    if exceeded:
        raise QuantityExceedsRemaining(details=exceeded)
    for line in lines:
        SalesOrderLine.objects.filter(pk=line.pk).update(
            **{field: F(field) + sign * quantities[line.pk]})
    document_event_record(instance=locked, action=field, actor=actor,
                          from_status=locked.status, to_status=locked.status,
                          details={"sign": sign, "lines": {str(pk): str(quantity) for pk, quantity
                                                           in quantities.items()}})
    return order_progress_update(order=locked, actor=actor)


class NothingToClose(Conflict):
    def __init__(self) -> None:
        super().__init__(code=SalesErrorCode.NOTHING_TO_CLOSE, message=_(
            "Nothing is left to close: every line is delivered, closed or on an open delivery "
            "note."))


def order_backorder(*, order: SalesOrder) -> dict[int, Decimal]:
    """Order line id → its backorder: due, not delivered and not planned on an open delivery
    note (business-rules §7). Empty until something of the order was delivered: before
    that, the whole order is simply still to deliver."""
    lines = list(order.lines.all())
    if not any(line.delivered_quantity for line in lines):
        return {}
    reserved = order_lines_reserved(order)
    backorder = {line.pk: line.remaining_quantity - reserved.get(line.pk, ZERO)
                 for line in lines}
    return {pk: quantity for pk, quantity in backorder.items() if quantity > 0}


@transaction.atomic
def order_close_remaining(*, order: SalesOrder, actor: User | None, reason: str,
                          lines: dict[int, Decimal] | None = None) -> SalesOrder:
    """Short-close the backorder (business-rules §7): the undelivered quantity no open delivery
    note plans is closed with a reason, so the order can complete; progress then counts
    against ordered − closed. `lines` {order line id: quantity} closes just those (400
    `quantity_exceeds_remaining` above a line's backorder), else every backorder. Only once
    something was delivered (cancel the order otherwise), on an order that is confirmed and
    not on hold. The timeline says who closed what; `order_progress_update` follows."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the rest will not be delivered.")})
    locked = _lock(order)
    if locked.status not in ORDER_PROGRESS_STATUSES:
        raise InvalidTransition(source=locked.status, target="close_remaining",
                                allowed=order_allowed_targets(order=locked))
    order_lines = {line.pk: line for line in rows_lock(
        SalesOrderLine.objects.filter(order=locked))}
    backorder = order_backorder(order=locked)
    if lines is None:
        lines = backorder
    exceeded = {}
    for pk, quantity in lines.items():
        if pk not in order_lines:
            raise ValidationError({"lines": [_("Not a line of this sales order.")]})
        if not 0 < quantity <= backorder.get(pk, ZERO):
            exceeded[f"lines.order_line_{pk}.quantity"] = [
                _("At most %(remaining)s can be closed.")
                % {"remaining": quantity_text(backorder.get(pk, ZERO))}]
    if exceeded:
        raise QuantityExceedsRemaining(details=exceeded)
    if not lines:
        raise NothingToClose()
    for pk, quantity in lines.items():
        SalesOrderLine.objects.filter(pk=pk).update(closed_quantity=F("closed_quantity")
                                                    + quantity)
    document_event_record(instance=locked, action="close_remaining", actor=actor,
                          from_status=locked.status, to_status=locked.status, reason=reason,
                          details={"lines": {str(pk): quantity_text(quantity)
                                             for pk, quantity in lines.items()}})
    return order_progress_update(order=locked, actor=actor)


def order_progress(*, order: SalesOrder, has_open_delivery: bool | None = None) -> dict:
    """The order's delivery and invoicing progress (rounded to 4 places, as stored) and the
    status they give: `deliveryProgress = Σ min(delivered, due) / Σ due × 100` where a line's
    due quantity is ordered − short-closed, invoicing likewise."""
    ordered = delivered = invoiced = ZERO
    for line in order.lines.all():
        # A short-closed backorder is no longer owed: progress counts against what is.
        due = line.due_quantity
        ordered += due
        delivered += min(line.delivered_quantity, due)
        invoiced += min(line.invoiced_quantity, due)
    delivery = delivered / ordered * HUNDRED if ordered else ZERO
    invoicing = invoiced / ordered * HUNDRED if ordered else ZERO
    if has_open_delivery is None:
        has_open_delivery = _has_open_delivery(order)
    return {"delivery_progress": round_rate(delivery),
            "invoicing_progress": round_rate(invoicing),
            "status": order_status_for_progress(delivery_progress=delivery,
                                                invoicing_progress=invoicing,
                                                has_open_delivery=has_open_delivery)}


@transaction.atomic
def order_progress_update(*, order: SalesOrder, actor: User | None = None,
                          has_open_delivery: bool | None = None) -> SalesOrder:
    """Recompute delivery and invoicing progress from the lines and move a confirmed order
    to the status they give (business-rules §6). Delivery notes and invoices call this in their
    own transaction after changing the lines' quantities; an order on hold keeps its
    status (resume applies it), a draft or cancelled one only gets the numbers.
    `has_open_delivery` left out asks core.registry.order_open_delivery_checks()."""
    locked = _lock(order, allow_deleted=True)
    progress = order_progress(order=locked, has_open_delivery=has_open_delivery)
    target = progress.pop("status")
    source = locked.status
    if source in ORDER_PROGRESS_STATUSES and target != source and locked.deleted_at is None:
        moved = document_transition(instance=locked, transition="follow_progress",
                                    actor=actor, reason="progress", target=target,
                                    progress=progress, details=_plain(progress))
        transaction.on_commit(lambda: signals.order_status_changed.send(
            sender=SalesOrder, order=moved, source=source, target=target, actor=actor))
        return moved
    if any(getattr(locked, name) != value for name, value in progress.items()):
        for name, value in progress.items():
            setattr(locked, name, value)
        record_save(locked, actor=actor, reason="progress")
    return locked


def _plain(progress: dict) -> dict:
    return {name: str(value) for name, value in progress.items()}


def _json_ready(value: Any) -> Any:
    """Decimals and dates as JSON text (timeline events store plain JSON)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- soft delete with the campaign ----------------------------------------


@transaction.atomic
def orders_soft_delete_for_campaign(*, campaign: Campaign,
                                    actor: User | None = None) -> list[SalesOrder]:
    """Soft-delete every order of the campaign not deleted yet: `deleted_at` set, a history
    row and a timeline event each; the rows stay readable by id but leave lists, totals and
    stats. `order_deleted` goes out once per order, inside the transaction; running it again
    finds nothing more to delete and sends nothing."""
    orders = rows_lock(SalesOrder.objects.filter(firm_id=campaign.firm_id, campaign=campaign))
    now = timezone.now()
    reason = f"campaign {campaign.pk} deleted"
    for order in orders:
        order.deleted_at = now
        record_save(order, actor=actor, reason=reason)
        document_event_record(instance=order, action="deleted", actor=actor, reason=reason,
                              details={"campaign_id": campaign.pk})

    for order in orders:
        signals.order_deleted.send(sender=SalesOrder, order=order, actor=actor,
                                   reason="campaign_deleted")
    return orders


# --- money -------------------------------------------------------------------------------


@transaction.atomic
def order_balance_update(*, order: SalesOrder, down_payments_applied: Decimal | None = None,
                         amount_paid: Decimal | None = None,
                         actor: User | None = None) -> SalesOrder:
    """Set what down payments and payments cover (the invoice and down payment services
    call this); `balanceDue = total − downPaymentsApplied − payments` (business-rules §6)."""
    locked = _lock(order, allow_deleted=True)
    if down_payments_applied is not None:
        locked.down_payments_applied = round_money(down_payments_applied)
    if amount_paid is not None:
        locked.amount_paid = round_money(amount_paid)
    locked.balance_due = locked.total - locked.down_payments_applied - locked.amount_paid
    return record_save(locked, actor=actor, reason="payments")


def order_progress_status(*, order: SalesOrder) -> str:
    """The status the order's progress gives now (where resume leads)."""
    return order_progress(order=order)["status"]


@transaction.atomic
def quote_convert_to_order(*, quote: Quote, actor: User | None, **order_fields: Any) -> SalesOrder:
    """The accepted quote as a draft sales order when the firm's quote settings allow it (409
    `conversion_not_allowed` otherwise), as sales.invoicing.conversion.quote_convert does for
    `to="order"`; the staff page's "Make order" button uses it."""
    quote_conversion_check(quote=quote, to="order")
    return order_from_quote(quote=quote, actor=actor, **order_fields)
