from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from core.choices import Role
from core.models import Firm, User
from core.money import round_money, round_rate, to_decimal
from core.tasks import sessions_clear_expired


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_logins():
    first, second = StringIO(), StringIO()
    call_command("seed_demo", "--force", stdout=first)
    call_command("seed_demo", "--force", stdout=second)
    assert Firm.objects.filter(slug="demo").count() == 1
    demo_users = User.objects.filter(firm__slug="demo")
    assert sorted(demo_users.values_list("role", flat=True)) == sorted(Role.values)
    for user in demo_users:
        assert user.check_password(settings.DEMO_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [user.role]
    assert "admin" in first.getvalue() and settings.DEMO_PASSWORD in first.getvalue()
    assert first.getvalue() == second.getvalue()


@pytest.mark.django_db
def test_seed_demo_refuses_production_and_spares_real_users(firm):
    from django.core.management.base import CommandError

    from tests.factories import PASSWORD, make_user

    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    real = make_user(firm=firm, role=Role.FINANCE, username="admin")
    call_command("seed_demo", "--force", stdout=StringIO(), stderr=StringIO())
    real.refresh_from_db()
    assert (real.firm_id, real.role) == (firm.pk, Role.FINANCE)
    assert real.check_password(PASSWORD)


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.django_db
def test_clear_sessions_task_is_idempotent():
    Session.objects.create(session_key="old", session_data="x",
                           expire_date=timezone.now() - timezone.timedelta(days=1))
    Session.objects.create(session_key="new", session_data="x",
                           expire_date=timezone.now() + timezone.timedelta(days=1))
    sessions_clear_expired.delay()
    sessions_clear_expired.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.parametrize(("value", "currency", "expected"), [
    ("0.005", "SAR", "0.01"),
    ("2.675", "SAR", "2.68"),
    ("-2.675", "SAR", "-2.68"),
    ("1444.8", "SAR", "1444.80"),
    ("0.0005", "KWD", "0.001"),
    (10, "SAR", "10.00"),
])
def test_round_money_half_up(value, currency, expected):
    assert round_money(value, currency=currency) == Decimal(expected)
    assert str(round_money(value, currency=currency)) == expected


def test_round_rate_and_float_input():
    assert round_rate("33.33335") == Decimal("33.3334")
    assert to_decimal(0.1) == Decimal("0.1")
    assert round_money(to_decimal(2.675)) == Decimal("2.68")  # str() keeps 2.675 exact


@pytest.mark.django_db
def test_sync_periodic_tasks_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    call_command("sync_periodic_tasks", stdout=StringIO())
    call_command("sync_periodic_tasks", stdout=StringIO())
    synced = PeriodicTask.objects.filter(name__in=settings.CELERY_BEAT_SCHEDULE)
    assert {task.name: task.task for task in synced} == {
        name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
