"""The document kit on the test document: one declaration gives the page buttons and confirm
forms, the API routes (permission, body, schema) and the admin bulk actions; the declaration
follows the state machine."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.choices import Role
from core.kit.actions import DocumentAction, DocumentActions
from core.models import DocumentEvent
from tests.conftest import client_for
from tests.contracts.documents import assert_declaration_follows_machine
from tests.testapp.kit import GADGET_ACTIONS, gadget_submit
from tests.testapp.models import Gadget
from tests.testapp.views import GadgetViewSet

from .test_transitions import gadget_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]
STATUSES = ["draft", "submitted", "rejected", "approved", "cancelled"]


def api_url(gadget, action: str) -> str:
    return f"/api/v1/test/gadgets/{gadget.pk}/{action.replace('_', '-')}"


class TestDeclaration:
    def test_follows_the_state_machine(self, firm, admin_user):
        offered = assert_declaration_follows_machine(
            GADGET_ACTIONS, make=lambda status: gadget_in(firm, status), statuses=STATUSES,
            user=admin_user, inputs={"submit_with_note": lambda gadget: {"note": "n"}})
        assert offered == {"draft": ["cancel", "submit", "submit_with_note"],
                           "submitted": ["approve", "cancel", "reject"],
                           "rejected": ["reopen"], "approved": [], "cancelled": []}

    def test_a_guard_beyond_the_machine_is_the_services_too(self, firm, admin_user):
        # "frozen" offers nothing although the machine would allow submit: the walk sees the
        # service succeed where nothing was offered and names the pair.
        gadget = gadget_in(firm, "draft")
        Gadget.objects.filter(pk=gadget.pk).update(name="frozen")
        with pytest.raises(AssertionError, match="draft/submit: offered=False service=True"):
            assert_declaration_follows_machine(
                GADGET_ACTIONS, make=lambda status: Gadget.objects.get(pk=gadget.pk),
                statuses=["draft"], user=admin_user,
                inputs={"submit_with_note": lambda gadget: {"note": "n"}})

    def test_an_action_declared_twice_is_refused(self):
        submit = GADGET_ACTIONS.get("submit")
        with pytest.raises(ValueError, match="declared twice"):
            DocumentActions(model=Gadget, document_argument="gadget", actions=[submit, submit],
                            available=lambda **kwargs: [])

    def test_a_bulk_action_takes_no_required_reason(self):
        with pytest.raises(ValueError, match="bulk"):
            DocumentAction("reject", "Reject", gadget_submit, "testapp.change_gadget",
                           reason="required", bulk_label="Reject all")

    def test_for_user_applies_the_permission(self, firm, users):
        gadget = gadget_in(firm, "submitted")
        manager = users[Role.SALES_MANAGER]
        manager.user_permissions.add(Permission.objects.get(codename="change_gadget"))
        names = [a.name for a in GADGET_ACTIONS.for_user(document=gadget,
                                                         user=type(manager).objects.get(
                                                             pk=manager.pk))]
        assert names == ["reject", "cancel"]


class TestPages:
    def detail(self, gadget) -> str:
        return reverse("kit:gadget_detail", args=[gadget.pk])

    def action(self, gadget, name: str) -> str:
        return reverse("kit:gadget_transition", args=[gadget.pk, name])

    def test_buttons_are_the_available_actions_in_declaration_order(self, client, firm,
                                                                    admin_user):
        client.force_login(admin_user)
        page = client.get(self.detail(gadget_in(firm, "draft")))
        assert [b["name"] for b in page.context["transition_buttons"]] == [
            "submit", "cancel", "submit_with_note"]
        frozen = gadget_in(firm, "draft")
        Gadget.objects.filter(pk=frozen.pk).update(name="frozen")
        assert client.get(self.detail(frozen)).context["transition_buttons"] == []

    def test_confirm_page_then_service(self, client, firm, admin_user):
        gadget = gadget_in(firm, "draft")
        client.force_login(admin_user)
        page = client.get(self.action(gadget, "submit"))
        assert page.status_code == 200
        assert (page.context["current"], page.context["target"]) == ("draft", "submitted")
        assert not page.context["form"].fields["reason"].required
        response = client.post(self.action(gadget, "submit"), {"reason": " ready "})
        assert response.status_code == 302 and response["Location"] == self.detail(gadget)
        event = DocumentEvent.objects.get(object_id=gadget.pk)
        assert (event.action, event.to_status, event.reason) == ("submit", "submitted", "ready")

    def test_required_reason_is_refused_and_nothing_changes(self, client, firm, admin_user):
        gadget = gadget_in(firm, "submitted")
        client.force_login(admin_user)
        response = client.post(self.action(gadget, "reject"), {"reason": ""})
        assert response.status_code == 400
        assert response.context["form"].errors == {"reason": ["Give a reason."]}
        assert Gadget.objects.get(pk=gadget.pk).status == "submitted"
        assert not DocumentEvent.objects.filter(object_id=gadget.pk).exists()

    def test_input_form(self, client, firm, admin_user):
        gadget = gadget_in(firm, "draft")
        client.force_login(admin_user)
        form = client.get(self.action(gadget, "submit_with_note")).context["form"]
        assert list(form.fields) == ["note"]
        assert client.post(self.action(gadget, "submit_with_note"), {}).status_code == 400
        client.post(self.action(gadget, "submit_with_note"), {"note": "from the page"})
        assert DocumentEvent.objects.get(object_id=gadget.pk).reason == "from the page"

    def test_unavailable_action_goes_back_with_a_message(self, client, firm, admin_user):
        gadget = gadget_in(firm, "approved")
        client.force_login(admin_user)
        response = client.get(self.action(gadget, "cancel"), follow=True)
        assert "not possible" in response.content.decode()
        response = client.post(self.action(gadget, "cancel"), {"reason": "x"}, follow=True)
        assert "not allowed" in response.content.decode()
        assert Gadget.objects.get(pk=gadget.pk).status == "approved"

    def test_undeclared_action_is_404_and_missing_permission_403(self, client, firm, users):
        gadget = gadget_in(firm, "submitted")
        client.force_login(users[Role.ADMIN])
        assert client.get(self.action(gadget, "revive")).status_code == 404
        client.force_login(users[Role.SALES_MANAGER])  # may view, may not approve
        assert client.post(self.action(gadget, "approve")).status_code == 403
        assert Gadget.objects.get(pk=gadget.pk).status == "submitted"

    def test_another_firms_document_is_404(self, client, firm, other_firm, admin_user):
        gadget = gadget_in(other_firm, "draft")
        client.force_login(admin_user)
        assert client.post(self.action(gadget, "submit")).status_code == 404
        assert Gadget.objects.get(pk=gadget.pk).status == "draft"


class TestApi:
    def test_each_declared_action_is_a_route(self, firm, admin_user):
        gadget = gadget_in(firm, "draft")
        response = client_for(admin_user).post(api_url(gadget, "submit"), {"reason": "go"},
                                               format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["success"] and body["message"] == "Submitted"
        assert body["data"]["gadget"]["status"] == "submitted"
        assert DocumentEvent.objects.get(object_id=gadget.pk).reason == "go"

    def test_refusal_is_the_services(self, firm, admin_user):
        gadget = gadget_in(firm, "approved")
        response = client_for(admin_user).post(api_url(gadget, "cancel"), {}, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invalid_transition"

    def test_required_reason_and_input(self, firm, admin_user):
        api = client_for(admin_user)
        gadget = gadget_in(firm, "submitted")
        response = api.post(api_url(gadget, "reject"), {}, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()["error"]["details"]
        draft = gadget_in(firm, "draft")
        response = api.post(api_url(draft, "submit_with_note"), {"note": "api"}, format="json")
        assert response.status_code == 200
        assert DocumentEvent.objects.get(object_id=draft.pk).reason == "api"

    def test_permission_and_tenancy(self, firm, other_firm, users):
        gadget = gadget_in(firm, "submitted")
        response = client_for(users[Role.SALES_MANAGER]).post(api_url(gadget, "approve"), {},
                                                              format="json")
        assert response.status_code == 403
        foreign = gadget_in(other_firm, "submitted")
        response = client_for(users[Role.ADMIN]).post(api_url(foreign, "approve"), {},
                                                      format="json")
        assert response.status_code == 404
        assert Gadget.objects.get(pk=foreign.pk).status == "submitted"

    def test_an_action_without_a_route_is_on_the_page_only(self, client, firm, admin_user):
        gadget = gadget_in(firm, "rejected")
        api = client_for(admin_user)
        assert api.post(api_url(gadget, "reopen"), {}, format="json").status_code == 404
        assert Gadget.objects.get(pk=gadget.pk).status == "rejected"
        assert "reopen" not in GadgetViewSet.required_permissions
        schema = api.get("/api/v1/schema/", {"format": "json"}).json()
        assert "/api/v1/test/gadgets/{id}/reopen/" not in schema["paths"]
        assert "/api/v1/test/gadgets/{id}/reject/" in schema["paths"]
        client.force_login(admin_user)
        response = client.post(reverse("kit:gadget_transition", args=[gadget.pk, "reopen"]))
        assert response.status_code == 302
        assert Gadget.objects.get(pk=gadget.pk).status == "draft"

    def test_schema_names_each_request_body(self, admin_user):
        schema = client_for(admin_user).get("/api/v1/schema/", {"format": "json"}).json()
        components = schema["components"]["schemas"]
        assert components["GadgetRejectActionRequest"]["required"] == ["reason"]
        assert set(components["GadgetSubmitWithNoteActionRequest"]["properties"]) == {"note"}
        operation = schema["paths"]["/api/v1/test/gadgets/{id}/approve/"]["post"]
        assert operation["summary"] == "Approve"


class TestAdmin:
    def test_bulk_action_runs_each_row_and_reports_refusals(self, client, firm, admin_user):
        draft, approved = gadget_in(firm, "draft"), gadget_in(firm, "approved")
        client.force_login(admin_user)
        response = client.post(reverse("admin:testapp_gadget_changelist"),
                               {"action": "submit_selected",
                                "_selected_action": [draft.pk, approved.pk]}, follow=True)
        text = response.content.decode()
        assert "Submit: 1 done." in text and "not allowed" in text
        assert Gadget.objects.get(pk=draft.pk).status == "submitted"
        assert Gadget.objects.get(pk=approved.pk).status == "approved"

    def test_only_bulk_actions_the_user_may_run(self, client, firm, users, admin_user):
        client.force_login(admin_user)
        page = client.get(reverse("admin:testapp_gadget_changelist"))
        names = [name for name, _label in page.context["action_form"].fields["action"].choices]
        assert "submit_selected" in names and "reject_selected" not in names
