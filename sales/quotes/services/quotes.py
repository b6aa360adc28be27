"""Quotes: create, edit, price, approve, move through business-rules §5's states, revise."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.choices import DocumentType
from core.errors import ApplicationError, InvalidTransition
from core.models import Firm, User
from core.services import (
    document_transition,
    firm_today,
    record_save,
    same_firm,
    settings_read,
    transition_targets,
)
from crm.services import lead_win
from sales import signals
from sales.common.lines import (
    DocumentHeader,
    document_approval_reasons,
    document_approver_check,
    document_create_save,
    document_fields_refuse_unknown,
    document_lines_price,
    document_lines_save,
    document_totals_apply,
    document_totals_calculate,
    document_update_save,
    user_sales_person,
)
from sales.common.totals import DocumentTotals
from sales.errors import SalesErrorCode, draft_required
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import QUOTE_TRANSITIONS, Quote, QuoteLine, QuoteVersion

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


NOT_EDITABLE = _("Only a draft quote can be changed. Revise it to make a new version.")
NOT_DELETABLE = _("Only a draft quote can be deleted. Cancel or archive it instead.")


# --- lines and totals (sales.common.lines) ------------------------------------------------


def _header(quote: Quote) -> DocumentHeader:
    return DocumentHeader(discount_type=quote.discount_type,
                          discount_value=quote.discount_value,
                          shipping_cost=quote.shipping_cost, currency=quote.currency,
                          probability=quote.probability)


def _build_lines(quote: Quote, rows: list[dict], *, settings) -> list[QuoteLine]:
    """Unsaved, validated quote lines priced for the quote's customer (none for a lead),
    date, price list and promotion code (sales.common.lines)."""
    return document_lines_price(firm=quote.firm, line_model=QuoteLine, customer=quote.customer,
                                date=quote.quote_date, price_list=quote.price_list,
                                promo_code=quote.promo_code, rows=rows, settings=settings)


def _approval_reasons(quote: Quote, lines: list[QuoteLine], *, settings) -> list[dict]:
    """Why the quote must be approved before it is sent (business-rules §5), or [] if it need
    not."""
    return document_approval_reasons(header=_header(quote), lines=lines, total=quote.total,
                                     approval=settings.quotes, settings=settings)


def _apply_totals(quote: Quote, lines: list[QuoteLine], *, settings) -> DocumentTotals:
    """Price the quote with the firm's settings: enforce discount limits, write every total
    on the quote and its lines, and note margin warnings and the need for approval."""
    pricing = document_totals_apply(header=_header(quote), lines=lines, settings=settings)
    for name, value in pricing.amounts.items():
        setattr(quote, name, value)
    quote.weighted_value = pricing.totals.weighted_value
    quote.warnings = pricing.warnings
    quote.approval_reasons = _approval_reasons(quote, lines, settings=settings)
    quote.needs_approval = bool(quote.approval_reasons)
    return pricing.totals


def quote_totals(*, quote: Quote) -> DocumentTotals:
    """The quote's totals as they would be computed now (`POST /quotes/:id/calculate`);
    nothing is saved."""
    return document_totals_calculate(header=_header(quote), lines=list(quote.lines.all()),
                                     settings=settings_read(firm=quote.firm))


def quote_preview(*, firm: Firm, quote: Quote | None = None, lines: list[dict] | None = None,
                  **changes: Any) -> tuple[Quote, list[QuoteLine], DocumentTotals]:
    """The quote (a stored one with `changes`, or a new one) priced exactly as saving it would
    price it — resolver, discount limits, totals, warnings, approval — with nothing saved.
    Given `lines` replace the stored ones. Used by `POST /quotes/:id/calculate` and the form's
    live pricing."""
    document_fields_refuse_unknown(fields=changes, allowed=QUOTE_FIELDS)
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




def _check_references(quote: Quote) -> None:
    same_firm(quote.firm_id, **{name: getattr(quote, name) for name in QUOTE_FOREIGN_KEYS})
    if quote.customer_id is None and quote.lead_id is None:
        raise ValidationError({"customer": _("A quote is for a customer or a lead.")})


# --- create and edit ----------------------------------------------------------------------




@transaction.atomic
def quote_create(*, firm: Firm, actor: User | None, lines: list[dict] | None = None,
                 **fields: Any) -> Quote:
    """A numbered draft quote (QT-YYYY-NNNN) priced by the totals engine.

    Left out, the owner is the actor, validity follows `quotes.defaultValidityDays`, the
    probability is the lead's, contact details the customer's or lead's, currency and terms
    the firm's defaults. Discounts above the limits are refused (`discount_above_limit`);
    margin warnings are kept on the quote (`warnings`).
    """
    document_fields_refuse_unknown(fields=fields, allowed=QUOTE_FIELDS)
    settings = settings_read(firm=firm)
    quote = Quote(firm=firm, created_by=actor, updated_by=actor, **fields)
    _check_references(quote)
    if quote.owner_id is None and actor is not None and actor.firm_id == firm.pk:
        quote.owner = actor
    if quote.sales_person_id is None:
        quote.sales_person = user_sales_person(quote.owner)
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
    document_create_save(document=quote, lines=built, document_type=DocumentType.QUOTE,
                         actor=actor)
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
    document_fields_refuse_unknown(fields=changes, allowed=QUOTE_FIELDS)
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    draft_required(locked, code=SalesErrorCode.QUOTE_NOT_EDITABLE, message=NOT_EDITABLE)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_references(locked)
    settings = settings_read(firm=locked.firm)
    built = (_build_lines(locked, lines, settings=settings) if lines is not None
             else list(locked.lines.all()))
    _apply_totals(locked, built, settings=settings)
    document_update_save(document=locked, lines=built, replace=lines is not None,
                         changes=changes, actor=actor, reason=reason)
    return locked


@transaction.atomic
def quote_delete(*, quote: Quote, actor: User | None) -> None:
    """Delete a draft quote with its lines (history keeps who deleted it); 409 otherwise."""
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    draft_required(locked, code=SalesErrorCode.QUOTE_NOT_DELETABLE, message=NOT_DELETABLE)
    locked._history_user = actor
    locked._change_reason = "deleted"
    locked.delete()


# --- state machine ------------------------------------------------------------------------

# The customer may act on these (any other status is shown without buttons); sending one
# again e-mails it without a move.
OPEN_TO_CUSTOMER = (QuoteStatus.SENT, QuoteStatus.VIEWED)
# The actions (sales.quotes.actions) offered when the state machine allows the move to this
# status. Each is that one move, except revise, which goes on to the next version's draft.
QUOTE_ACTION_TARGETS = {
    "submit": QuoteStatus.PENDING_APPROVAL, "approve": QuoteStatus.APPROVED,
    "mark_sent": QuoteStatus.SENT, "mark_viewed": QuoteStatus.VIEWED,
    "accept": QuoteStatus.ACCEPTED, "reject": QuoteStatus.REJECTED,
    "expire": QuoteStatus.EXPIRED, "revise": QuoteStatus.REVISED,
    "archive": QuoteStatus.ARCHIVED, "redraft": QuoteStatus.DRAFT,
    "cancel": QuoteStatus.CANCELLED,
}


def quote_allowed_targets(*, quote: Quote) -> list[str]:
    return sorted(set(transition_targets(quote).values()))


def quote_available_actions(*, document: Quote, user: User | None = None) -> list[str]:
    """The quote's actions possible now (sales.quotes.actions declares them; the kit adds the
    permission): each move the state machine allows, approve for the quote's approvers only,
    and send (the e-mail) while the quote may go out or is out already."""
    quote, allowed = document, quote_allowed_targets(quote=document)
    actions = [name for name, target in QUOTE_ACTION_TARGETS.items() if target in allowed]
    if "approve" in actions:
        try:
            _approver_check(quote, actor=user, settings=settings_read(firm=quote.firm))
        except ApplicationError:
            actions.remove("approve")
    if QuoteStatus.SENT in allowed or quote.status in OPEN_TO_CUSTOMER:
        actions.append("send")
    return actions


def _approver_check(quote: Quote, *, actor: User | None, settings) -> None:
    """403 unless `actor` is one of the quote's approvers (architecture §6)."""
    document_approver_check(
        document=quote, actor=actor, total_approvers=settings.quotes.approvers,
        discount_approvers=settings.discounts.discount_approvers,
        message=_("You are not one of the approvers of this quote."))


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
    """Move the quote to `target` status with business-rules §5's rules and side effects.

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
        _approver_check(current, actor=actor, settings=settings)
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
    record_save(quote, actor=actor, reason=f"version {quote.version}")
    document_lines_save(document=quote, lines=lines, replace=False)
    return quote


def _lead_won(quote: Quote, *, actor: User | None) -> None:
    """An accepted quote wins its lead (business-rules §5): the lead moves to won through the
    statuses it needs on the way, and the quote takes the customer that winning makes."""
    if quote.lead_id is None:
        return
    lead = lead_win(lead=quote.lead, actor=actor, reason=f"Quote {quote.number} accepted")
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
    """A new version of a sent, viewed, rejected or expired quote (business-rules §5).

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
