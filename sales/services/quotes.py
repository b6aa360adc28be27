"""Quotes: create, edit, price, approve, move through RULES.md §5's states, revise."""

import datetime
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType, Role
from core.errors import ApplicationError, ErrorCode, InvalidTransition
from core.models import Firm, User
from core.money import round_money
from core.services import (
    document_event_record,
    document_transition,
    firm_today,
    same_firm,
    sequence_next,
    settings_read,
    transition_targets,
)
from crm.choices import LeadStatus
from crm.services import lead_allowed_targets, lead_transition
from pricing.models import Product
from pricing.services.resolver import price_resolve

from .. import signals
from ..choices import QuoteStatus
from ..models import QUOTE_TRANSITIONS, Quote, QuoteLine, QuoteVersion
from ..totals import (
    DiscountLimits,
    DocumentInput,
    DocumentTotals,
    LineInput,
    TaxSettings,
    discount_limits_check,
    margin_warnings,
    totals_calculate,
)

# What callers may set on a quote; everything else is the services' (number, status,
# totals, approval, timestamps) and is refused rather than silently ignored.
QUOTE_FIELDS = {
    "customer", "lead", "contact_name", "contact_email", "contact_phone", "owner",
    "sales_person", "price_list", "promo_code", "quote_date", "valid_until", "probability",
    "currency",
    "discount_type", "discount_value", "shipping_cost", "terms", "terms_ar", "notes",
    "notes_ar",
}
QUOTE_FOREIGN_KEYS = {"customer", "lead", "owner", "sales_person", "price_list"}
LINE_FIELDS = {
    "product", "description", "description_ar", "quantity", "unit", "unit_price",
    "discount_percent", "discount_amount", "tax_rate", "taxable", "cost_price",
    "pricing_trace", "price_override_reason", "is_reward",
}
NOT_SETTABLE = _("This field cannot be set.")


class QuoteNotEditable(ApplicationError):
    status_code = 409

    def __init__(self, *, status: str) -> None:
        super().__init__(code="quote_not_editable", details={"status": status}, message=_(
            "Only a draft quote can be changed. Revise it to make a new version."))


def _refuse_unknown(fields: dict, allowed: set[str], prefix: str = "") -> None:
    allowed = allowed | {f"{name}_id" for name in allowed}
    refused = {f"{prefix}{name}": NOT_SETTABLE for name in fields if name not in allowed}
    if refused:
        raise ValidationError(refused)


# --- lines and totals ---------------------------------------------------------------------


class PriceOverrideNotAllowed(ApplicationError):
    def __init__(self, *, field: str, resolved: Decimal) -> None:
        super().__init__(code="price_override_not_allowed", details={field: _(
            "The price list gives %(price)s; prices cannot be changed by hand in this firm.")
            % {"price": resolved}}, message=_(
            "A unit price differs from the price list and price overrides are not allowed."))


def _line_errors(index: int, error: ValidationError) -> ValidationError:
    return ValidationError({f"items.{index}.{field}": messages
                            for field, messages in error.message_dict.items()})


def _resolve_prices(quote: Quote, rows: list[tuple[int, QuoteLine]]):
    """The resolver's result for the lines with a product (in that order), for the quote's
    customer (none for a lead), date, price list and promotion code. Errors name the
    quote's own line (`items.4.quantity`), not the resolver's cart position."""
    try:
        return price_resolve(firm=quote.firm, customer=quote.customer, date=quote.quote_date,
                             items=[{"product": line.product_id, "quantity": line.quantity}
                                    for _index, line in rows],
                             promo_code=quote.promo_code, price_list=quote.price_list)
    except ValidationError as error:
        renamed = {}
        for key, messages in error.message_dict.items():
            parts = key.split(".")
            if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit():
                field = "product" if parts[2:] == ["product_id"] else ".".join(parts[2:])
                key = f"items.{rows[int(parts[1])][0]}.{field or 'product'}"
            renamed[key] = messages
        raise ValidationError(renamed) from error


def _number(value: Decimal) -> int | float:
    """A JSON number, as the resolver's trace writes them."""
    return int(value) if value == value.to_integral_value() else float(value)


