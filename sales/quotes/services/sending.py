"""Sending quotes and the customer's public link (business-rules §5).

The link is `/q/<signed>/`: django.core.signing over the quote's random public token (never
its id), the language the customer was written to in, and the last day the link works
(valid until + LINK_GRACE_DAYS, so a customer can still see an expired quote for a while).
A bad, tampered or outdated value is QuoteLinkInvalid, which pages turn into a 404.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.pdf import format_amount
from core.services import document_event_record, firm_today, settings_read
from crm.choices import ActivityEntity, ActivityType, NotificationType
from crm.services.activities import activity_log
from crm.services.notifications import notification_send
from sales.quotes.choices import QuoteStatus
from sales.quotes.documents import quote_pdf
from sales.quotes.models import Quote
from sales.quotes.services.quotes import OPEN_TO_CUSTOMER, quote_transition

SALT = "sales.quote.public-link"
# How long after valid_until the link still opens (showing the quote as expired).
LINK_GRACE_DAYS = 30
# A follow-up task three days after sending.
FOLLOW_UP_DAYS = 3
# Statuses whose content the customer may see; a quote being revised or not yet sent shows
# its status only (the draft of a next version is not the customer's to read yet).
SHOWN_TO_CUSTOMER = (QuoteStatus.SENT, QuoteStatus.VIEWED, QuoteStatus.ACCEPTED,
                     QuoteStatus.REJECTED, QuoteStatus.EXPIRED, QuoteStatus.CONVERTED)
EMAIL_LANGUAGES = ("en", "ar", "both")
REASON_MAX_LENGTH = 2000


class QuoteLinkInvalid(Exception):
    """A public link that is malformed, tampered with, past its last day or of no quote."""


@dataclass(frozen=True)
class PublicLink:
    quote: Quote
    language: str  # "en", "ar" or "both": what the customer was written in


# --- the signed link ----------------------------------------------------------------------


def _link_last_day(quote: Quote) -> datetime.date:
    valid_until = quote.valid_until or quote.quote_date + datetime.timedelta(days=365)
    return valid_until + datetime.timedelta(days=LINK_GRACE_DAYS)


def quote_public_value(*, quote: Quote, language: str) -> str:
    """The signed part of the quote's public link, good until valid_until + the grace."""
    payload = {"t": quote.public_token, "l": language,
               "e": _link_last_day(quote).isoformat()}
    return signing.dumps(payload, salt=SALT, compress=True)


def _base_url(origin: Any) -> str:
    """Scheme and host for absolute links: the caller's (a string, or a dict with
    `base_url`, e.g. request.build_absolute_uri("/")), else settings.SITE_URL, else none."""
    if isinstance(origin, dict):
        origin = origin.get("base_url")
    return (origin or getattr(django_settings, "SITE_URL", "") or "").rstrip("/")


def quote_public_url(*, quote: Quote, language: str, origin: Any = None) -> str:
    """The customer's link to the quote (absolute when a base URL is known)."""
    path = reverse("sales_public:quote_detail",
                   kwargs={"signed": quote_public_value(quote=quote, language=language)})
    return f"{_base_url(origin)}{path}"


