"""Lines and totals shared by quotes and sales orders (business-rules §2, §10).

A quote and an order price their lines the same way (price resolver, traces, reward lines,
price overrides), judge the same discounts against the same limits and take their totals
from the one totals engine (sales.common.totals). Each calls these services with what it has (its
customer, date, price list, promotion code, discount and shipping) and stores the result on
its own rows.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.errors import ApplicationError, ErrorCode
from core.models import Firm, User
from core.money import round_money
from core.services import (
    document_event_record,
    firm_today,
    record_save,
    same_firm,
    sequence_next,
)
from crm.models import Customer, SalesPerson
from pricing.models import PriceList, Product
from pricing.services.resolver import PricedLine, PriceResult, price_resolve
from sales.common.models import DocumentLine, PricedDocument
from sales.common.totals import (
    DiscountLimits,
    DocumentInput,
    DocumentTotals,
    LineInput,
    TaxSettings,
    discount_limits_check,
    margin_warnings,
    totals_calculate,
)
from sales.errors import SalesErrorCode

Line = TypeVar("Line", bound=DocumentLine)

# The amounts the totals engine writes on a line.
LINE_AMOUNTS = ["base_amount", "line_discount", "line_total", "tax_amount"]
# What a caller may set on a line; amounts are the totals engine's, traces the resolver's.
LINE_FIELDS = {
    "product", "description", "description_ar", "quantity", "unit", "unit_price",
    "discount_percent", "discount_amount", "tax_rate", "taxable", "cost_price",
    "pricing_trace", "price_override_reason", "is_reward",
}
NOT_SETTABLE = _("This field cannot be set.")


class PriceOverrideNotAllowed(ApplicationError):
    def __init__(self, *, field: str, resolved: Decimal) -> None:
        super().__init__(code=SalesErrorCode.PRICE_OVERRIDE_NOT_ALLOWED, details={field: _(
            "The price list gives %(price)s; prices cannot be changed by hand in this firm.")
            % {"price": resolved}}, message=_(
            "A unit price differs from the price list and price overrides are not allowed."))


@dataclass(frozen=True)
class DocumentHeader:
    """What a document's totals depend on besides its lines."""

    discount_type: str
    discount_value: Decimal
    shipping_cost: Decimal
    currency: str
    probability: Decimal | None = None


@dataclass(frozen=True)
class DocumentPricing:
    """A document's totals and the margin warnings its lines give."""

    totals: DocumentTotals
    warnings: list[dict[str, Any]]

    @property
    def amounts(self) -> dict[str, Any]:
        """The totals under the names quotes and orders store them."""
        return self.totals.stored


def document_fields_refuse_unknown(*, fields: dict, allowed: set[str], prefix: str = "") -> None:
    """Refuse (ValidationError, one entry per field) any field a caller may not set; a
    foreign key may be given by name or as `<name>_id`."""
    allowed = allowed | {f"{name}_id" for name in allowed}
    refused = {f"{prefix}{name}": NOT_SETTABLE for name in fields if name not in allowed}
    if refused:
        raise ValidationError(refused)


# --- pricing the lines --------------------------------------------------------------------


def _line_errors(index: int, error: ValidationError) -> ValidationError:
    return ValidationError({f"items.{index}.{field}": messages
                            for field, messages in error.message_dict.items()})


def _resolve_prices(rows: list[tuple[int, DocumentLine]], **context: Any) -> PriceResult:
    """The resolver's result for the lines with a product (in that order), in the document's
    context (firm, customer — none for a lead —, date, price list, promotion code). Errors
    name the document's own line (`items.4.quantity`), not the resolver's cart position."""
    try:
        return price_resolve(items=[{"product": line.product_id, "quantity": line.quantity}
                                    for _index, line in rows], **context)
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