def _price_from_resolver(line: QuoteLine, row: dict, priced, *, index: int,
                         settings) -> None:
    """Put the resolver's price on a line: the list price as the unit price, the rules'
    discount as its discount amount (unless the row gives a discount of its own), the
    trace. A unit price given by hand that differs is an override (settings decide)."""
    resolved = round_money(priced.base_price)
    trace = priced.as_dict()
    given = row.get("unit_price")
    if given is not None and round_money(given) != resolved:
        if not settings.pricing.allow_price_override:
            raise PriceOverrideNotAllowed(field=f"items.{index}.unit_price", resolved=resolved)
        if settings.pricing.require_price_override_reason and not line.price_override_reason:
            raise ValidationError({f"items.{index}.price_override_reason": _(
                "Say why the price differs from the price list (%(price)s).")
                % {"price": resolved}})
        trace["override"] = {"resolved_unit_price": _number(resolved),
                             "unit_price": _number(round_money(given)),
                             "reason": line.price_override_reason}
    else:
        line.unit_price = resolved
        line.price_override_reason = ""
        if not row.get("discount_percent") and not row.get("discount_amount"):
            line.discount_amount = round_money(priced.discount_amount)
    line.pricing_trace = trace


def _reward_line(quote: Quote, priced, *, position: int, products: dict,
                 settings) -> QuoteLine:
    """A buy-X-get-Y reward as its own line at a price of zero (RULES.md §10)."""
    product = products[priced.product_id]
    return QuoteLine(
        firm_id=quote.firm_id, position=position, product=product, is_reward=True,
        description=product.name, description_ar=product.name_ar, quantity=priced.quantity,
        unit=product.unit, unit_price=Decimal("0"), cost_price=product.cost_price,
        tax_rate=(product.tax_rate if product.tax_rate is not None
                  else settings.tax.default_tax_rate),
        pricing_trace=priced.as_dict())


def _build_lines(quote: Quote, rows: list[dict], *, settings) -> list[QuoteLine]:
    """Unsaved, validated lines from caller rows; a product fills what the row leaves out,
    and its price comes from the price resolver (RULES.md §10) with the trace kept on the
    line. Reward lines are the resolver's: rows marked `is_reward` are dropped and the
    rewards added again at the end.

    Errors name the line as the API does: `items.2.quantity`.
    """
    rows = [row for row in rows if not row.get("is_reward")]
    lines, priced_rows = [], []
    for index, row in enumerate(rows):
        _refuse_unknown(row, LINE_FIELDS, prefix=f"items.{index}.")
        fields = {name: value for name, value in row.items()
                  if name not in ("pricing_trace", "is_reward")
                  and not (name == "unit_price" and value is None)}
        line = QuoteLine(firm_id=quote.firm_id, position=index, **fields)
        same_firm(quote.firm_id, **{f"items.{index}.product": line.product})
        product = line.product
        if product is not None:
            line.description = line.description or product.name
            line.description_ar = line.description_ar or product.name_ar
            if "unit" not in row:
                line.unit = product.unit
            if row.get("cost_price") is None:
                line.cost_price = product.cost_price
        if row.get("tax_rate") is None:
            line.tax_rate = (product.tax_rate if product is not None and product.tax_rate
                             is not None else settings.tax.default_tax_rate)
        try:
            if line.discount_percent and line.discount_amount:
                raise ValidationError({"discount_amount": _(
                    "Give a discount percentage or a discount amount, not both.")})
            line.full_clean(exclude=["quote"])
        except ValidationError as error:
            raise _line_errors(index, error) from error
        if product is not None:
            priced_rows.append((index, line))
        lines.append(line)
    if priced_rows:
        result = _resolve_prices(quote, priced_rows)
        for (index, line), priced in zip(priced_rows, result.lines, strict=True):
            _price_from_resolver(line, rows[index], priced, index=index, settings=settings)
        products = {line.product_id: line.product for _index, line in priced_rows}
        missing = {reward.product_id for reward in result.reward_lines} - set(products)
        products.update({product.pk: product for product in
                         Product.objects.filter(firm_id=quote.firm_id, pk__in=missing)})
        lines += [_reward_line(quote, reward, position=len(lines) + offset, products=products,
                               settings=settings)
                  for offset, reward in enumerate(result.reward_lines)]
    return lines


