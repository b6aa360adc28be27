"""Lead staff pages: the page contract, the pipeline board and the lead's own actions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from crm.choices import ConflictStatus, LeadStatus, LeadTransactionType
from crm.models import (
    Activity,
    Lead,
    Notification,
)
from tests.contracts.pages import HTMX, SELLERS, PagesContract, management
from tests.crm.factories import (
    make_customer,
    make_lead,
    make_pipeline,
    seller_of,
)
from tests.crm.leads.deletion import assert_lead_gone


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- the pipeline board ----------------------------------------------------------------------


@pytest.fixture
def pipeline(firm):
    return make_pipeline(firm, is_default=True)


@pytest.mark.django_db
class TestLeadDelete:

    def test_page_confirms_then_deletes(self, client, lead_with_links, admin_user):
        lead = lead_with_links["lead"]
        client.force_login(admin_user)
        detail = client.get(reverse("crm:lead_detail", args=[lead.pk]))
        delete_url = reverse("crm:lead_delete", args=[lead.pk])
        assert detail.context["delete_url"] == delete_url
        assert delete_url in detail.content.decode()
        confirm = client.get(delete_url)
        assert confirm.status_code == 200 and 'data-testid="delete-note"' in \
            confirm.content.decode()
        assert Lead.objects.filter(pk=lead.pk).exists()  # GET only asks
        response = client.post(delete_url)
        assert response["Location"] == reverse("crm:lead_list")
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_page_hides_the_button_from_sellers(self, client, lead_with_links, users):
        lead = lead_with_links["lead"]
        client.force_login(users[Role.SALES_PERSON])
        assert client.get(reverse("crm:lead_detail", args=[lead.pk])).context[
            "delete_url"] is None
        assert client.post(reverse("crm:lead_delete", args=[lead.pk])).status_code == 403
        assert Lead.objects.filter(pk=lead.pk).exists()


class TestLeadPages(PagesContract):
    model = Lead
    view_roles = SELLERS
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        return make_lead(firm, assigned_to=seller.user if seller else None, **overrides)

    def form_data(self, firm):
        return {"first_name": "Hala", "last_name": "Al-Qahtani", "company": "Hala Bakery",
                "budget": "10k_50k", "authority": "decision_maker", "need": "urgent",
                "timeline": "this_month", "estimated_value": "20000", "actual_value": "0",
                "source": "website", **management("team")}

    def test_list_shows_the_score_and_filters_by_status(self, client, admin_user, firm):
        new, won = self.make(firm), self.make(firm, status=LeadStatus.WON)
        client.force_login(admin_user)
        response = client.get(self.page("list"))
        headers = [str(header["label"]) for header in response.context["headers"]]
        assert "Score" in headers
        assert f'<span class="crm-score">{new.score}</span>' in response.content.decode()
        rows = client.get(self.page("list"), {"status": "won"}).context["object_list"]
        assert list(rows) == [won]

    def test_csv_export_is_the_api_list_with_the_same_filters(self, client, admin_user, firm):
        new, won = self.make(firm), self.make(firm, status=LeadStatus.WON)
        client.force_login(admin_user)
        csv_url = client.get(self.page("list"), {"status": "won", "sortBy": "score"}).context[
            "csv_url"]
        assert csv_url.startswith(reverse("crm-api:lead-list") + "?")
        assert "status=won" in csv_url and "format=csv" in csv_url
        response = client.get(csv_url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(lines) == 2 and won.company in lines[1] and new.company not in lines[1]

    def test_list_queries_do_not_grow_with_the_rows(self, client, admin_user, firm,
                                                    django_assert_max_num_queries):
        for _ in range(15):
            self.make(firm, campaign=None)
        client.force_login(admin_user)
        with django_assert_max_num_queries(20):
            assert client.get(self.page("list")).status_code == 200

    def test_create_scores_the_lead_and_gives_a_sellers_lead_to_them(self, client, users,
                                                                   firm):
        seller = users[Role.SALES_PERSON]
        client.force_login(seller)
        assert "assigned_to" not in client.get(self.page("create")).context["form"].fields
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        lead = Lead.objects.get(firm=firm, company="Hala Bakery")
        assert lead.assigned_to == seller
        # BANT 20 + 30 + 25 + 25, company 5, value 10.
        assert lead.score == 115
        assert client.get(response["Location"]).status_code == 200

    def test_create_with_a_deal_team(self, client, users, firm):
        client.force_login(users[Role.SALES_MANAGER])
        data = {**self.form_data(firm), **management("team", 2),
                "team-0-user": users[Role.SALES_PERSON].pk, "team-0-split_percent": "60",
                "team-1-user": users[Role.SALES_MANAGER].pk, "team-1-split_percent": "40"}
        assert client.post(self.page("create"), data).status_code == 302
        lead = Lead.objects.get(firm=firm, company="Hala Bakery")
        assert sorted(lead.team_members.values_list("split_percent", flat=True)) == [
            Decimal("40"), Decimal("60")]

    def test_a_team_that_does_not_add_up_is_refused(self, client, users, firm):
        client.force_login(users[Role.SALES_MANAGER])
        data = {**self.form_data(firm), **management("team", 1),
                "team-0-user": users[Role.SALES_PERSON].pk, "team-0-split_percent": "60"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 200
        assert "100%" in " ".join(response.context["form"].non_field_errors())
        assert not Lead.objects.filter(firm=firm, company="Hala Bakery").exists()

    def test_edit_offers_no_stage_or_assignee(self, client, admin_user, firm):
        lead = self.make(firm)
        client.force_login(admin_user)
        fields = client.get(self.page("update", lead.pk)).context["form"].fields
        assert "stage" not in fields and "assigned_to" not in fields
        data = {**self.form_data(firm), "company": "Renamed Co."}
        assert client.post(self.page("update", lead.pk), data).status_code == 302
        lead.refresh_from_db()
        assert lead.company == "Renamed Co."
        assert lead.transactions.filter(type=LeadTransactionType.UPDATED).exists()


@pytest.mark.django_db
class TestBoard:
    def test_a_column_per_stage_of_the_chosen_pipeline(self, client, admin_user, firm,
                                                       pipeline):
        other = make_pipeline(firm, stages=[{"name": "Only", "probability": Decimal("5")}])
        lead = make_lead(firm, pipeline=pipeline)
        client.force_login(admin_user)
        response = client.get(reverse("crm:lead_board"))
        columns = response.context["columns"]
        assert [str(column["label"]) for column in columns] == [
            "New", "Contacted", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
        assert [card["lead"] for card in columns[0]["cards"]] == [lead]
        # The card offers the stages the state machine allows next; lost needs its page.
        assert [target["label"] for target in columns[0]["cards"][0]["targets"]] == [
            "Contacted"]
        response = client.get(reverse("crm:lead_board"), {"pipeline": other.pk})
        assert [str(column["label"]) for column in response.context["columns"]] == ["Only"]

    def test_move_with_htmx_calls_the_service_and_rerenders_the_board(self, client,
                                                                       admin_user, firm,
                                                                       pipeline):
        lead = make_lead(firm, pipeline=pipeline)
        contacted = pipeline.stages.get(status=LeadStatus.CONTACTED)
        client.force_login(admin_user)
        response = client.post(reverse("crm:lead_move", args=[lead.pk]),
                               {"stage": contacted.pk}, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="lead-board"' in html and 'hx-swap-oob="true"' in html
        assert "<html" not in html  # a fragment, not the page
        lead.refresh_from_db()
        assert (lead.status, lead.stage_id) == (LeadStatus.CONTACTED, contacted.pk)
        move = lead.transactions.filter(type=LeadTransactionType.STATUS_CHANGED).latest("pk")
        assert move.new_values == {"status": "contacted", "stage_id": contacted.pk}
        assert move.actor == admin_user and move.ip_address == "127.0.0.1"
        column = next(c for c in response.context["columns"] if c["stage"] == contacted)
        assert [card["lead"].pk for card in column["cards"]] == [lead.pk]

    def test_move_without_javascript_redirects_to_the_board(self, client, admin_user, firm,
                                                            pipeline):
        lead = make_lead(firm, pipeline=pipeline)
        contacted = pipeline.stages.get(status=LeadStatus.CONTACTED)
        client.force_login(admin_user)
        response = client.post(reverse("crm:lead_move", args=[lead.pk]),
                               {"stage": contacted.pk})
        assert response.status_code == 302
        assert response["Location"] == reverse("crm:lead_board") + f"?pipeline={pipeline.pk}"

    def test_a_move_the_state_machine_refuses_changes_nothing(self, client, admin_user, firm,
                                                              pipeline):
        lead = make_lead(firm, pipeline=pipeline)
        won = pipeline.stages.get(status=LeadStatus.WON)
        client.force_login(admin_user)
        before = lead.transactions.count()
        response = client.post(reverse("crm:lead_move", args=[lead.pk]), {"stage": won.pk},
                               **HTMX)
        assert response.status_code == 200
        assert "not allowed" in response.content.decode()
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW and lead.transactions.count() == before

    def test_moves_need_the_right_to_change_leads_and_a_reachable_lead(self, client, users,
                                                                       firm, pipeline):
        lead = make_lead(firm, pipeline=pipeline)  # unassigned: not the seller's
        contacted = pipeline.stages.get(status=LeadStatus.CONTACTED)
        client.force_login(users[Role.FINANCE])
        url = reverse("crm:lead_move", args=[lead.pk])
        assert client.post(url, {"stage": contacted.pk}).status_code == 403
        client.force_login(users[Role.SALES_PERSON])
        assert client.post(url, {"stage": contacted.pk}).status_code == 404
        assert client.get(url).status_code == 405
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW

    def test_board_queries_do_not_grow_with_the_cards(self, client, admin_user, firm,
                                                      pipeline, django_assert_max_num_queries):
        for _ in range(12):
            make_lead(firm, pipeline=pipeline, assigned_to=admin_user)
        client.force_login(admin_user)
        with django_assert_max_num_queries(25):
            assert client.get(reverse("crm:lead_board")).status_code == 200


# --- the lead page's actions -----------------------------------------------------------------


@pytest.mark.django_db
class TestLeadActions:
    def test_transition_buttons_are_the_allowed_targets(self, client, users, firm, pipeline):
        lead = make_lead(firm, pipeline=pipeline, status=LeadStatus.PROPOSAL)
        client.force_login(users[Role.ADMIN])
        buttons = client.get(reverse("crm:lead_detail", args=[lead.pk])).context[
            "transition_buttons"]
        assert sorted(button["name"] for button in buttons) == ["lost", "negotiation", "won"]

    def test_confirm_then_transition(self, client, admin_user, firm, pipeline):
        lead = make_lead(firm, pipeline=pipeline)
        url = reverse("crm:lead_transition", args=[lead.pk, "contacted"])
        client.force_login(admin_user)
        page = client.get(url)
        assert page.status_code == 200 and 'data-testid="transition-form"' in (
            page.content.decode())
        response = client.post(url, {"reason": "Called back"})
        assert response.status_code == 302
        lead.refresh_from_db()
        assert lead.status == LeadStatus.CONTACTED
        assert lead.stage == pipeline.stages.get(status=LeadStatus.CONTACTED)
        row = lead.transactions.filter(type=LeadTransactionType.STATUS_CHANGED).get()
        assert (row.reason, row.previous_values["status"], row.new_values["status"]) == (
            "Called back", "new", "contacted")

    def test_lost_without_a_reason_is_refused(self, client, admin_user, firm, pipeline):
        lead = make_lead(firm, pipeline=pipeline, status=LeadStatus.PROPOSAL)
        url = reverse("crm:lead_transition", args=[lead.pk, "lost"])
        client.force_login(admin_user)
        before = lead.transactions.count()
        response = client.post(url, {"reason": "  "})
        assert response.status_code == 400
        assert response.context["reason_error"]
        lead.refresh_from_db()
        assert lead.status == LeadStatus.PROPOSAL and lead.transactions.count() == before
        assert client.post(url, {"reason": "Went with a rival"}).status_code == 302
        lead.refresh_from_db()
        assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Went with a rival")

    def test_a_target_the_state_machine_refuses(self, client, admin_user, firm, pipeline):
        lead = make_lead(firm, pipeline=pipeline)
        url = reverse("crm:lead_transition", args=[lead.pk, "won"])
        client.force_login(admin_user)
        response = client.get(url)
        assert response.status_code == 302
        response = client.post(url, {"reason": ""})
        assert response.status_code == 302
        assert any("not allowed" in message for message in messages_of(response))
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
        assert client.get(reverse("crm:lead_transition", args=[lead.pk, "nonsense"])
                          ).status_code == 404

    def test_won_opens_the_new_customer_from_the_lead(self, client, admin_user, firm,
                                                      pipeline):
        lead = make_lead(firm, pipeline=pipeline, status=LeadStatus.PROPOSAL)
        client.force_login(admin_user)
        client.post(reverse("crm:lead_transition", args=[lead.pk, "won"]), {"reason": ""})
        lead.refresh_from_db()
        assert lead.customer is not None
        detail = client.get(reverse("crm:lead_detail", args=[lead.pk]))
        assert detail.context["customer_url"] == reverse("crm:customer_detail",
                                                         args=[lead.customer_id])
        assert detail.context["transition_buttons"] == []

    def test_logging_an_activity_raises_the_score_in_place(self, client, admin_user, firm):
        lead = make_lead(firm)
        client.force_login(admin_user)
        url = reverse("crm:lead_activity_log", args=[lead.pk])
        before = lead.score
        response = client.post(url, {"type": "call", "subject": "Intro", "outcome":
                                     "successful", "duration": "10"}, **HTMX)
        assert response.status_code == 200
        lead.refresh_from_db()
        assert lead.score == before + 2
        assert lead.last_contact_date is not None
        html = response.content.decode()
        assert f"Score {lead.score}" in html
        for target in ('id="lead-score"', 'id="lead-timeline"', 'id="lead-score-badge"'):
            assert target in html
        assert html.count('hx-swap-oob="true"') == 4  # score, timeline, badge, messages
        activity = Activity.objects.get(entity_type="lead", entity_id=lead.pk)
        assert (activity.type, activity.duration, activity.performed_by) == (
            "call", 10, admin_user)
        assert lead.transactions.filter(type=LeadTransactionType.ACTIVITY_LOGGED).count() == 1
        # Without htmx: a plain POST and a redirect to the timeline.
        response = client.post(url, {"type": "email"})
        assert response.status_code == 302 and response["Location"].endswith("?tab=timeline")
        lead.refresh_from_db()
        assert lead.score == before + 4

    def test_an_invalid_activity_shows_the_form_again(self, client, admin_user, firm):
        lead = make_lead(firm)
        client.force_login(admin_user)
        url = reverse("crm:lead_activity_log", args=[lead.pk])
        response = client.post(url, {"type": "carrier-pigeon"}, **HTMX)
        assert response.status_code == 200
        assert response.context["activity_form"].errors
        response = client.post(url, {"type": "carrier-pigeon"})
        assert response.status_code == 400
        assert not Activity.objects.filter(entity_id=lead.pk).exists()

    def test_conflict_check_stores_and_shows_its_result(self, client, admin_user, firm):
        rival = make_customer(firm, name="Gulf Cement Company")
        lead = make_lead(firm, opposing_party="Gulf Cement Company", assigned_to=admin_user)
        client.force_login(admin_user)
        response = client.post(reverse("crm:lead_conflict_check", args=[lead.pk]))
        assert response.status_code == 302 and response["Location"].endswith("?tab=conflict")
        lead.refresh_from_db()
        assert lead.conflict_status == ConflictStatus.CONFLICT
        assert lead.conflict_result["requires_review"] is True
        match = lead.conflict_result["conflicts"][0]["matches"][0]
        assert match["customer_id"] == rival.pk
        page = client.get(response["Location"])
        html = page.content.decode()
        assert 'data-testid="requires-review"' in html
        assert reverse("crm:customer_detail", args=[rival.pk]) in html
        assert page.context["active_tab"] == "conflict"

    def test_a_clear_check_adds_its_points(self, client, admin_user, firm):
        lead = make_lead(firm)
        client.force_login(admin_user)
        before = lead.score
        client.post(reverse("crm:lead_conflict_check", args=[lead.pk]))
        lead.refresh_from_db()
        assert lead.conflict_status == ConflictStatus.CLEAR and lead.score == before + 10

    def test_assign_needs_the_assign_permission_and_notifies(self, client, users, firm):
        lead = make_lead(firm)
        seller = users[Role.SALES_PERSON]
        url = reverse("crm:lead_assign", args=[lead.pk])
        client.force_login(seller)
        assert client.post(url, {"user": seller.pk}).status_code == 403
        client.force_login(users[Role.SALES_MANAGER])
        detail = client.get(reverse("crm:lead_detail", args=[lead.pk]))
        assert detail.context["assign_form"] is not None
        response = client.post(url, {"user": seller.pk})
        assert response.status_code == 302
        lead.refresh_from_db()
        assert lead.assigned_to == seller
        assert Notification.objects.filter(user=seller, type="lead_assigned").count() == 1
        client.force_login(seller)
        assert client.get(reverse("crm:lead_detail", args=[lead.pk])).context[
            "assign_form"] is None

    def test_a_seller_reaches_only_their_leads(self, client, users, firm):
        theirs = make_lead(firm, assigned_to=users[Role.SALES_PERSON])
        other = make_lead(firm)
        client.force_login(users[Role.SALES_PERSON])
        rows = client.get(reverse("crm:lead_list")).context["object_list"]
        assert list(rows) == [theirs]
        assert client.get(reverse("crm:lead_detail", args=[other.pk])).status_code == 404
        for name in ("lead_activity_log", "lead_conflict_check"):
            assert client.post(reverse(f"crm:{name}", args=[other.pk]),
                               {"type": "call"}).status_code == 404
