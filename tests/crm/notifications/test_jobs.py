"""The notification e-mail task: once per notification, only to those still opted in."""

import pytest

from core.choices import Role
from crm import tasks
from crm.models import Notification
from tests.crm.notifications.notices import send
from tests.factories import make_user


@pytest.mark.django_db
class TestSend:

    def test_not_emailed_without_opt_in_or_address(self, firm, mailoutbox,
                                                   django_capture_on_commit_callbacks):
        quiet = make_user(firm=firm, role=Role.SALES_PERSON, username="quiet",
                          email="quiet@example.com", email_notifications=False)
        nowhere = make_user(firm=firm, role=Role.SALES_PERSON, username="nowhere", email="",
                            email_notifications=True)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notices = [send(quiet), send(nowhere)]
        assert callbacks == []
        for notice in notices:
            tasks.notification_email.delay(notice.pk)  # even when asked directly
        assert mailoutbox == []
        assert Notification.objects.filter(emailed_at__isnull=False).count() == 0
        assert Notification.objects.count() == 2

    def test_task_twice_emails_once(self, reader, mailoutbox):
        notice = send(reader)  # the on-commit e-mail never runs in this test's transaction
        tasks.notification_email.delay(notice.pk)
        tasks.notification_email.delay(notice.pk)
        assert len(mailoutbox) == 1

    def test_opted_out_after_queueing(self, reader, mailoutbox):
        notice = send(reader)
        reader.email_notifications = False
        reader.save()
        tasks.notification_email.delay(notice.pk)
        assert mailoutbox == []
        assert Notification.objects.get(pk=notice.pk).emailed_at is None

    def test_failed_send_can_be_retried(self, reader, mailoutbox, monkeypatch):
        notice = send(reader)

        def broken(**kwargs):
            raise ConnectionError("SMTP down")

        monkeypatch.setattr("crm.services.notifications.send_mail", broken)
        with pytest.raises(ConnectionError):
            tasks.notification_email.delay(notice.pk)
        assert Notification.objects.get(pk=notice.pk).emailed_at is None
        monkeypatch.undo()
        tasks.notification_email.delay(notice.pk)
        assert len(mailoutbox) == 1
        assert Notification.objects.get(pk=notice.pk).emailed_at is not None

    def test_missing_notification_is_skipped(self, mailoutbox):
        tasks.notification_email.delay(999_999)
        assert mailoutbox == []
