"""Stale leads (business-rules §12): thresholds, one notice per episode, the command,
the Celery task and two runs at once on PostgreSQL."""

import datetime
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.choices import Role
from crm import services, tasks
from crm.models import Lead, Notification
from tests.factories import FirmFactory, make_user

# Written out: days without contact after which a lead is stale.
THRESHOLDS = {"new": 3, "contacted": 7, "qualified": 14, "proposal": 7, "negotiation": 5}
NOT_WATCHED = ["won", "lost", "disqualified", "nurturing", "reopened"]
HOUR, DAY = datetime.timedelta(hours=1), datetime.timedelta(days=1)


def lead_in(firm, status, *, name, created=None, contact=None, **fields) -> Lead:
    """A lead in `status`, created and last contacted when given (rows updated directly)."""
    lead = services.lead_create(firm=firm, actor=None, first_name=name, **fields)
    changes = {"status": status, "last_contact_date": contact}
    if created is not None:
        changes["created_at"] = created
    Lead.objects.filter(pk=lead.pk).update(**changes)
    return Lead.objects.get(pk=lead.pk)


def stale_state(lead) -> tuple:
    stored = Lead.objects.get(pk=lead.pk)
    return stored.is_stale, stored.stale_reason, stored.stale_notified_at


@pytest.fixture
def seller(firm):
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller",
                     email="seller@example.com", email_notifications=True)


@pytest.fixture
def now():
    return timezone.now()


@pytest.mark.django_db
class TestThresholds:
    def test_spec_thresholds(self):
        assert dict(services.STALE_THRESHOLDS) == THRESHOLDS

    @pytest.fixture
    def world(self, firm, seller, now):
        """For each watched status: at the threshold and one hour past it, by last contact
        and (never contacted) by creation; plus a lead created long ago but contacted
        recently, and leads in unwatched statuses idle for 100 days."""
        leads = {}
        for status, days in THRESHOLDS.items():
            cutoff = now - days * DAY
            long_ago = now - 100 * DAY
            leads[f"{status}:contact-at"] = lead_in(firm, status, name="a", created=long_ago,
                                                    contact=cutoff, assigned_to=seller)
            leads[f"{status}:contact-past"] = lead_in(firm, status, name="b", created=long_ago,
                                                      contact=cutoff - HOUR,
                                                      assigned_to=seller)
            leads[f"{status}:created-at"] = lead_in(firm, status, name="c", created=cutoff,
                                                    assigned_to=seller)
            leads[f"{status}:created-past"] = lead_in(firm, status, name="d",
                                                      created=cutoff - HOUR,
                                                      assigned_to=seller)
            leads[f"{status}:recent-contact"] = lead_in(firm, status, name="e",
                                                        created=long_ago,
                                                        contact=cutoff + HOUR,
                                                        assigned_to=seller)
        for status in NOT_WATCHED:
            leads[f"{status}:idle"] = lead_in(firm, status, name="f", created=now - 100 * DAY,
                                              contact=now - 100 * DAY, assigned_to=seller)
        return leads

    def test_exactly_the_leads_past_their_threshold(self, world, seller, now):
        flagged = services.leads_flag_stale(now=now)
        expected = {key for key in world if key.endswith("-past")}
        assert len(expected) == 10
        assert sorted(flagged) == sorted(world[key].pk for key in expected)
        for key, lead in world.items():
            if key in expected:
                days = THRESHOLDS[key.split(":")[0]]
                assert stale_state(lead) == (True, f"No contact in {days}+ days", now), key
            else:
                assert stale_state(lead) == (False, "", None), key

    def test_one_notification_per_lead_in_both_languages(self, world, seller, now):
        services.leads_flag_stale(now=now)
        notices = Notification.objects.filter(user=seller, type="stale_lead")
        assert sorted(n.entity_id for n in notices) == sorted(
            world[key].pk for key in world if key.endswith("-past"))
        notice = notices.get(entity_id=world["qualified:created-past"].pk)
        assert (notice.entity_type, notice.firm_id) == ("lead", seller.firm_id)
        assert (notice.title, notice.title_ar) == ("Stale lead", "عميل محتمل متأخر")
        assert notice.message == "d has not been contacted for 14 days."
        assert notice.message_ar == "d لم يتم التواصل معه منذ 14 يوم"

    def test_running_again_flags_and_notifies_nothing_new(self, world, seller, now):
        first = services.leads_flag_stale(now=now)
        assert len(first) == 10
        assert services.leads_flag_stale(now=now) == []
        assert Notification.objects.filter(type="stale_lead").count() == 10
        stored = Lead.objects.get(pk=world["new:created-past"].pk)
        assert stored.stale_notified_at == now


