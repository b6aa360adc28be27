"""core.services.document_transition and the generic transition pages, on a test document."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.choices import Role
from core.errors import Conflict, InvalidTransition
from core.models import DocumentEvent
from core.services import document_transition
from tests.testapp.models import Gadget

# source -> {transition: target}: the whole machine, so every other pair must be refused.
MACHINE = {
    "draft": {"submit": "submitted", "cancel": "cancelled"},
    "submitted": {"approve": "approved", "reject": "rejected", "cancel": "cancelled"},
    "rejected": {"reopen": "draft"},
    "approved": {},
    "cancelled": {},
}
TRANSITIONS = ["submit", "approve", "reject", "reopen", "cancel"]
TARGETS = {"submit": "submitted", "approve": "approved", "reject": "rejected",
           "reopen": "draft", "cancel": "cancelled"}


def gadget_in(firm, status: str) -> Gadget:
    gadget = Gadget.objects.create(firm=firm, code=f"G{Gadget.objects.count()}", name="Widget")
    # Put the row straight into the wanted status; protected FSM fields refuse assignment.
    Gadget.objects.filter(pk=gadget.pk).update(status=status)
    return Gadget.objects.get(pk=gadget.pk)


@pytest.mark.django_db
class TestDocumentTransition:
    @pytest.mark.parametrize(("source", "transition"),
                             [(s, t) for s in MACHINE for t in TRANSITIONS])
    def test_every_pair(self, firm, admin_user, source, transition):
        gadget = gadget_in(firm, source)
        history_before = gadget.history.count()
        if transition in MACHINE[source]:
            done = document_transition(instance=gadget, transition=transition, actor=admin_user,
                                       reason="because")
            assert done.status == MACHINE[source][transition]
            assert Gadget.objects.get(pk=gadget.pk).status == done.status
            record = done.history.latest()
            assert (record.history_user_id, record.history_change_reason) == (
                admin_user.pk, "because")
            event = DocumentEvent.objects.get(object_id=gadget.pk)
            assert (event.action, event.from_status, event.to_status, event.actor_id,
                    event.reason) == (transition, source, done.status, admin_user.pk, "because")
        else:
            with pytest.raises(InvalidTransition) as refused:
                document_transition(instance=gadget, transition=transition, actor=admin_user)
            assert refused.value.status_code == 409
            assert refused.value.details == {"from": source, "to": TARGETS[transition],
                                             "allowed": sorted(set(MACHINE[source].values()))}
            assert Gadget.objects.get(pk=gadget.pk).status == source
            assert gadget.history.count() == history_before
            assert not DocumentEvent.objects.filter(object_id=gadget.pk).exists()

    def test_full_clean_leaves_the_protected_status_alone(self, firm):
        gadget = gadget_in(firm, "submitted")
        gadget.name = "Renamed"
        gadget.full_clean()
        Gadget(firm=firm, code="NEW", name="Fresh").full_clean()
        assert gadget.status == "submitted"

    def test_stale_copy_is_refused_not_applied_twice(self, firm, admin_user):
        gadget = gadget_in(firm, "draft")
        document_transition(instance=gadget, transition="submit", actor=admin_user)
        # `gadget` still says draft; the service re-reads under lock and refuses.
        with pytest.raises(InvalidTransition):
            document_transition(instance=gadget, transition="submit", actor=admin_user)
        assert DocumentEvent.objects.filter(object_id=gadget.pk).count() == 1

    def test_concurrent_status_change_is_a_conflict(self, firm, admin_user, monkeypatch):
        gadget = gadget_in(firm, "draft")
        original = Gadget.save

        def save_after_someone_else(self, *args, **kwargs):
            Gadget.objects.filter(pk=self.pk).update(status="cancelled")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Gadget, "save", save_after_someone_else)
        with pytest.raises(Conflict):
            document_transition(instance=gadget, transition="submit", actor=admin_user)


@pytest.mark.django_db
@pytest.mark.urls("tests.testapp.urls")
class TestTransitionPages:
    def detail(self, gadget):
        return reverse("testapp:gadget_detail", args=[gadget.pk])

    def test_buttons_follow_status_and_permission(self, client, firm, users):
        gadget = gadget_in(firm, "submitted")
        client.force_login(users[Role.ADMIN])
        buttons = {b["name"] for b in client.get(self.detail(gadget)).context[
            "transition_buttons"]}
        # The admin role holds every testapp permission, approve included.
        assert buttons == {"approve", "reject", "cancel"}
        manager = users[Role.SALES_MANAGER]
        manager.user_permissions.add(Permission.objects.get(codename="change_gadget"))
        client.force_login(manager)
        buttons = {b["name"] for b in client.get(self.detail(gadget)).context[
            "transition_buttons"]}
        assert buttons == {"reject", "cancel"}

    def test_confirm_and_run(self, client, firm, admin_user):
        gadget = gadget_in(firm, "draft")
        client.force_login(admin_user)
        url = reverse("testapp:gadget_transition", args=[gadget.pk, "submit"])
        page = client.get(url)
        assert page.status_code == 200 and page.context["target"] == "submitted"
        response = client.post(url, {"reason": "ready"})
        assert response.status_code == 302 and response["Location"] == self.detail(gadget)
        gadget.refresh_from_db()
        assert gadget.status == "submitted"
        timeline = client.get(self.detail(gadget)).context["timeline"]
        assert any(e["kind"] == "event" and e["to"] == "submitted" and e["reason"] == "ready"
                   for e in timeline)

    def test_reason_required(self, client, firm, admin_user):
        gadget = gadget_in(firm, "submitted")
        client.force_login(admin_user)
        url = reverse("testapp:gadget_transition", args=[gadget.pk, "reject"])
        assert client.post(url, {"reason": " "}).status_code == 400
        gadget.refresh_from_db()
        assert gadget.status == "submitted"

    def test_refused_transition_shows_message_and_changes_nothing(self, client, firm,
                                                                 admin_user):
        gadget = gadget_in(firm, "approved")
        client.force_login(admin_user)
        url = reverse("testapp:gadget_transition", args=[gadget.pk, "cancel"])
        response = client.post(url, {"reason": "x"}, follow=True)
        assert "not allowed" in response.content.decode()
        gadget.refresh_from_db()
        assert gadget.status == "approved"

    def test_permission_and_tenancy(self, client, firm, other_firm, users):
        gadget = gadget_in(firm, "submitted")
        client.force_login(users[Role.WAREHOUSE])
        assert client.post(reverse("testapp:gadget_transition",
                                   args=[gadget.pk, "approve"])).status_code == 403
        client.force_login(users[Role.ADMIN])
        foreign = gadget_in(other_firm, "submitted")
        assert client.get(self.detail(foreign)).status_code == 404
        assert client.post(reverse("testapp:gadget_transition",
                                   args=[foreign.pk, "approve"])).status_code == 404
        foreign.refresh_from_db()
        assert foreign.status == "submitted"