def _price_from_resolver(line: DocumentLine, row: dict, priced: PricedLine, *, index: int,
                         settings: SimpleNamespace) -> None:
    """Put the resolver's price on a line: the list price as the unit price, the rules'
    discount as its discount amount (unless the row gives a discount of its own), the
    trace. A unit price given by hand is an override, even at the list price: the pricing
    rules do not apply on top of it; one that differs from the list price is allowed, and
    needs a reason, as the settings say."""
    resolved = round_money(priced.base_price)
    trace = priced.as_dict()
    given = row.get("unit_price")
    if given is None:
        line.unit_price = resolved
        line.price_override_reason = ""
        if not row.get("discount_percent") and not row.get("discount_amount"):
            line.discount_amount = round_money(priced.discount_amount)
    else:
        if round_money(given) != resolved:
            if not settings.pricing.allow_price_override:
                raise PriceOverrideNotAllowed(field=f"items.{index}.unit_price",
                                              resolved=resolved)
            if (settings.pricing.require_price_override_reason
                    and not line.price_override_reason):
                raise ValidationError({f"items.{index}.price_override_reason": _(
                    "Say why the price differs from the price list (%(price)s).")
                    % {"price": resolved}})
        trace["override"] = {"resolved_unit_price": _number(resolved),
                             "unit_price": _number(round_money(given)),
                             "reason": line.price_override_reason,
                             "rules_not_applied": [rule["id"] for rule
                                                   in trace.get("applied_rules") or []]}
    line.pricing_trace = trace


def _reward_line(line_model: type[Line], priced: PricedLine, *, firm: Firm, position: int,
                 products: dict, settings: SimpleNamespace) -> Line:
    """A buy-X-get-Y reward as its own line at a price of zero (business-rules §10)."""
    product = products[priced.product_id]
    return line_model(
        firm_id=firm.pk, position=position, product=product, is_reward=True,
        description=product.name, description_ar=product.name_ar, quantity=priced.quantity,
        unit=product.unit, unit_price=Decimal("0"), cost_price=product.cost_price,
        tax_rate=(product.tax_rate if product.tax_rate is not None
                  else settings.tax.default_tax_rate),
        pricing_trace=priced.as_dict())


def _line_from_row(line_model: type[Line], row: dict, *, firm: Firm, index: int,
                   settings: SimpleNamespace) -> Line:
    """One validated, not yet priced line; its product fills what the row leaves out."""
    document_fields_refuse_unknown(fields=row, allowed=LINE_FIELDS, prefix=f"items.{index}.")
    fields = {name: value for name, value in row.items()
              if name not in ("pricing_trace", "is_reward")
              and not (name == "unit_price" and value is None)}
    line = line_model(firm_id=firm.pk, position=index, **fields)
    same_firm(firm.pk, **{f"items.{index}.product": line.product})
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
        # The only constraint every line has (one discount kind) is checked just above
        # with its own message, and an order line's quantity constraints restate the
        # validators: asking the database once per constraint and line would add nothing.
        line.full_clean(exclude=[line_model.document_field], validate_constraints=False)
    except ValidationError as error:
        raise _line_errors(index, error) from error
    return line


def document_lines_price(*, firm: Firm, line_model: type[Line], customer: Customer | None,
                         date: datetime.date, price_list: PriceList | None = None,
                         promo_code: str = "", rows: list[dict],
                         settings: SimpleNamespace) -> list[Line]:
    """Unsaved, validated lines of `line_model` from caller rows; a product fills what the row
    leaves out, and its price comes from the price resolver (business-rules §10) for the document's
    customer (none for a lead), date, price list and promotion code, with the trace kept on
    the line. Reward lines are the resolver's: rows marked `is_reward` are dropped and the
    rewards added again at the end.

    Errors name the line as the API does: `items.2.quantity`.
    """
    rows = [row for row in rows if not row.get("is_reward")]
    lines = [_line_from_row(line_model, row, firm=firm, index=index, settings=settings)
             for index, row in enumerate(rows)]
    priced_rows = [(index, line) for index, line in enumerate(lines)
                   if line.product is not None]
    if priced_rows:
        result = _resolve_prices(priced_rows, firm=firm, customer=customer, date=date,
                                 promo_code=promo_code, price_list=price_list)
        for (index, line), priced in zip(priced_rows, result.lines, strict=True):
            _price_from_resolver(line, rows[index], priced, index=index, settings=settings)
        products = {line.product_id: line.product for _index, line in priced_rows}
        missing = {reward.product_id for reward in result.reward_lines} - set(products)
        products.update({product.pk: product for product in
                         Product.objects.filter(firm_id=firm.pk, pk__in=missing)})
        lines += [_reward_line(line_model, reward, firm=firm, position=len(lines) + offset,
                               products=products, settings=settings)
                  for offset, reward in enumerate(result.reward_lines)]
    return lines