def _rule_discount(line: QuoteLine) -> Decimal:
    """The part of a line's discount that pricing rules gave (not limited by the manual
    discount limits: the firm set those rules itself)."""
    trace = line.pricing_trace or {}
    if line.is_reward:
        return Decimal("0")
    if "override" in trace or line.discount_percent:
        return Decimal("0")
    ruled = round_money(Decimal(str(trace.get("discount_amount", 0))))
    return ruled if ruled and line.discount_amount == ruled else Decimal("0")


def _manual_document(quote: Quote, lines: list[QuoteLine]) -> DocumentInput:
    """The quote as the discount limits judge it: discounts given by hand only."""
    document = _document(quote, lines)
    return replace(document, lines=[
        replace(item, discount_amount=item.discount_amount - _rule_discount(line))
        for item, line in zip(document.lines, lines, strict=True)])


def _document(quote: Quote, lines: list[QuoteLine]) -> DocumentInput:
    return DocumentInput(
        lines=[LineInput(quantity=line.quantity, unit_price=line.unit_price,
                         discount_percent=line.discount_percent,
                         discount_amount=line.discount_amount, tax_rate=line.tax_rate,
                         taxable=line.taxable, cost_price=line.cost_price) for line in lines],
        discount_type=quote.discount_type, discount_value=quote.discount_value,
        shipping_cost=quote.shipping_cost, probability=quote.probability,
        currency=quote.currency)


def _approval_reasons(quote: Quote, lines: list[QuoteLine], *, settings) -> list[dict]:
    """Why the quote must be approved before it is sent (RULES.md §5), or [] if it need not.

    Discounts above the limits without discount approval are refused when the quote is
    saved, so here they only count when the firm approves discounts instead."""
    reasons = []
    threshold = settings.quotes.approval_threshold
    if settings.quotes.require_approval and (threshold is None or quote.total >= threshold):
        reasons.append({"reason": "total_above_threshold",
                        "threshold": threshold, "total": quote.total})
    limits = DiscountLimits.from_settings(settings.discounts)
    if limits.require_discount_approval:
        review = discount_limits_check(document=_manual_document(quote, lines), limits=limits)
        reasons += [{"reason": "discount", **detail} for detail in review.reasons]
    return reasons


def _apply_totals(quote: Quote, lines: list[QuoteLine], *, settings) -> DocumentTotals:
    """Price the quote with the firm's settings: enforce discount limits, write every total
    on the quote and its lines, and note margin warnings and the need for approval."""
    document = _document(quote, lines)
    limits = DiscountLimits.from_settings(settings.discounts)
    # Raises above the limits; discounts of the firm's own pricing rules are not judged.
    discount_limits_check(document=_manual_document(quote, lines), limits=limits)
    tax = TaxSettings.from_settings(settings.tax)
    totals = totals_calculate(document=document, tax=tax)
    for line, amounts in zip(lines, totals.lines, strict=True):
        line.base_amount = amounts.base
        line.line_discount = amounts.line_discount
        line.line_total = amounts.line_total
        line.tax_amount = amounts.line_tax
    quote.subtotal = totals.subtotal
    quote.discount_amount = totals.document_discount
    quote.after_discount = totals.after_discount
    quote.tax_amount = totals.tax_amount
    quote.total = totals.total
    quote.weighted_value = totals.weighted_value
    quote.total_in_words = totals.total_in_words
    quote.total_in_words_en = totals.total_in_words_en
    quote.warnings = margin_warnings(
        document=document, tax=tax,
        minimum_margin_percent=settings.pricing.minimum_margin_percent,
        enabled=settings.pricing.warn_below_minimum_margin)
    quote.approval_reasons = _approval_reasons(quote, lines, settings=settings)
    quote.needs_approval = bool(quote.approval_reasons)
    return totals


def quote_totals(*, quote: Quote) -> DocumentTotals:
    """The quote's totals as they would be computed now (`POST /quotes/:id/calculate`);
    nothing is saved."""
    settings = settings_read(firm=quote.firm)
    return totals_calculate(document=_document(quote, list(quote.lines.all())),
                            tax=TaxSettings.from_settings(settings.tax))


