"""The daily quote job (business-rules §5): exact expiry, reminders once, idempotent; the Celery
task
and `manage.py expire_quotes` call the same services."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

import sales.receivers  # registers quotes with crm's activities (until SalesConfig.ready)
from core import services as core_services
from core.models import DocumentEvent
from crm.models import Notification
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote
from sales.quotes.services.jobs import quotes_expire, quotes_remind
from sales.tasks import quotes_expire_and_remind
from tests.sales.factories import quote_in

assert sales.receivers

TODAY = datetime.date(2026, 3, 10)


def dated(firm, status, valid_until, **kw) -> Quote:
    quote = quote_in(firm, status, **kw)
    Quote.objects.filter(pk=quote.pk).update(quote_date=valid_until - datetime.timedelta(days=30),
                                             valid_until=valid_until)
    return Quote.objects.get(pk=quote.pk)


def status_of(quote) -> str:
    return Quote.objects.get(pk=quote.pk).status


@pytest.mark.django_db
class TestExpire:
    def test_only_sent_and_viewed_past_valid_until(self, firm, admin_user,
                                                   django_capture_on_commit_callbacks):
        yesterday = TODAY - datetime.timedelta(days=1)
        due_sent = dated(firm, QuoteStatus.SENT, yesterday, owner=admin_user)
        due_viewed = dated(firm, QuoteStatus.VIEWED, TODAY - datetime.timedelta(days=40))
        last_day = dated(firm, QuoteStatus.SENT, TODAY)  # still valid today
        others = {status: dated(firm, status, yesterday) for status in [
            "draft", "pending_approval", "approved", "accepted", "rejected", "revised",
            "archived", "converted", "cancelled", "expired"]}
        with django_capture_on_commit_callbacks(execute=True):
            expired = quotes_expire(today=TODAY)
        assert expired == sorted([due_sent.pk, due_viewed.pk])
        assert status_of(due_sent) == status_of(due_viewed) == QuoteStatus.EXPIRED
        assert Quote.objects.get(pk=due_sent.pk).expired_at is not None
        assert status_of(last_day) == QuoteStatus.SENT
        assert {status: status_of(quote) for status, quote in others.items()} == {
            status: status for status in others}
        event = DocumentEvent.objects.get(object_id=due_sent.pk, firm=firm,
                                          to_status=QuoteStatus.EXPIRED)
        assert (event.from_status, event.actor_id) == (QuoteStatus.SENT, None)
        assert event.reason == f"Valid until {yesterday.isoformat()}"
        [notice] = Notification.objects.filter(user=admin_user, entity_id=due_sent.pk)
        assert notice.title == f"Quote {due_sent.number} expired"

    def test_twice_changes_nothing_more(self, firm):
        quote = dated(firm, QuoteStatus.SENT, TODAY - datetime.timedelta(days=1))
        assert quotes_expire(today=TODAY) == [quote.pk]
        events = DocumentEvent.objects.count()
        assert quotes_expire(today=TODAY) == []
        assert DocumentEvent.objects.count() == events
        assert status_of(quote) == QuoteStatus.EXPIRED

    def test_other_firms_by_their_own_date(self, firm, other_firm):
        ours = dated(firm, QuoteStatus.SENT, TODAY - datetime.timedelta(days=1))
        theirs = dated(other_firm, QuoteStatus.SENT, TODAY)
        assert quotes_expire(today=TODAY) == [ours.pk]
        assert status_of(theirs) == QuoteStatus.SENT

    def test_without_a_date_each_firm_uses_its_today(self, firm):
        today = core_services.firm_today(firm=firm)
        due = dated(firm, QuoteStatus.SENT, today - datetime.timedelta(days=1))
        fine = dated(firm, QuoteStatus.SENT, today)
        assert quotes_expire() == [due.pk]
        assert status_of(fine) == QuoteStatus.SENT


@pytest.mark.django_db
class TestRemind:
    def test_reminded_once_within_the_days_before(self, firm, admin_user,
                                                  django_capture_on_commit_callbacks):
        # Default reminderDaysBefore is 3: valid until TODAY..TODAY+3 is due.
        due = dated(firm, QuoteStatus.SENT, TODAY + datetime.timedelta(days=3),
                    owner=admin_user)
        due_today = dated(firm, QuoteStatus.VIEWED, TODAY)
        early = dated(firm, QuoteStatus.SENT, TODAY + datetime.timedelta(days=4))
        past = dated(firm, QuoteStatus.SENT, TODAY - datetime.timedelta(days=1))
        draft = dated(firm, QuoteStatus.DRAFT, TODAY + datetime.timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            reminded = quotes_remind(today=TODAY)
        assert reminded == sorted([due.pk, due_today.pk])
        for quote in [early, past, draft]:
            assert Quote.objects.get(pk=quote.pk).reminder_sent_at is None
        assert Quote.objects.get(pk=due.pk).reminder_sent_at is not None
        [notice] = Notification.objects.filter(user=admin_user, entity_id=due.pk)
        assert notice.title == f"Quote {due.number} expires soon"
        assert notice.title_ar == f"عرض السعر {due.number} ينتهي قريبًا"
        # In the firm's document language, "both" by default: Arabic | English.
        assert sorted(email.subject.split(" | ")[1] for email in mail.outbox) == sorted(
            f"Reminder: quotation {quote.number} from {firm.name} is valid until "
            f"{quote.valid_until.isoformat()}" for quote in [due, due_today])
        assert sorted(email.to for email in mail.outbox) == sorted(
            [quote.contact_email] for quote in [due, due_today])
        assert all(email.attachments for email in mail.outbox)

        with django_capture_on_commit_callbacks(execute=True):
            assert quotes_remind(today=TODAY) == []
            # The next day only the quote that came within the three days is new.
            assert quotes_remind(today=TODAY + datetime.timedelta(days=1)) == [early.pk]
        assert len(mail.outbox) == 3
        assert Notification.objects.filter(user=admin_user).count() == 1

    def test_the_firms_setting(self, firm, admin_user):
        core_services.settings_update(firm=firm, changes={"quotes": {
            "reminder_days_before": 7}}, actor=admin_user)
        week = dated(firm, QuoteStatus.SENT, TODAY + datetime.timedelta(days=7))
        assert quotes_remind(today=TODAY) == [week.pk]
        core_services.settings_update(firm=firm, changes={"quotes": {
            "send_reminder_before_expiry": False}}, actor=admin_user)
        other = dated(firm, QuoteStatus.SENT, TODAY + datetime.timedelta(days=1))
        assert quotes_remind(today=TODAY) == []
        assert Quote.objects.get(pk=other.pk).reminder_sent_at is None


@pytest.mark.django_db
class TestEntryPoints:
    def test_task_expires_and_reminds_by_each_firms_today(self, firm):
        today = core_services.firm_today(firm=firm)
        due = dated(firm, QuoteStatus.SENT, today - datetime.timedelta(days=1))
        soon = dated(firm, QuoteStatus.SENT, today + datetime.timedelta(days=1))
        assert quotes_expire_and_remind.delay().get() == {"expired": 1, "reminded": 1}
        assert status_of(due) == QuoteStatus.EXPIRED
        assert Quote.objects.get(pk=soon.pk).reminder_sent_at is not None
        assert quotes_expire_and_remind.delay().get() == {"expired": 0, "reminded": 0}

    def test_command(self, firm):
        due = dated(firm, QuoteStatus.VIEWED, TODAY - datetime.timedelta(days=1))
        out = StringIO()
        call_command("expire_quotes", "--date", TODAY.isoformat(), stdout=out)
        assert out.getvalue().strip() == "expired: 1, reminded: 0"
        assert status_of(due) == QuoteStatus.EXPIRED
        with pytest.raises(CommandError):
            call_command("expire_quotes", "--date", "yesterday", stdout=StringIO())

    def test_scheduled_daily(self):
        entry = settings.CELERY_BEAT_SCHEDULE["sales-quotes-expire-and-remind"]
        assert entry["task"] == "sales.tasks.quotes_expire_and_remind"