def document_lines_save(*, document: PricedDocument, lines: list[DocumentLine],
                        replace: bool) -> None:
    """Store a saved document's lines: with `replace`, its lines become exactly these new
    ones; without, only the amounts of its existing lines are written."""
    line_model = document.lines.model
    if replace:
        document.lines.all().delete()
        for line in lines:
            setattr(line, line_model.document_field, document)
        line_model.objects.bulk_create(lines)
    else:
        line_model.objects.bulk_update(lines, LINE_AMOUNTS)


def document_create_save(*, document: PricedDocument, lines: list[DocumentLine],
                         document_type: str, actor: User | None, action: str = "created",
                         reason: str = "created", details: dict | None = None) -> None:
    """Validate, number and save a new priced document with its lines, and record `action` on
    its timeline with its number and `details`."""
    document.full_clean(exclude=["number"])
    # The number is taken last, so a refused document burns no number (the sequence row
    # stays locked until commit; a rollback gives the number back).
    document.number = sequence_next(firm=document.firm, document_type=document_type,
                                    date=firm_today(firm=document.firm))
    record_save(document, actor=actor, reason=reason)
    document_lines_save(document=document, lines=lines, replace=True)
    document_event_record(instance=document, action=action, actor=actor,
                          to_status=document.status,
                          details={"number": document.number, **(details or {})})


def document_update_save(*, document: PricedDocument, lines: list[DocumentLine], replace: bool,
                         changes: dict, actor: User | None, reason: str) -> None:
    """Validate and save an edited priced document, its lines replaced (`replace`) or only
    their amounts rewritten, and record the edit with the fields it changed."""
    document.full_clean()
    record_save(document, actor=actor, reason=reason or "updated")
    document_lines_save(document=document, lines=lines, replace=replace)
    document_event_record(instance=document, action="updated", actor=actor, reason=reason,
                          details={"fields": sorted(changes), "lines": replace})


# --- discounts and totals -----------------------------------------------------------------


def document_line_rule_discount(*, line: DocumentLine) -> Decimal:
    """The part of a line's discount that pricing rules gave (not limited by the manual
    discount limits: the firm set those rules itself)."""
    trace = line.pricing_trace or {}
    if line.is_reward:
        return Decimal("0")
    if "override" in trace or line.discount_percent:
        return Decimal("0")
    ruled = round_money(Decimal(str(trace.get("discount_amount", 0))))
    return ruled if ruled and line.discount_amount == ruled else Decimal("0")


def _document(header: DocumentHeader, lines: list[DocumentLine]) -> DocumentInput:
    return DocumentInput(
        lines=[LineInput(quantity=line.quantity, unit_price=line.unit_price,
                         discount_percent=line.discount_percent,
                         discount_amount=line.discount_amount, tax_rate=line.tax_rate,
                         taxable=line.taxable, cost_price=line.cost_price) for line in lines],
        discount_type=header.discount_type, discount_value=header.discount_value,
        shipping_cost=header.shipping_cost, probability=header.probability,
        currency=header.currency)


def _manual_document(header: DocumentHeader, lines: list[DocumentLine]) -> DocumentInput:
    """The document as the discount limits judge it: discounts given by hand only."""
    document = _document(header, lines)
    return replace(document, lines=[
        replace(item, discount_amount=item.discount_amount
                - document_line_rule_discount(line=line))
        for item, line in zip(document.lines, lines, strict=True)])


def document_totals_calculate(*, header: DocumentHeader, lines: list[DocumentLine],
                              settings: SimpleNamespace) -> DocumentTotals:
    """The document's totals with the firm's tax settings; nothing is written or judged."""
    return totals_calculate(document=_document(header, lines),
                            tax=TaxSettings.from_settings(settings.tax))