def quote_preview(*, firm: Firm, quote: Quote | None = None, lines: list[dict] | None = None,
                  **changes: Any) -> tuple[Quote, list[QuoteLine], DocumentTotals]:
    """The quote (a stored one with `changes`, or a new one) priced exactly as saving it would
    price it — resolver, discount limits, totals, warnings, approval — with nothing saved.
    Given `lines` replace the stored ones. Used by `POST /quotes/:id/calculate` and the form's
    live pricing."""
    _refuse_unknown(changes, QUOTE_FIELDS)
    settings = settings_read(firm=firm)
    if quote is None:
        draft = Quote(firm=firm, **changes)
        if "quote_date" not in changes:
            draft.quote_date = firm_today(firm=firm)
        if "currency" not in changes:
            draft.currency = settings.general.default_currency
    else:
        draft = Quote.objects.get(pk=quote.pk)
        for name, value in changes.items():
            setattr(draft, name, value)
    same_firm(firm.pk, **{name: getattr(draft, name) for name in QUOTE_FOREIGN_KEYS})
    if lines is not None:
        built = _build_lines(draft, lines, settings=settings)
    else:  # a new quote without lines has none to read
        built = list(draft.lines.all()) if draft.pk is not None else []
    totals = _apply_totals(draft, built, settings=settings)
    return draft, built, totals


def _save(quote: Quote, *, actor: User | None, reason: str) -> Quote:
    quote.updated_by = actor
    quote._history_user = actor
    quote._change_reason = str(reason)
    quote.save()
    return quote


def _save_lines(quote: Quote, lines: list[QuoteLine], *, replace: bool) -> None:
    if replace:
        quote.lines.all().delete()
        for line in lines:
            line.quote = quote
        QuoteLine.objects.bulk_create(lines)
    else:
        QuoteLine.objects.bulk_update(lines, ["base_amount", "line_discount", "line_total",
                                              "tax_amount"])


def _check_references(quote: Quote) -> None:
    same_firm(quote.firm_id, **{name: getattr(quote, name) for name in QUOTE_FOREIGN_KEYS})
    if quote.customer_id is None and quote.lead_id is None:
        raise ValidationError({"customer": _("A quote is for a customer or a lead.")})


# --- create and edit ----------------------------------------------------------------------


def _sales_person_of(user: User | None):
    try:
        return user.sales_person if user is not None else None
    except ObjectDoesNotExist:
        return None


@transaction.atomic
def quote_create(*, firm: Firm, actor: User | None, lines: list[dict] | None = None,
                 **fields: Any) -> Quote:
    """A numbered draft quote (QT-YYYY-NNNN) priced by the totals engine.

    Left out, the owner is the actor, validity follows `quotes.defaultValidityDays`, the
    probability is the lead's, contact details the customer's or lead's, currency and terms
    the firm's defaults. Discounts above the limits are refused (`discount_above_limit`);
    margin warnings are kept on the quote (`warnings`).
    """
    _refuse_unknown(fields, QUOTE_FIELDS)
    settings = settings_read(firm=firm)
    quote = Quote(firm=firm, created_by=actor, updated_by=actor, **fields)
    _check_references(quote)
    if quote.owner_id is None and actor is not None and actor.firm_id == firm.pk:
        quote.owner = actor
    if quote.sales_person_id is None:
        quote.sales_person = _sales_person_of(quote.owner)
    if "quote_date" not in fields:
        quote.quote_date = firm_today(firm=firm)
    if quote.valid_until is None:
        quote.valid_until = quote.quote_date + datetime.timedelta(
            days=settings.quotes.default_validity_days)
    if "currency" not in fields:
        quote.currency = settings.general.default_currency
    if quote.probability is None and quote.lead_id is not None:
        quote.probability = quote.lead.probability
    _fill_contact(quote)
    if not quote.terms and not quote.terms_ar:
        quote.terms = settings.documents.default_terms_and_conditions
        quote.terms_ar = settings.documents.default_terms_and_conditions_ar
    built = _build_lines(quote, lines or [], settings=settings)
    _apply_totals(quote, built, settings=settings)
    quote.full_clean(exclude=["number"])
    # The number is taken last, so a refused quote burns no number (the row lock is held
    # until commit; a rollback gives the number back).
    quote.number = sequence_next(firm=firm, document_type=DocumentType.QUOTE,
                                 date=firm_today(firm=firm))
    _save(quote, actor=actor, reason="created")
    _save_lines(quote, built, replace=True)
    document_event_record(instance=quote, action="created", actor=actor,
                          to_status=quote.status, details={"number": quote.number})
    return quote