def quote_public_resolve(*, signed: str) -> PublicLink:
    """The quote a public link points at, or QuoteLinkInvalid. Reads only."""
    try:
        payload = signing.loads(signed, salt=SALT)
        token, language = str(payload["t"]), str(payload["l"])
        last_day = datetime.date.fromisoformat(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise QuoteLinkInvalid from error
    quote = (Quote.objects.select_related("firm", "customer", "lead", "owner")
             .filter(public_token=token, firm__is_active=True).first())
    if quote is None or firm_today(firm=quote.firm) > last_day:
        raise QuoteLinkInvalid
    return PublicLink(quote=quote, language=language if language in EMAIL_LANGUAGES else "en")


# --- sending ------------------------------------------------------------------------------


def quote_recipients(quote: Quote, to: list[str] | None) -> list[str]:
    recipients = [address.strip() for address in (to or []) if address and address.strip()]
    if not recipients:
        fallback = quote.contact_email or (quote.customer.email if quote.customer else "") or (
            quote.lead.email if quote.lead else "")
        recipients = [fallback] if fallback else []
    if not recipients:
        raise ValidationError({"to": _("The quote has no e-mail address to send it to.")})
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError({"to": _("%(address)s is not an e-mail address.") % {
                "address": address}}) from error
    return list(dict.fromkeys(recipients))


def quote_language(*, quote: Quote, language: str | None = None) -> str:
    """The language a customer gets the quote in: the one asked for, else the firm's
    documents.defaultLanguage ("en", "ar" or "both"). Customers have no language of their
    own yet; the link remembers what they were written in."""
    if language:
        if language not in EMAIL_LANGUAGES:
            raise ValidationError({"language": _("Choose en, ar or both.")})
        return language
    return settings_read(firm=quote.firm).documents.default_language


@transaction.atomic
def quote_send(*, quote: Quote, actor, to: list[str] | None = None, message: str = "",
               language: str | None = None, origin: Any = None) -> Quote:
    """Send the quote to the customer (or the lead's contact): draft/approved → sent
    through quote_transition (a quote needing approval is refused, 409), an e-mail in their
    language with the PDF and the signed public link after commit, an `emailed` event and a
    follow-up task FOLLOW_UP_DAYS later. A sent or viewed quote is e-mailed again without a
    transition or a second follow-up. Nothing happens when the input is refused or the PDF
    cannot be drawn; the e-mail task retries when the mail server fails."""
    # Locked first: a racing send or view must not make this one e-mail a quote it no
    # longer may, nor log a second follow-up.
    current = Quote.objects.select_for_update().get(pk=quote.pk)
    recipients = quote_recipients(current, to)
    language = quote_language(quote=current, language=language)
    again = current.status in OPEN_TO_CUSTOMER
    # Drawn before anything changes: a quote whose PDF cannot be drawn is not marked sent
    # with no e-mail to follow (the e-mail draws it again, from the committed quote).
    quote_pdf(quote=current, language=language)
    sent = current if again else quote_transition(
        quote=current, target=QuoteStatus.SENT, actor=actor,
        reason=f"Sent to {', '.join(recipients)}")
    link = quote_public_url(quote=sent, language=language, origin=origin)
    document_event_record(instance=sent, action="emailed", actor=actor, details={
        "to": recipients, "language": language, "again": again})
    if not again:
        today = firm_today(firm=sent.firm)
        activity_log(
            firm=sent.firm, actor=actor, type=ActivityType.TASK,
            entity_type=ActivityEntity.QUOTE, entity_id=sent.pk,
            subject=f"Follow up on quote {sent.number}"[:200],
            notes=f"Sent to {', '.join(recipients)} on {today.isoformat()}.",
            due_date=today + datetime.timedelta(days=FOLLOW_UP_DAYS))
    quote_id = sent.pk
    transaction.on_commit(lambda: quote_email_later(
        quote_id=quote_id, to=recipients, message=message, language=language, link=link,
        kind="sent"))
    return sent


def quote_email_later(**kwargs: Any) -> None:
    from sales.tasks import quote_email_send

    quote_email_send.delay(**kwargs)


def _subject(quote: Quote, kind: str, language: str) -> str:
    firm_name = quote.firm.name
    firm_name_ar = quote.firm.name_ar or firm_name
    if kind == "reminder":
        en = f"Reminder: quotation {quote.number} from {firm_name} is valid until " \
             f"{quote.valid_until.isoformat()}"
        ar = f"تذكير: عرض السعر {quote.number} من {firm_name_ar} صالح حتى " \
             f"{quote.valid_until.isoformat()}"
    else:
        en = f"Quotation {quote.number} from {firm_name}"
        ar = f"عرض سعر رقم {quote.number} من {firm_name_ar}"
    return {"en": en, "ar": ar}.get(language, f"{ar} | {en}")


def quote_email_deliver(*, quote: Quote, to: list[str], message: str, language: str,
                        link: str, kind: str = "sent") -> None:
    """Write and send the customer's e-mail (kind "sent" or "reminder") with the PDF."""
    quote = Quote.objects.select_related("firm", "customer", "lead", "owner").get(pk=quote.pk)
    context = {"quote": quote, "message": message, "link": link, "kind": kind,
               "total": format_amount(quote.total, currency=quote.currency),
               "customer_name": _customer_name(quote, "en"),
               "customer_name_ar": _customer_name(quote, "ar"),
               "firm_name_ar": quote.firm.name_ar or quote.firm.name}
    parts = {code: render_to_string(f"emails/sales/quote_{kind}.{code}.txt", context).strip()
             for code in ("ar", "en") if language in (code, "both")}
    body = "\n\n— — —\n\n".join(parts.values())
    owner = quote.owner
    email = EmailMessage(subject=_subject(quote, kind, language), body=body, to=to,
                         reply_to=[owner.email] if owner is not None and owner.email else None)
    email.attach(f"{quote.number}.pdf", quote_pdf(quote=quote, language=language),
                 "application/pdf")
    email.send()


def _customer_name(quote: Quote, language: str) -> str:
    if quote.contact_name:
        return quote.contact_name
    if quote.customer is not None:
        return (quote.customer.name_ar if language == "ar" else "") or quote.customer.name
    return quote.lead.display_name if quote.lead is not None else ""


# --- what the customer does through the link ---------------------------------------------

# What the owner is told (English, Arabic) when the customer acts or time passes.
_OWNER_NOTICES = {
    "viewed": ("Quote {number} viewed", "تم فتح عرض السعر {number}",
               "{customer} opened quote {number}.", "فتح {customer} عرض السعر {number}."),
    "accepted": ("Quote {number} accepted", "تم قبول عرض السعر {number}",
                 "{customer} accepted quote {number}.", "قبل {customer} عرض السعر {number}."),
    "rejected": ("Quote {number} rejected", "تم رفض عرض السعر {number}",
                 "{customer} rejected quote {number}: {reason}",
                 "رفض {customer} عرض السعر {number}: {reason}"),
    "expired": ("Quote {number} expired", "انتهت صلاحية عرض السعر {number}",
                "Quote {number} for {customer} expired on {day}.",
                "انتهت صلاحية عرض السعر {number} المقدم إلى {customer} في {day}."),
    "reminder": ("Quote {number} expires soon", "عرض السعر {number} ينتهي قريبًا",
                 "Quote {number} for {customer} is valid until {day}.",
                 "عرض السعر {number} المقدم إلى {customer} صالح حتى {day}."),
}


def quote_owner_notify(*, quote: Quote, kind: str, reason: str = "") -> None:
    """Tell the quote's owner (in both languages) what happened; nobody when unowned."""
    if quote.owner is None:
        return
    title, title_ar, text, text_ar = _OWNER_NOTICES[kind]
    values = {"number": quote.number, "reason": reason or "—",
              "day": quote.valid_until.isoformat() if quote.valid_until else "",
              "customer": _customer_name(quote, "en")}
    values_ar = {**values, "customer": _customer_name(quote, "ar")}
    notification_send(user=quote.owner, type=NotificationType.GENERAL,
                      title=title.format(**values)[:200],
                      title_ar=title_ar.format(**values_ar)[:200],
                      message=text.format(**values), message_ar=text_ar.format(**values_ar),
                      entity_type=ActivityEntity.QUOTE, entity_id=quote.pk)


def quote_past_validity(*, quote: Quote) -> bool:
    """True once the firm's today is after valid_until (before the daily job expires it)."""
    return quote.valid_until is not None and firm_today(firm=quote.firm) > quote.valid_until


@transaction.atomic
def quote_public_view(*, signed: str) -> Quote:
    """The customer opened the link: sent → viewed the first time (the owner is told once);
    any later opening, or a quote in another status, changes nothing."""
    quote = quote_public_resolve(signed=signed).quote
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    if locked.status != QuoteStatus.SENT:
        return quote
    viewed = quote_transition(quote=locked, target=QuoteStatus.VIEWED, actor=None,
                              reason="Opened by the customer")
    viewed.owner = quote.owner
    quote_owner_notify(quote=viewed, kind="viewed")
    return viewed


class QuoteNotOpen(Exception):
    """The customer tried to accept or reject a quote they no longer may (any more)."""

    def __init__(self, quote: Quote) -> None:
        super().__init__(quote.status)
        self.quote = quote


def _customer_decides(signed: str, target: str, reason: str) -> Quote:
    quote = quote_public_resolve(signed=signed).quote
    locked = Quote.objects.select_for_update().get(pk=quote.pk)
    locked.firm = quote.firm
    if locked.status not in OPEN_TO_CUSTOMER or quote_past_validity(quote=locked):
        raise QuoteNotOpen(locked)
    moved = quote_transition(quote=locked, target=target, actor=None, reason=reason)
    moved.owner = quote.owner
    return moved


@transaction.atomic
def quote_public_accept(*, signed: str) -> Quote:
    """The customer accepts: sent/viewed → accepted (the lead becomes won, business-rules §5) and
    the owner is told. Past valid_until, or in another status, it is QuoteNotOpen."""
    accepted = _customer_decides(signed, QuoteStatus.ACCEPTED, "Accepted by the customer")
    quote_owner_notify(quote=accepted, kind="accepted")
    return accepted


@transaction.atomic
def quote_public_reject(*, signed: str, reason: str) -> Quote:
    """The customer rejects with a reason: sent/viewed → rejected and the owner is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell us why you reject the quote.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": ValidationError(
            _("Please keep the reason under %(limit)d characters."),
            params={"limit": REASON_MAX_LENGTH})})
    rejected = _customer_decides(signed, QuoteStatus.REJECTED, reason)
    quote_owner_notify(quote=rejected, kind="rejected", reason=reason[:500])
    return rejected