def _set_stored(row: models.Model, values: dict[str, Any]) -> None:
    fields = {field.name for field in row._meta.concrete_fields}
    for name, value in values.items():
        if name in fields:
            setattr(row, name, value)


def document_lines_amounts_write(*, lines: list[models.Model], totals: DocumentTotals) -> None:
    """Write the engine's amounts on each line, on the fields its model has (a credit note
    line keeps no base amount or line discount)."""
    for line, amounts in zip(lines, totals.lines, strict=True):
        _set_stored(line, amounts.stored)


def document_totals_write(*, document: models.Model, lines: list[models.Model],
                          totals: DocumentTotals) -> None:
    """Write the engine's totals on the document and its lines, on the fields each model has
    (a credit note keeps no document discount)."""
    document_lines_amounts_write(lines=lines, totals=totals)
    _set_stored(document, totals.stored)


def document_totals_apply(*, header: DocumentHeader, lines: list[DocumentLine],
                          settings: SimpleNamespace,
                          enforce_limits: bool = True) -> DocumentPricing:
    """Price a document with the firm's settings: refuse discounts given by hand above the
    limits (`discount_above_limit`, unless `enforce_limits` is off; the pricing rules' own
    discounts are not judged), write each line's amounts on it, and give the totals and the
    margin warnings. The document's own fields are the caller's to set."""
    document = _document(header, lines)
    if enforce_limits:
        discount_limits_check(document=_manual_document(header, lines),
                              limits=DiscountLimits.from_settings(settings.discounts))
    tax = TaxSettings.from_settings(settings.tax)
    totals = totals_calculate(document=document, tax=tax)
    document_lines_amounts_write(lines=lines, totals=totals)
    warnings = margin_warnings(
        document=document, tax=tax,
        minimum_margin_percent=settings.pricing.minimum_margin_percent,
        enabled=settings.pricing.warn_below_minimum_margin)
    return DocumentPricing(totals=totals, warnings=warnings)


def document_approval_reasons(*, header: DocumentHeader, lines: list[DocumentLine],
                              total: Decimal, approval: SimpleNamespace,
                              settings: SimpleNamespace) -> list[dict]:
    """Why the document must be approved before it goes on (a quote sent, an order
    confirmed), or [] if it need not: its total against its own section of the settings
    (`approval`: settings.quotes or settings.orders), its discounts against the limits.

    Discounts above the limits without discount approval are refused when the document is
    saved, so here they only count when the firm approves discounts instead."""
    reasons = []
    threshold = approval.approval_threshold
    if approval.require_approval and (threshold is None or total >= threshold):
        reasons.append({"reason": "total_above_threshold", "threshold": threshold,
                        "total": total})
    limits = DiscountLimits.from_settings(settings.discounts)
    if limits.require_discount_approval:
        review = discount_limits_check(document=_manual_document(header, lines),
                                       limits=limits)
        reasons += [{"reason": "discount", **detail} for detail in review.reasons]
    return reasons


def document_approver_check(*, document: PricedDocument, actor: User | None,
                            total_approvers: list[int], discount_approvers: list[int],
                            message: Any) -> None:
    """Who may approve: the firm's named approvers for the reasons the document has
    (`total_approvers` for its total, `discount_approvers` for its discounts), else any
    admin or sales manager of the firm; anyone else is refused (403, `message`)."""
    kinds = {reason["reason"] for reason in document.approval_reasons}
    named: set[int] = set()
    if "total_above_threshold" in kinds:
        named |= set(total_approvers)
    if "discount" in kinds:
        named |= set(discount_approvers)
    if actor is not None and actor.firm_id == document.firm_id and (
            actor.pk in named if named else actor.role in (Role.ADMIN, Role.SALES_MANAGER)):
        return
    raise ApplicationError(code=ErrorCode.PERMISSION_DENIED, status_code=403, message=message)


def user_sales_person(user: User | None) -> SalesPerson | None:
    """The user's sales person profile, if they have one."""
    try:
        return user.sales_person if user is not None else None
    except ObjectDoesNotExist:
        return None