def _fill_contact(quote: Quote) -> None:
    if quote.contact_name or quote.contact_email or quote.contact_phone:
        return
    if quote.customer is not None:
        contact = quote.customer.contacts.first()  # primary first
        quote.contact_name = contact.name if contact else ""
        quote.contact_email = (contact.email if contact and contact.email
                               else quote.customer.email)
        quote.contact_phone = (contact.phone if contact and contact.phone
                               else quote.customer.phone)
    elif quote.lead is not None:
        quote.contact_name = quote.lead.display_name[:150]
        quote.contact_email = quote.lead.email
        quote.contact_phone = quote.lead.phone


@transaction.atomic
def quote_update(*, quote: Quote, actor: User | None, lines: list[dict] | None = None,
                 reason: str = "", **changes: Any) -> Quote:
    """Edit a draft quote; given `lines` replace all of its lines. Totals, warnings and the
    need for approval are recomputed with the firm's current settings."""
    _refuse_unknown(changes, QUOTE_FIELDS)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status != QuoteStatus.DRAFT:
        raise QuoteNotEditable(status=locked.status)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_references(locked)
    settings = settings_read(firm=locked.firm)
    built = (_build_lines(locked, lines, settings=settings) if lines is not None
             else list(locked.lines.all()))
    _apply_totals(locked, built, settings=settings)
    locked.full_clean()
    _save(locked, actor=actor, reason=reason or "updated")
    _save_lines(locked, built, replace=lines is not None)
    document_event_record(instance=locked, action="updated", actor=actor, reason=reason,
                          details={"fields": sorted(changes), "lines": lines is not None})
    return locked


class QuoteNotDeletable(ApplicationError):
    status_code = 409

    def __init__(self, *, status: str) -> None:
        super().__init__(code="quote_not_deletable", details={"status": status}, message=_(
            "Only a draft quote can be deleted. Cancel or archive it instead."))


@transaction.atomic
def quote_delete(*, quote: Quote, actor: User | None) -> None:
    """Delete a draft quote with its lines (history keeps who deleted it); 409 otherwise."""
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status != QuoteStatus.DRAFT:
        raise QuoteNotDeletable(status=locked.status)
    locked._history_user = actor
    locked._change_reason = "deleted"
    locked.delete()


# --- state machine ------------------------------------------------------------------------


def quote_allowed_targets(*, quote: Quote) -> list[str]:
    return sorted(set(transition_targets(quote).values()))


def _check_approver(quote: Quote, actor: User | None, *, settings) -> None:
    """Who may approve: the firm's named approvers for the reasons the quote has (quote
    approvers for its total, discount approvers for its discounts), else any admin or sales
    manager of the firm."""
    kinds = {reason["reason"] for reason in quote.approval_reasons}
    named: set[int] = set()
    if "total_above_threshold" in kinds:
        named |= set(settings.quotes.approvers)
    if "discount" in kinds:
        named |= set(settings.discounts.discount_approvers)
    if actor is not None and actor.firm_id == quote.firm_id and (
            actor.pk in named if named else actor.role in (Role.ADMIN, Role.SALES_MANAGER)):
        return
    raise ApplicationError(code=ErrorCode.PERMISSION_DENIED, status_code=403, message=_(
        "You are not one of the approvers of this quote."))


def _row(instance) -> dict[str, Any]:
    """Every column of a row (model_to_dict would leave out the non-editable ones)."""
    return {field.attname: field.value_from_object(instance)
            for field in type(instance)._meta.concrete_fields}


def _archive(quote: Quote, *, actor: User | None, reason: str) -> QuoteVersion:
    """Keep the quote as it is now, lines and totals, as version `quote.version`."""
    fields = _row(quote)
    lines = [_row(line) for line in quote.lines.all()]
    return QuoteVersion.objects.create(
        firm_id=quote.firm_id, quote=quote, version=quote.version, status=quote.status,
        total=quote.total, snapshot={"quote": fields, "lines": lines}, archived_by=actor,
        reason=reason)


