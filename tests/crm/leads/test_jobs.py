"""The stale-lead command and its periodic task."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.choices import Role
from crm import services, tasks
from crm.models import Lead, Notification
from tests.crm.leads.stale import idle_lead, stale_state
from tests.factories import make_user

DAY = datetime.timedelta(days=1)


@pytest.mark.django_db
class TestCommandAndTask:
    def test_management_command(self, firm, seller):
        idle_lead(firm, "new", name="Old", created=timezone.now() - 4 * DAY, assigned_to=seller)
        idle_lead(firm, "new", name="Fresh", assigned_to=seller)
        out = StringIO()
        call_command("detect_stale_leads", stdout=out)
        assert out.getvalue() == "1 lead(s) flagged stale.\n"
        assert list(Lead.objects.filter(is_stale=True).values_list("first_name", flat=True)) == [
            "Old"]
        out = StringIO()
        call_command("detect_stale_leads", stdout=out)
        assert out.getvalue() == "0 lead(s) flagged stale.\n"
        assert Notification.objects.filter(type="stale_lead").count() == 1

    def test_celery_task_eager_twice(self, firm, seller, settings):
        assert settings.CELERY_TASK_ALWAYS_EAGER
        lead = idle_lead(firm, "contacted", name="Old", contact=timezone.now() - 8 * DAY,
                       assigned_to=seller)
        tasks.leads_detect_stale.delay()
        tasks.leads_detect_stale.delay()
        assert stale_state(lead)[0] is True
        assert Notification.objects.filter(type="stale_lead", entity_id=lead.pk).count() == 1

    def test_notice_is_emailed_after_commit_once_and_only_to_who_opted_in(
            self, firm, seller, now, mailoutbox, django_capture_on_commit_callbacks):
        quiet = make_user(firm=firm, role=Role.SALES_PERSON, username="quiet",
                          email="quiet@example.com", email_notifications=False)
        idle_lead(firm, "new", name="Loud", created=now - 4 * DAY, assigned_to=seller)
        idle_lead(firm, "new", name="Quiet", created=now - 4 * DAY, assigned_to=quiet)
        with django_capture_on_commit_callbacks(execute=True):
            services.leads_flag_stale(now=now)
            assert mailoutbox == []  # nothing before the commit
        [message] = mailoutbox
        assert message.to == ["seller@example.com"]
        assert message.subject == "Stale lead"
        assert "Loud has not been contacted for 3 days." in message.body
        assert "Loud لم يتم التواصل معه منذ 3 يوم" in message.body
        with django_capture_on_commit_callbacks(execute=True):
            services.leads_flag_stale(now=now)
        notice = Notification.objects.get(user=seller, type="stale_lead")
        assert notice.emailed_at is not None
        tasks.notification_email.delay(notice.pk)  # the e-mail task run a second time
        assert len(mailoutbox) == 1
        assert Notification.objects.get(user=quiet, type="stale_lead").emailed_at is None
