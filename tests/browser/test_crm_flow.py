"""A sales manager's day with one lead: create it, log a call (the score moves in place), walk
it across the pipeline board to won, then open the customer it became."""

import re
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import Page, expect

from core import services as core_services
from core.models import Firm
from crm import services
from crm.choices import LeadStatus
from crm.models import Lead

PASSWORD = "x-Pass-12345"
STAGES = [("New", LeadStatus.NEW, "10"), ("Contacted", LeadStatus.CONTACTED, "20"),
          ("Qualified", LeadStatus.QUALIFIED, "40"), ("Proposal", LeadStatus.PROPOSAL, "60"),
          ("Won", LeadStatus.WON, "100")]


def test_lead_from_form_to_customer(page: Page, login, page_problems, live_server):
    firm = Firm.objects.create(name="Acme Trading", name_ar="أكمي للتجارة", slug="acme")
    manager = core_services.user_create(firm=firm, actor=None, username="manager1",
                                        password=PASSWORD, role="sales_manager",
                                        first_name="Faisal", last_name="Al-Harbi")
    pipeline = services.pipeline_save(
        firm=firm, actor=manager, name="Sales", name_ar="المبيعات", is_default=True,
        stages=[{"name": name, "name_ar": "", "status": status,
                 "probability": Decimal(probability)} for name, status, probability in STAGES])
    stages = {stage.status: stage for stage in pipeline.stages.all()}

    login("manager1", PASSWORD)

    # Create the lead through the form.
    page.goto(reverse("crm:lead_create"))
    form = page.get_by_test_id("form")
    form.get_by_label("First name").fill("Reem")
    form.get_by_label("Last name").fill("Al-Dossary")
    form.get_by_label("Company").fill("Gulf Foods")
    form.get_by_label("Email").fill("reem@gulf-foods.example")
    form.get_by_label("Budget").select_option("50k_100k")
    form.get_by_label("Authority").select_option("decision_maker")
    form.get_by_label("Estimated value").fill("80000")
    form.get_by_test_id("save").click()
    lead = Lead.objects.get(firm=firm, company="Gulf Foods")
    expect(page).to_have_url(re.compile(re.escape(reverse("crm:lead_detail", args=[lead.pk]))))
    expect(page.get_by_test_id("status")).to_have_text("New")
    score = page.get_by_test_id("lead-score")
    expect(score).to_have_text(f"Score {lead.score}")
    before = lead.score

    # Log a call: htmx swaps the form, the score and the timeline without a reload.
    activity = page.get_by_test_id("activity-form")
    activity.get_by_label("Type").select_option("call")
    activity.get_by_label("Subject").fill("Discovery call")
    activity.get_by_label("Outcome").select_option("successful")
    activity.get_by_test_id("log-activity").click()
    expect(score).to_have_text(f"Score {before + 2}")
    expect(page.get_by_test_id("score-activity")).to_have_text("+2")
    expect(page.get_by_test_id("activity-form").get_by_label("Subject")).to_have_value("")
    page.get_by_test_id("timeline-tab").click()
    expect(page.get_by_test_id("lead-timeline")).to_contain_text("Discovery call")

    # Across the board: new → contacted → qualified → proposal → won, one move at a time.
    page.get_by_role("link", name="Pipeline board").click()
    expect(page.get_by_test_id("board-column")).to_have_count(len(STAGES))
    for status in (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL,
                   LeadStatus.WON):
        card = page.locator(f'[data-testid="board-card"][data-lead="{lead.pk}"]')
        card.get_by_label("Move to").select_option(str(stages[status].pk))
        card.get_by_test_id("move").click()
        column = page.locator(
            f'[data-testid="board-column"][data-stage="{stages[status].pk}"]')
        expect(column.locator(f'[data-lead="{lead.pk}"]')).to_be_visible()
        expect(page.get_by_test_id("messages")).to_contain_text("moved to")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WON
    assert lead.customer is not None
    # A won lead goes nowhere else: its card offers no move.
    won_card = page.locator(f'[data-testid="board-card"][data-lead="{lead.pk}"]')
    expect(won_card.get_by_test_id("move-form")).to_have_count(0)

    # The lead's page leads to the customer it became.
    won_card.get_by_role("link", name=lead.display_name).click()
    expect(page.get_by_test_id("status")).to_have_text("Won")
    page.get_by_test_id("customer-link").click()
    expect(page).to_have_url(re.compile(
        re.escape(reverse("crm:customer_detail", args=[lead.customer_id]))))
    expect(page.get_by_test_id("page-title")).to_contain_text("Gulf Foods")

    assert page_problems == []