@pytest.mark.django_db
class TestEpisodes:
    def test_activity_clears_and_a_later_episode_notifies_again(self, firm, seller, now):
        lead = lead_in(firm, "new", name="Sara", created=now - 4 * DAY, assigned_to=seller)
        assert services.leads_flag_stale(now=now) == [lead.pk]
        services.activity_log(firm=firm, actor=seller, type="call", entity_type="lead",
                              entity_id=lead.pk, performed_at=now)
        assert stale_state(lead) == (False, "", None)
        # Within three days of the call: not stale again.
        assert services.leads_flag_stale(now=now + 3 * DAY) == []
        later = now + 3 * DAY + HOUR
        assert services.leads_flag_stale(now=later) == [lead.pk]
        assert stale_state(lead) == (True, "No contact in 3+ days", later)
        assert Notification.objects.filter(type="stale_lead", entity_id=lead.pk).count() == 2

    def test_unassigned_lead_is_flagged_without_notice(self, firm, now):
        lead = lead_in(firm, "new", name="Sara", created=now - 4 * DAY)
        assert services.leads_flag_stale(now=now) == [lead.pk]
        assert stale_state(lead)[0] is True
        assert not Notification.objects.exists()

    def test_every_firm_is_checked_and_notified_in_its_own_firm(self, firm, other_firm,
                                                                  seller, now):
        theirs = make_user(firm=other_firm, role=Role.SALES_PERSON, username="theirs")
        lead_in(firm, "new", name="Ours", created=now - 4 * DAY, assigned_to=seller)
        lead_in(other_firm, "new", name="Theirs", created=now - 4 * DAY, assigned_to=theirs)
        assert len(services.leads_flag_stale(now=now)) == 2
        assert {(n.user, n.firm_id) for n in Notification.objects.all()} == {
            (seller, firm.pk), (theirs, other_firm.pk)}


@pytest.mark.django_db
class TestCommandAndTask:
    def test_management_command(self, firm, seller):
        lead_in(firm, "new", name="Old", created=timezone.now() - 4 * DAY, assigned_to=seller)
        lead_in(firm, "new", name="Fresh", assigned_to=seller)
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
        lead = lead_in(firm, "contacted", name="Old", contact=timezone.now() - 8 * DAY,
                       assigned_to=seller)
        tasks.leads_detect_stale.delay()
        tasks.leads_detect_stale.delay()
        assert stale_state(lead)[0] is True
        assert Notification.objects.filter(type="stale_lead", entity_id=lead.pk).count() == 1

    def test_notice_is_emailed_after_commit_once_and_only_to_who_opted_in(
            self, firm, seller, now, mailoutbox, django_capture_on_commit_callbacks):
        quiet = make_user(firm=firm, role=Role.SALES_PERSON, username="quiet",
                          email="quiet@example.com", email_notifications=False)
        lead_in(firm, "new", name="Loud", created=now - 4 * DAY, assigned_to=seller)
        lead_in(firm, "new", name="Quiet", created=now - 4 * DAY, assigned_to=quiet)
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


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_notify_each_lead_once(mailoutbox):
    firm = FirmFactory(slug="stale-race")
    seller = make_user(firm=firm, role=Role.SALES_PERSON, username="racer",
                       email="racer@example.com", email_notifications=True)
    now = timezone.now()
    leads = [lead_in(firm, status, name=f"L{i}", created=now - 30 * DAY, assigned_to=seller)
             for i, status in enumerate(list(THRESHOLDS) * 8)]
    Notification.objects.all().delete()  # the "assigned to you" notices of the setup
    mail.outbox.clear()
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.leads_flag_stale(now=now))
        except BaseException as error:  # reported below; a thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(results) == 2
    first, second = (set(result) for result in results)
    assert not first & second
    assert first | second == {lead.pk for lead in leads}
    notified = list(Notification.objects.filter(type="stale_lead").values_list(
        "entity_id", flat=True))
    assert sorted(notified) == sorted(lead.pk for lead in leads)
    assert len(mailoutbox) == len(leads) == 40
    assert len(mail.outbox) == 40
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    assert {message.subject for message in mail.outbox} == {"Stale lead"}
