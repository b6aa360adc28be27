"""Notifications over the API: only the caller's, read one, read all."""

import pytest

from core.choices import Role
from crm.models import Notification
from tests.conftest import client_for
from tests.contracts.api import assert_camel_keys, assert_error
from tests.crm.factories import make_notification

PATH = "/api/v1/notifications"


@pytest.mark.django_db
class TestNotificationsApi:
    def test_list_is_the_callers_only(self, firm, other_firm, users):
        from tests.factories import make_user

        seller, manager = users[Role.SALES_PERSON], users[Role.SALES_MANAGER]
        first, second = make_notification(seller), make_notification(seller, type="stale_lead")
        make_notification(manager)
        make_notification(make_user(firm=other_firm))
        response = client_for(seller).get(PATH)
        assert response.status_code == 200
        body = response.json()
        assert_camel_keys(body)
        rows = body["data"]["notifications"]
        assert [row["id"] for row in rows] == [second.pk, first.pk]  # newest first
        assert body["data"]["pagination"]["total"] == 2
        assert rows[0]["titleAr"] and rows[0]["isRead"] is False

    def test_another_users_notification_is_not_found(self, firm, users):
        seller, manager = users[Role.SALES_PERSON], users[Role.SALES_MANAGER]
        theirs = make_notification(manager)
        client = client_for(seller)
        assert_error(client.get(f"{PATH}/{theirs.pk}"), 404, "not_found")
        assert_error(client.post(f"{PATH}/{theirs.pk}/read"), 404, "not_found")
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_retrieve_and_read(self, firm, users):
        seller = users[Role.SALES_PERSON]
        notice = make_notification(seller)
        client = client_for(seller)
        assert client.get(f"{PATH}/{notice.pk}").json()["data"]["notification"]["id"] == \
            notice.pk
        response = client.post(f"{PATH}/{notice.pk}/read")
        assert response.status_code == 200, response.content
        assert response.json()["message"] and response.json()["messageAr"]
        answered = response.json()["data"]["notification"]
        assert answered["isRead"] is True and answered["readAt"]
        notice.refresh_from_db()
        read_at = notice.read_at
        assert read_at is not None
        assert client.post(f"{PATH}/{notice.pk}/read").status_code == 200
        notice.refresh_from_db()
        assert notice.read_at == read_at  # reading twice keeps the first time

    def test_read_all_marks_only_the_callers_unread(self, firm, users):
        seller, manager = users[Role.SALES_PERSON], users[Role.SALES_MANAGER]
        unread = [make_notification(seller) for _ in range(3)]
        client = client_for(seller)
        client.post(f"{PATH}/{unread[0].pk}/read")
        theirs = make_notification(manager)
        response = client.post(f"{PATH}/read-all")
        assert response.status_code == 200, response.content
        assert response.json()["data"] == {"count": 2}
        assert response.json()["message"]
        assert not Notification.objects.filter(user=seller, read_at__isnull=True).exists()
        theirs.refresh_from_db()
        assert theirs.read_at is None
        assert client.post(f"{PATH}/read-all").json()["data"] == {"count": 0}

    def test_filters(self, firm, users):
        seller = users[Role.SALES_PERSON]
        read, unread = make_notification(seller), make_notification(seller, type="lead_won")
        client = client_for(seller)
        client.post(f"{PATH}/{read.pk}/read")

        def ids(**params):
            return [row["id"] for row in client.get(PATH, params).json()["data"][
                "notifications"]]

        assert ids(isRead="false") == [unread.pk]
        assert ids(isRead="true") == [read.pk]
        assert ids(type="lead_won") == [unread.pk]
        assert_error(client.get(PATH, {"type": "gossip"}), 400, "validation_error")

    def test_every_role_has_their_bell(self, firm, users):
        for role, user in users.items():
            notice = make_notification(user)
            client = client_for(user)
            assert client.get(PATH).status_code == 200, role
            assert client.post(f"{PATH}/{notice.pk}/read").status_code == 200, role

    def test_no_create_update_or_delete(self, api, admin_user):
        # A method the resource has no action for is a 405 for every role (docs/api.md): the
        # path exists, the method does not (core.api.permissions.RolePermission lets it through
        # to DRF's routing).
        notice = make_notification(admin_user)
        assert_error(api.post(PATH, {"title": "x"}, format="json"), 405, "method_not_allowed")
        assert_error(api.patch(f"{PATH}/{notice.pk}", {"title": "x"}, format="json"), 405,
                     "method_not_allowed")
        assert_error(api.delete(f"{PATH}/{notice.pk}"), 405, "method_not_allowed")
        assert Notification.objects.filter(pk=notice.pk, title=notice.title).exists()

    def test_unauthenticated(self, admin_user):
        notice = make_notification(admin_user)
        client = client_for(None)
        for response in (client.get(PATH), client.post(f"{PATH}/{notice.pk}/read"),
                         client.post(f"{PATH}/read-all")):
            assert_error(response, 401, "not_authenticated")

    def test_list_queries_do_not_grow(self, api, admin_user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        api.get(PATH)
        counts = []
        for total in (3, 30):
            while Notification.objects.filter(user=admin_user).count() < total:
                make_notification(admin_user)
            with CaptureQueriesContext(connection) as queries:
                assert len(api.get(PATH, {"limit": 100}).json()["data"]["notifications"]) == \
                    total
            counts.append(len(queries))
        assert counts[0] == counts[1]
