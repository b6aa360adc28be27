"""Notifications: stored in both languages, e-mailed after commit to those who opted in,
marked read."""

import pytest
from django.db import transaction

from core.choices import Role
from crm import services
from crm.models import Notification
from tests.crm.notifications.notices import send
from tests.factories import make_user


@pytest.mark.django_db
class TestSend:
    def test_stored_in_both_languages(self, firm, reader):
        notice = send(reader, entity_type="lead", entity_id=7)
        stored = Notification.objects.get(pk=notice.pk)
        assert (stored.firm, stored.user, stored.type) == (firm, reader, "general")
        assert (stored.title, stored.title_ar, stored.message, stored.message_ar) == (
            "Quote approved", "تمت الموافقة", "QT-2026-0001 was approved.",
            "تمت الموافقة على العرض.")
        assert (stored.entity_type, stored.entity_id, stored.read_at, stored.emailed_at) == (
            "lead", 7, None, None)

    def test_emailed_after_commit(self, reader, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            notice = send(reader)
            assert mailoutbox == []
        [message] = mailoutbox
        assert message.to == ["reader@example.com"]
        assert message.subject == "Quote approved"
        assert message.body == ("Quote approved\nQT-2026-0001 was approved.\n\n"
                                "تمت الموافقة\nتمت الموافقة على العرض.")
        assert Notification.objects.get(pk=notice.pk).emailed_at is not None

    def test_arabic_reader_gets_arabic_first(self, firm, mailoutbox,
                                             django_capture_on_commit_callbacks):
        user = make_user(firm=firm, role=Role.SALES_PERSON, username="arabic", language="ar",
                         email="ar@example.com", email_notifications=True)
        with django_capture_on_commit_callbacks(execute=True):
            send(user)
        [message] = mailoutbox
        assert message.subject == "تمت الموافقة"
        assert message.body.startswith("تمت الموافقة\n")

    def test_not_emailed_when_rolled_back(self, reader, mailoutbox,
                                          django_capture_on_commit_callbacks):
        with (django_capture_on_commit_callbacks(execute=True) as callbacks,
              pytest.raises(RuntimeError), transaction.atomic()):
            send(reader)
            raise RuntimeError("the caller failed")
        assert callbacks == []
        assert mailoutbox == []
        assert not Notification.objects.exists()


@pytest.mark.django_db
class TestMarkRead:
    def test_all_or_some_and_only_ones_own(self, firm, reader):
        other = make_user(firm=firm, role=Role.SALES_PERSON, username="other")
        mine = [send(reader) for _ in range(3)]
        theirs = send(other)
        assert services.notifications_mark_read(user=reader, ids=[mine[0].pk, theirs.pk]) == 1
        assert services.notifications_mark_read(user=reader, ids=[mine[0].pk]) == 0
        assert Notification.objects.unread().filter(user=reader).count() == 2
        assert services.notifications_mark_read(user=reader) == 2
        assert Notification.objects.unread().filter(user=reader).count() == 0
        assert Notification.objects.get(pk=theirs.pk).read_at is None

    def test_each_user_sees_only_their_own(self, firm, reader):
        from core.scoping import scope_for

        other = make_user(firm=firm, role=Role.ADMIN, username="boss")
        send(reader)
        send(other)
        assert [n.user for n in scope_for(Notification.objects.all(), user=reader)] == [reader]
        assert [n.user for n in scope_for(Notification.objects.all(), user=other)] == [other]


@pytest.mark.django_db
class TestLeadNotices:
    def test_assignment_notifies_the_new_assignee_not_oneself(self, firm, reader, admin_user):
        lead = services.lead_create(firm=firm, actor=admin_user, first_name="Sara",
                                    assigned_to=reader)
        [notice] = Notification.objects.filter(user=reader)
        assert (notice.type, notice.entity_id) == ("lead_assigned", lead.pk)
        assert notice.title_ar and notice.message_ar
        services.lead_assign(lead=lead, user=admin_user, actor=admin_user)
        assert not Notification.objects.filter(user=admin_user).exists()
        services.lead_assign(lead=lead, user=reader, actor=admin_user)
        assert Notification.objects.filter(user=reader, type="lead_assigned").count() == 2
