"""The daily quote job (business-rules §5): expire sent/viewed quotes past validUntil, remind
`quotes.reminderDaysBefore` days before. Both are idempotent: run twice, effect once.

`today` is the date the caller decides (tests, `manage.py expire_quotes --date`); when None,
each firm's own today (firms may be in different time zones).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidTransition
from core.models import Firm
from core.services import document_event_record, firm_today, settings_read
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from sales.quotes.services.quotes import quote_transition
from sales.quotes.services.sending import (
    OPEN_TO_CUSTOMER,
    quote_email_later,
    quote_language,
    quote_owner_notify,
    quote_public_url,
    quote_recipients,
)


@dataclass
class JobResult:
    expired: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)


def _firms_with_open_quotes() -> list[Firm]:
    firm_ids = Quote.objects.filter(status__in=OPEN_TO_CUSTOMER).values("firm_id")
    return list(Firm.objects.filter(pk__in=firm_ids, is_active=True).order_by("pk"))


def quotes_expire(*, today: datetime.date | None = None) -> list[int]:
    """Sent and viewed quotes whose valid_until is before today become expired (an event on
    their timeline, the owner told); the ids expired by this run, in id order."""
    expired: list[int] = []
    for firm in _firms_with_open_quotes():
        day = today or firm_today(firm=firm)
        due = (Quote.objects.filter(firm=firm, status__in=OPEN_TO_CUSTOMER,
                                    valid_until__lt=day)
               .order_by("pk").values_list("pk", flat=True))
        for quote_id in due:
            if _expire_one(quote_id, day):
                expired.append(quote_id)
    return expired


@transaction.atomic
def _expire_one(quote_id: int, day: datetime.date) -> bool:
    # One transaction per quote: a quote the customer accepts meanwhile is skipped, and one
    # failure does not undo the others.
    quote = Quote.objects.select_for_update().get(pk=quote_id)
    if quote.status not in OPEN_TO_CUSTOMER or quote.valid_until is None \
            or quote.valid_until >= day:
        return False
    try:
        expired = quote_transition(quote=quote, target=QuoteStatus.EXPIRED, actor=None,
                                   reason=f"Valid until {quote.valid_until.isoformat()}")
    except InvalidTransition:
        return False
    quote_owner_notify(quote=Quote.objects.select_related("owner", "customer", "lead")
                       .get(pk=expired.pk), kind="expired")
    return True


def quotes_remind(*, today: datetime.date | None = None) -> list[int]:
    """Once per quote, when the firm sends reminders (quotes.sendReminderBeforeExpiry): a
    sent/viewed quote whose valid_until is within reminderDaysBefore days from today gets
    a notice to its owner and an e-mail to the customer. A missed day is caught up the next;
    `reminder_sent_at` makes it once. The ids reminded by this run."""
    reminded: list[int] = []
    for firm in _firms_with_open_quotes():
        quotes_settings = settings_read(firm=firm).quotes
        if not quotes_settings.send_reminder_before_expiry:
            continue
        day = today or firm_today(firm=firm)
        last = day + datetime.timedelta(days=quotes_settings.reminder_days_before)
        due = (Quote.objects.filter(firm=firm, status__in=OPEN_TO_CUSTOMER,
                                    reminder_sent_at__isnull=True,
                                    valid_until__gte=day, valid_until__lte=last)
               .order_by("pk").values_list("pk", flat=True))
        for quote_id in due:
            if _remind_one(quote_id):
                reminded.append(quote_id)
    return reminded


@transaction.atomic
def _remind_one(quote_id: int) -> bool:
    # The claim is the update: of two runs at once only one sets reminder_sent_at.
    claimed = Quote.objects.filter(pk=quote_id, reminder_sent_at__isnull=True,
                                   status__in=OPEN_TO_CUSTOMER
                                   ).update(reminder_sent_at=timezone.now())
    if not claimed:
        return False
    quote = Quote.objects.select_related("firm", "owner", "customer", "lead").get(pk=quote_id)
    quote_owner_notify(quote=quote, kind="reminder")
    try:
        recipients = quote_recipients(quote, None)
    except ValidationError:
        recipients = []  # the owner's notice is the reminder then
    document_event_record(instance=quote, action="reminded", actor=None, details={
        "valid_until": quote.valid_until.isoformat(), "to": recipients})
    if recipients:
        language = quote_language(quote=quote)
        link = quote_public_url(quote=quote, language=language)
        # Without a known site address (settings.SITE_URL) a relative link would be of no
        # use in an e-mail: the PDF attached is the reminder then.
        transaction.on_commit(lambda: quote_email_later(
            quote_id=quote.pk, to=recipients, message="", language=language,
            link=link if link.startswith("http") else "", kind="reminder"))
    return True


def quotes_expire_and_remind(*, today: datetime.date | None = None) -> JobResult:
    """The daily job: expire first, so a quote past its date is not reminded."""
    return JobResult(expired=quotes_expire(today=today), reminded=quotes_remind(today=today))
