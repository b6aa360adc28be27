"""Notification staff pages."""

import pytest
from django.urls import reverse

from core.choices import Role
from crm.models import (
    Notification,
)
from tests.crm.factories import (
    make_notification,
)

# --- notifications ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestNotifications:
    def test_own_notifications_unread_first(self, client, users, firm):
        user = users[Role.SALES_PERSON]
        read = make_notification(user, title="Old news")
        Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T10:00:00+03:00")
        unread = make_notification(user, title="Fresh", title_ar="جديد")
        make_notification(users[Role.FINANCE], title="Not yours")
        client.force_login(user)
        response = client.get(reverse("crm:notification_list"))
        assert [row["object"] for row in response.context["notifications"]] == [unread, read]
        assert response.context["unread_count"] == 1
        assert "Not yours" not in response.content.decode()
        response = client.get(reverse("crm:notification_list"), HTTP_ACCEPT_LANGUAGE="ar")
        assert response.context["notifications"][0]["title"] == "جديد"

    def test_mark_read_and_mark_all_read(self, client, users, firm):
        user = users[Role.WAREHOUSE]
        first, second, third = (make_notification(user) for _ in range(3))
        foreign = make_notification(users[Role.FINANCE])
        client.force_login(user)
        response = client.post(reverse("crm:notification_mark_read"),
                               {"ids": [first.pk, foreign.pk]})
        assert response.status_code == 302
        assert set(Notification.objects.filter(read_at__isnull=False).values_list(
            "pk", flat=True)) == {first.pk}
        client.post(reverse("crm:notification_mark_all_read"))
        assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 0
        foreign.refresh_from_db()
        assert foreign.read_at is None
        assert client.get(reverse("crm:notification_mark_read")).status_code == 405
        assert {second.pk, third.pk} <= set(Notification.objects.filter(
            user=user, read_at__isnull=False).values_list("pk", flat=True))

    def test_the_bell_counts_and_the_page_needs_a_login(self, client, users):
        user = users[Role.FINANCE]
        make_notification(user)
        client.force_login(user)
        assert client.get(reverse("crm:notification_list")).context[
            "unread_notifications"] == 1
        client.logout()
        response = client.get(reverse("crm:notification_list"))
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("login"))