@transaction.atomic
def quote_transition(*, quote: Quote, target: str, actor: User | None,
                     reason: str = "") -> Quote:
    """Move the quote to `target` status with RULES.md §5's rules and side effects.

    Checked against the row as it is in the database (under lock). draft → sent is refused
    while the quote needs approval (re-read from the current settings first). → approved
    checks the approver. → revised archives the current version whole; revised → draft
    starts the next version with totals recomputed. → accepted makes the lead won. Signals
    go out after commit.
    """
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    settings = settings_read(firm=current.firm)
    if current.status == QuoteStatus.DRAFT and target == QuoteStatus.SENT:
        # The settings may have changed since the quote was saved.
        reasons = _approval_reasons(current, list(current.lines.all()), settings=settings)
        if reasons != current.approval_reasons:
            Quote.objects.filter(pk=current.pk).update(needs_approval=bool(reasons),
                                                       approval_reasons=reasons)
            current.refresh_from_db()
    allowed = quote_allowed_targets(quote=current)
    if target not in allowed:
        raise InvalidTransition(source=current.status, target=target, allowed=allowed)
    source = current.status
    kwargs: dict[str, Any] = {}
    if target == QuoteStatus.APPROVED:
        _check_approver(current, actor, settings=settings)
        kwargs["approver"] = actor
    elif target == QuoteStatus.REJECTED:
        kwargs["rejection_reason"] = reason
    elif target == QuoteStatus.REVISED:
        _archive(current, actor=actor, reason=reason)
    moved = document_transition(instance=current, transition=QUOTE_TRANSITIONS[target],
                                actor=actor, reason=reason, **kwargs)
    if source == QuoteStatus.REVISED and target == QuoteStatus.DRAFT:
        moved = _next_version(moved, actor=actor, settings=settings)
    if target == QuoteStatus.ACCEPTED:
        _lead_won(moved, actor=actor)
    transaction.on_commit(lambda: signals.quote_status_changed.send(
        sender=Quote, quote=moved, source=source, target=target, actor=actor))
    return moved


def _next_version(quote: Quote, *, actor: User | None, settings) -> Quote:
    quote.version += 1
    lines = list(quote.lines.all())
    _apply_totals(quote, lines, settings=settings)
    _save(quote, actor=actor, reason=f"version {quote.version}")
    _save_lines(quote, lines, replace=False)
    return quote


def _lead_won(quote: Quote, *, actor: User | None) -> None:
    """An accepted quote wins its lead (RULES.md §5) when the lead's state allows it, and
    the quote takes the customer that winning makes."""
    if quote.lead_id is None:
        return
    lead = quote.lead
    if LeadStatus.WON in lead_allowed_targets(lead=lead):
        lead = lead_transition(lead=lead, target=LeadStatus.WON, actor=actor,
                               reason=f"Quote {quote.number} accepted")
    if quote.customer_id is None and lead.customer_id is not None:
        Quote.objects.filter(pk=quote.pk).update(customer_id=lead.customer_id)
        quote.customer_id = lead.customer_id


def quote_approve(*, quote: Quote, actor: User | None, reason: str = "") -> Quote:
    """Approve a quote pending approval (only its approvers may)."""
    return quote_transition(quote=quote, target=QuoteStatus.APPROVED, actor=actor,
                            reason=reason)


@transaction.atomic
def quote_revise(*, quote: Quote, actor: User | None, reason: str = "",
                 lines: list[dict] | None = None, **changes: Any) -> Quote:
    """A new version of a sent, viewed, rejected or expired quote (RULES.md §5).

    The current version is archived whole (fields, lines, totals) in QuoteVersion, the
    version goes up by one, the quote is a draft again with its totals recomputed, and the
    changes given (fields, lines) are applied to the new version.
    """
    quote_transition(quote=quote, target=QuoteStatus.REVISED, actor=actor, reason=reason)
    revised = quote_transition(quote=quote, target=QuoteStatus.DRAFT, actor=actor,
                               reason=reason)
    if changes or lines is not None:
        revised = quote_update(quote=revised, actor=actor, lines=lines, reason=reason,
                               **changes)
    return revised
