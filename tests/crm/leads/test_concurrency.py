"""Stale-lead runs racing each other."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.choices import Role
from crm import services
from crm.models import Notification
from tests.concurrency import race
from tests.crm.leads.stale import THRESHOLDS, idle_lead
from tests.factories import FirmFactory, make_user

DAY = datetime.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_notify_each_lead_once(mailoutbox):
    firm = FirmFactory(slug="stale-race")
    seller = make_user(firm=firm, role=Role.SALES_PERSON, username="racer",
                       email="racer@example.com", email_notifications=True)
    now = timezone.now()
    leads = [idle_lead(firm, status, name=f"L{i}", created=now - 30 * DAY, assigned_to=seller)
             for i, status in enumerate(list(THRESHOLDS) * 8)]
    Notification.objects.all().delete()  # the "assigned to you" notices of the setup
    mail.outbox.clear()
    results, errors = race(2, lambda _index: services.leads_flag_stale(now=now))
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
