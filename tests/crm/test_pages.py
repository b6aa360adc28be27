"""crm staff pages: the page contract per resource, and the lead pages' own actions (board,
transitions, activity log, conflict check, assignment) and notifications."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from core.models import User
from crm.choices import ConflictStatus, LeadStatus, LeadTransactionType
from crm.models import (
    Activity,
    Campaign,
    Case,
    Customer,
    Lead,
    Notification,
    Pipeline,
    SalesPerson,
    SalesTeam,
)
from tests.contracts.pages import PagesContract
from tests.crm.factories import (
    make_activity,
    make_campaign,
    make_case,
    make_customer,
    make_lead,
    make_notification,
    make_pipeline,
    make_sales_team,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
EVERY_ROLE = set(Role.values)
SELLERS = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON}


def seller_of(firm) -> SalesPerson | None:
    """The `sales_person` user's profile, in a team the `sales_manager` user manages, so
    the role scope (crm.querysets) lets the seller and their manager reach the seller's rows.
    None in a firm without those users (the other firm of the tenancy tests)."""
    person = User.objects.filter(firm=firm, username=Role.SALES_PERSON).first()
    manager = User.objects.filter(firm=firm, username=Role.SALES_MANAGER).first()
    if person is None:
        return None
    profile = SalesPerson.objects.filter(user=person).first()
    if profile is None:
        team = make_sales_team(firm, manager=manager)
        from crm import services

        profile = services.sales_person_save(firm=firm, actor=None, user=person, team=team,
                                             commission_rate=Decimal("5"))
    return profile


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- the page contract per resource --------------------------------------------------------


class TestCustomerPages(PagesContract):
    namespace = "crm"
    model = Customer
    view_roles = EVERY_ROLE
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        return make_customer(firm, owner=seller.user if seller else None, **overrides)

    def form_data(self, firm):
        return {"name": "Najd Foods", "name_ar": "أغذية نجد", "type": "company",
                "credit_limit": "5000", "payment_terms": "net_30", "is_active": "on",
                **management("addresses"), **management("contacts")}

    def test_addresses_and_contacts_are_saved_with_the_customer(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("addresses", 1), **management("contacts", 1),
                "addresses-0-kind": "billing", "addresses-0-line1": "King Fahd Road",
                "addresses-0-city": "Riyadh", "addresses-0-country": "SA",
                "contacts-0-name": "Huda", "contacts-0-email": "huda@najd.example",
                "contacts-0-is_primary": "on"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        customer = Customer.objects.get(firm=firm, name="Najd Foods")
        assert customer.code  # numbered by the service when left empty
        assert list(customer.addresses.values_list("line1", "city")) == [
            ("King Fahd Road", "Riyadh")]
        contact = customer.contacts.get()
        assert (contact.name, contact.is_primary) == ("Huda", True)

        # Edit: rename the contact, delete the address, add a shipping address.
        address = customer.addresses.get()
        data = {**self.form_data(firm), "code": customer.code,
                **management("addresses", 2, 1), **management("contacts", 1, 1),
                "addresses-0-id": address.pk, "addresses-0-customer": customer.pk,
                "addresses-0-kind": "billing", "addresses-0-line1": "King Fahd Road",
                "addresses-0-city": "Riyadh", "addresses-0-country": "SA",
                "addresses-0-DELETE": "on",
                "addresses-1-kind": "shipping", "addresses-1-line1": "Port road",
                "addresses-1-city": "Dammam", "addresses-1-country": "SA",
                "contacts-0-id": contact.pk, "contacts-0-customer": customer.pk,
                "contacts-0-name": "Huda Al-Harbi", "contacts-0-is_primary": "on"}
        response = client.post(self.page("update", customer.pk), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert list(customer.addresses.values_list("kind", "city")) == [("shipping", "Dammam")]
        assert list(customer.contacts.values_list("pk", "name")) == [(contact.pk,
                                                                      "Huda Al-Harbi")]

    def test_a_bad_address_row_shows_its_error_and_saves_nothing(self, client, admin_user,
                                                                 firm):
        client.force_login(admin_user)
        data = {**self.form_data(firm), **management("addresses", 1),
                "addresses-0-kind": "billing", "addresses-0-line1": "No city road"}
        response = client.post(self.page("create"), data)
        assert response.status_code == 200
        formset = {item["name"]: item["formset"] for item in response.context["formsets"]}
        assert "city" in formset["addresses"].forms[0].errors
        assert not Customer.objects.filter(firm=firm, name="Najd Foods").exists()

    def test_a_sales_persons_new_customer_is_their_own(self, client, users, firm):
        seller = users[Role.SALES_PERSON]
        client.force_login(seller)
        response = client.get(self.page("create"))
        assert "owner" not in response.context["form"].fields
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        customer = Customer.objects.get(firm=firm, name="Najd Foods")
        assert customer.owner == seller
        assert client.get(response["Location"]).status_code == 200

    def test_detail_tabs(self, client, admin_user, firm):
        customer = self.make(firm, addresses=[{"line1": "Olaya St", "city": "Riyadh"}],
                             contacts=[{"name": "Salem"}])
        make_case(firm, title="Supply dispute", customer=customer)
        make_activity(firm, entity=customer, subject="Intro call")
        client.force_login(admin_user)
        html = client.get(self.page("detail", customer.pk)).content.decode()
        for tab in ("addresses", "contacts", "leads", "cases", "activities", "history"):
            assert f'data-testid="{tab}-tab"' in html
        assert "Olaya St" in html and "Salem" in html
        assert "Supply dispute" in html and "Intro call" in html

    def test_list_filters_and_search(self, client, admin_user, firm):
        company = self.make(firm, name="Gulf Dates", type="company")
        person = self.make(firm, name="Sami Al-Otaibi", type="individual")
        client.force_login(admin_user)
        rows = client.get(self.page("list"), {"type": "individual"}).context["object_list"]
        assert list(rows) == [person]
        rows = client.get(self.page("list"), {"search": "gulf"}).context["object_list"]
        assert list(rows) == [company]

    def test_foreign_keys_offer_only_the_firms_rows(self, client, admin_user, firm,
                                                    other_firm):
        from tests.crm.factories import make_customer_group

        ours, theirs = make_customer_group(firm), make_customer_group(other_firm)
        client.force_login(admin_user)
        form = client.get(self.page("create")).context["form"]
        groups = set(form.fields["customer_group"].queryset)
        assert ours in groups and theirs not in groups
        assert set(form.fields["owner"].queryset.values_list("firm_id", flat=True)) == {
            firm.pk}


class TestLeadPages(PagesContract):
    namespace = "crm"
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


class TestCampaignPages(PagesContract):
    namespace = "crm"
    model = Campaign
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        return make_campaign(firm, **({"sales_person": seller} if seller else {}), **overrides)

    def form_data(self, firm):
        return {"title": "Ramadan offers", "platform": "instagram", "type": "social",
                "sales_person": seller_of(firm).pk, "budget": "2500", "status": "active",
                "start_date": "2026-03-01", "end_date": "2026-03-30"}

    def test_delete_is_soft_and_hides_the_campaign(self, client, users, firm):
        campaign = self.make(firm)
        client.force_login(users[Role.SALES_PERSON])  # may change campaigns, not delete them
        assert client.get(self.page("delete", campaign.pk)).status_code == 403
        assert client.post(self.page("delete", campaign.pk)).status_code == 403
        client.force_login(users[Role.SALES_MANAGER])
        html = client.get(self.page("detail", campaign.pk)).content.decode()
        assert self.page("delete", campaign.pk) in html
        response = client.post(self.page("delete", campaign.pk))
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert campaign.deleted_at is not None and campaign.status == "deleted"
        assert campaign not in client.get(self.page("list")).context["object_list"]
        # Still readable by id, but no longer editable or deletable.
        detail = client.get(self.page("detail", campaign.pk))
        assert detail.status_code == 200
        assert detail.context["edit_url"] is None and detail.context["delete_url"] is None
        assert client.get(self.page("update", campaign.pk)).status_code == 404

    def test_sales_person_is_fixed_on_edit(self, client, admin_user, firm):
        from tests.crm.factories import make_sales_person

        campaign = self.make(firm)
        other = make_sales_person(firm)
        client.force_login(admin_user)
        form = client.get(self.page("update", campaign.pk)).context["form"]
        assert form.fields["sales_person"].disabled
        data = {**self.form_data(firm), "title": "Renamed", "sales_person": other.pk}
        assert client.post(self.page("update", campaign.pk), data).status_code == 302
        campaign.refresh_from_db()
        assert (campaign.title, campaign.sales_person_id) == ("Renamed", seller_of(firm).pk)


class TestCasePages(PagesContract):
    namespace = "crm"
    model = Case
    view_roles = SELLERS
    change_roles = {Role.ADMIN, Role.SALES_MANAGER}

    def make(self, firm, **overrides):
        # The seller's customer's case: in the seller's scope (and their manager's).
        seller = seller_of(firm)
        if seller is not None:
            overrides.setdefault("customer", make_customer(firm, owner=seller.user))
        return make_case(firm, **overrides)

    def form_data(self, firm):
        return {"title": "Lease dispute", "status": "open", "practice_area": "Real estate",
                "related_entities": "Olaya Towers\n\n  Riyadh Holding  ",
                **management("parties", 2), "parties-0-name": "Najd Foods",
                "parties-0-role": "client", "parties-1-name": "", "parties-1-role": ""}

    def test_parties_and_related_entities_are_saved(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        case = Case.objects.get(firm=firm, title="Lease dispute")
        assert case.number
        assert case.parties == [{"name": "Najd Foods", "role": "client"}]
        assert case.related_entities == ["Olaya Towers", "Riyadh Holding"]
        form = client.get(self.page("update", case.pk)).context["form"]
        assert form.initial["related_entities"] == "Olaya Towers\nRiyadh Holding"


class TestActivityPages(PagesContract):
    namespace = "crm"
    model = Activity
    view_roles = SELLERS
    change_roles = SELLERS

    def make(self, firm, **overrides):
        seller = seller_of(firm)
        lead = make_lead(firm, assigned_to=seller.user if seller else None)
        return make_activity(firm, entity=lead, **overrides)

    def form_data(self, firm):
        seller = seller_of(firm)
        lead = Lead.objects.filter(firm=firm).first() or make_lead(
            firm, assigned_to=seller.user if seller else None)
        return {"type": "call", "entity_type": "lead", "entity_id": lead.pk,
                "subject": "Follow-up call", "outcome": "successful", "duration": "15"}

    def test_an_unreachable_record_is_refused(self, client, users, firm):
        other_lead = make_lead(firm)  # not the seller's
        client.force_login(users[Role.SALES_PERSON])
        data = {"type": "call", "entity_type": "lead", "entity_id": other_lead.pk}
        before = Activity.objects.count()
        response = client.post(self.page("create"), data)
        assert response.status_code == 200
        assert "entity_id" in response.context["form"].errors
        assert Activity.objects.count() == before

    def test_edit_and_delete_rescore_the_lead(self, client, admin_user, firm):
        lead = make_lead(firm)
        client.force_login(admin_user)
        data = {"type": "call", "entity_type": "lead", "entity_id": lead.pk}
        response = client.post(self.page("create"), data)
        assert response.status_code == 302
        activity = Activity.objects.get(entity_type="lead", entity_id=lead.pk)
        lead.refresh_from_db()
        scored = lead.score
        assert activity.performed_by == admin_user
        form = client.get(self.page("update", activity.pk)).context["form"]
        assert "entity_id" not in form.fields
        assert client.get(self.page("delete", activity.pk)).status_code == 200
        response = client.post(self.page("delete", activity.pk))
        assert response["Location"] == reverse("crm:lead_detail", args=[lead.pk])
        assert not Activity.objects.filter(pk=activity.pk).exists()
        lead.refresh_from_db()
        assert lead.score == scored - 2


class TestSalesTeamPages(PagesContract):
    namespace = "crm"
    model = SalesTeam
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = {Role.ADMIN, Role.SALES_MANAGER}

    def make(self, firm, **overrides):
        return make_sales_team(firm, **overrides)

    def form_data(self, firm):
        return {"name": f"East team {SalesTeam.objects.count()}", "name_ar": "فريق الشرقية",
                "is_active": "on"}


# --- reference pages: reachable, forms through their services ------------------------------


@pytest.mark.django_db
class TestReferencePages:
    def test_pipeline_form_saves_ordered_stages(self, client, admin_user, firm):
        client.force_login(admin_user)
        data = {"name": "Tenders", "name_ar": "المناقصات", "is_active": "on",
                **management("stages", 3),
                "stages-0-name": "Closing", "stages-0-probability": "90",
                "stages-0-status": "negotiation", "stages-0-ORDER": "3",
                "stages-1-name": "Opening", "stages-1-probability": "10",
                "stages-1-status": "new", "stages-1-ORDER": "1",
                "stages-2-name": "Pricing", "stages-2-probability": "50", "stages-2-ORDER": "2"}
        response = client.post(reverse("crm:pipeline_create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        pipeline = Pipeline.objects.get(firm=firm, name="Tenders")
        assert list(pipeline.stages.values_list("name", "order", "status")) == [
            ("Opening", 0, "new"), ("Pricing", 1, ""), ("Closing", 2, "negotiation")]

    @pytest.mark.parametrize("name", ["customergroup", "territory", "pipeline",
                                      "salesperson"])
    def test_list_and_form_pages_open(self, client, admin_user, name):
        client.force_login(admin_user)
        assert client.get(reverse(f"crm:{name}_list")).status_code == 200
        assert client.get(reverse(f"crm:{name}_create")).status_code == 200

    def test_territory_and_group_forms_save_with_history(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(reverse("crm:territory_create"),
                               {"code": "C", "name": "Central", "name_ar": "الوسطى"})
        assert response.status_code == 302
        response = client.post(reverse("crm:customergroup_create"), {"name": "Retail"})
        assert response.status_code == 302
        from crm.models import CustomerGroup, Territory

        territory = Territory.objects.get(firm=firm, code="C")
        assert territory.history.get().history_user == admin_user
        assert CustomerGroup.objects.get(firm=firm, name="Retail").created_by == admin_user

    def test_sales_person_form_uses_users_without_a_profile(self, client, users, firm):
        seller_of(firm)
        client.force_login(users[Role.ADMIN])
        form = client.get(reverse("crm:salesperson_create")).context["form"]
        assert users[Role.SALES_PERSON] not in form.fields["user"].queryset
        response = client.post(reverse("crm:salesperson_create"),
                               {"user": users[Role.FINANCE].pk, "commission_rate": "2.5",
                                "is_active": "on"})
        assert response.status_code == 302
        assert SalesPerson.objects.get(user=users[Role.FINANCE]).commission_rate == Decimal(
            "2.5")


# --- the pipeline board ----------------------------------------------------------------------


@pytest.fixture
def pipeline(firm):
    return make_pipeline(firm, is_default=True)


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
