"""Quotes through the services: creation and editing (numbering, defaults, totals stored
exactly as business-rules §2, discount limits, margin warnings, drafts only, tenancy), the state
machine of business-rules §5 (every pair, approval, revisions, acceptance, signals), sending
(quote_send, the e-mail and the signed link) and sales.receivers (lead → proposal makes a quote,
activities about quotes)."""

import datetime
import re
import smtplib
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from reportlab.platypus.doctemplate import LayoutError

import sales.receivers  # connects the receivers, registers quotes (until SalesConfig.ready)
from core import services as core_services
from core.choices import Role
from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent, Sequence
from core.registry import activity_entities
from crm import services as crm_services
from crm.choices import ActivityEntity, ActivityType, LeadStatus, LeadTransactionType
from crm.models import Activity, Customer, Lead, LeadTransaction
from crm.services import lead_allowed_targets, lead_transition
from crm.services.leads import LEAD_STEPS_TO_WON
from sales import signals
from sales.quotes import services
from sales.quotes.actions import QUOTE_ACTIONS
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine, QuoteVersion
from sales.quotes.services import sending
from sales.tasks import quote_email_send
from tests.conftest import sends_of
from tests.contracts.documents import assert_declaration_follows_machine
from tests.contracts.machines import allowed_moves, assert_move_refused, refused_moves
from tests.crm.factories import make_customer, make_lead
from tests.factories import make_user
from tests.pricing.factories import make_product
from tests.sales.factories import EXAMPLE_LINES, make_quote, quote_in

assert sales.receivers

D = Decimal


def year(firm) -> int:
    return core_services.firm_today(firm=firm).year


@pytest.mark.django_db
class TestCreate:
    def test_rules_example_is_stored_exactly(self, firm, admin_user):
        quote = make_quote(firm, actor=admin_user, discount_value=D("100"), probability=60)
        quote = Quote.objects.get(pk=quote.pk)
        assert (quote.subtotal, quote.discount_amount, quote.after_discount) == (
            D("2250.00"), D("100.00"), D("2150.00"))
        assert (quote.tax_amount, quote.total, quote.weighted_value) == (
            D("258.00"), D("2408.00"), D("1444.80"))
        assert quote.total_in_words == "ألفان وأربعمائة وثمانية ريالات"
        assert quote.total_in_words_en == "Two thousand, four hundred and eight Saudi riyals"
        assert list(quote.lines.values_list(
            "position", "base_amount", "line_discount", "line_total", "tax_amount")) == [
            (0, D("2000.00"), D("200.00"), D("1800.00"), D("258.00")),
            (1, D("500.00"), D("50.00"), D("450.00"), D("0.00"))]

    def test_without_tax_on_discount(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "tax": {"calculate_tax_on_discount": False}})
        quote = make_quote(firm, discount_value=D("100"), probability=60)
        assert (quote.tax_amount, quote.total, quote.weighted_value) == (
            D("270.00"), D("2420.00"), D("1452.00"))

    def test_numbered_per_firm_and_year(self, firm, other_firm):
        first, second = make_quote(firm), make_quote(firm)
        elsewhere = make_quote(other_firm)
        assert first.number == f"QT-{year(firm)}-0001"
        assert second.number == f"QT-{year(firm)}-0002"
        assert elsewhere.number == f"QT-{year(other_firm)}-0001"

    def test_refused_quote_burns_no_number(self, firm):
        with pytest.raises(ApplicationError):
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 10,
                                     "discount_percent": 90}])
        assert make_quote(firm).number == f"QT-{year(firm)}-0001"
        assert Sequence.objects.get(firm=firm, document_type="quote").last_number == 1

    def test_defaults(self, firm, admin_user):
        customer = make_customer(firm, email="buyer@example.com", phone="0500000000",
                                 contacts=[{"name": "Noura", "email": "noura@example.com",
                                            "is_primary": True}])
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"default_validity_days": 14},
            "documents": {"default_terms_and_conditions": "Net 30",
                          "default_terms_and_conditions_ar": "صافي ٣٠"}})
        quote = make_quote(firm, actor=admin_user, customer=customer)
        today = core_services.firm_today(firm=firm)
        assert (quote.quote_date, quote.valid_until) == (today,
                                                         today + datetime.timedelta(days=14))
        assert (quote.owner_id, quote.created_by_id) == (admin_user.pk, admin_user.pk)
        assert (quote.contact_name, quote.contact_email) == ("Noura", "noura@example.com")
        assert (quote.terms, quote.terms_ar) == ("Net 30", "صافي ٣٠")
        assert (quote.status, quote.version, quote.currency) == ("draft", 1, "SAR")
        assert quote.probability is None and quote.weighted_value is None
        assert len(quote.public_token) >= 40
        event = DocumentEvent.objects.get(object_id=quote.pk, action="created")
        assert (event.to_status, event.actor_id) == ("draft", admin_user.pk)
        record = quote.history.get()
        assert (record.history_user_id, record.history_change_reason) == (admin_user.pk,
                                                                          "created")

    def test_lead_quote_takes_lead_details(self, firm):
        lead = make_lead(firm, probability=D("40"), email="lead@example.com")
        quote = make_quote(firm, lead=lead)
        assert quote.probability == D("40")
        assert quote.weighted_value == D("963.20")  # 2408 × 40 %
        assert quote.contact_email == "lead@example.com"

    def test_customer_or_lead_required(self, firm):
        with pytest.raises(ValidationError) as refused:
            services.quote_create(firm=firm, actor=None, lines=[])
        assert "customer" in refused.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            Quote.objects.create(firm=firm, number="X")

    def test_product_fills_the_line(self, firm):
        core_services.settings_row(firm=firm)
        product = make_product(firm, name="Router", name_ar="موجه", unit="box",
                               standard_price=D("250"), cost_price=D("200"), tax_rate=D("5"))
        quote = make_quote(firm, lines=[{"product": product, "quantity": 2}])
        line = quote.lines.get()
        assert (line.description, line.description_ar, line.unit) == ("Router", "موجه", "box")
        assert (line.unit_price, line.cost_price, line.tax_rate) == (D("250"), D("200"), D("5"))
        assert (quote.subtotal, quote.tax_amount, quote.total) == (D("500.00"), D("25.00"),
                                                                    D("525.00"))

    def test_line_without_rate_takes_the_firm_rate(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "tax": {"default_tax_rate": "5"}})
        quote = make_quote(firm, lines=[{"description": "Work", "quantity": 1,
                                         "unit_price": 100}])
        assert quote.lines.get().tax_rate == D("5")
        assert quote.total == D("105.00")

    def test_line_errors_name_the_item(self, firm):
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[EXAMPLE_LINES[0], {"description": "X", "quantity": 0,
                                                       "unit_price": 1}])
        assert list(refused.value.message_dict) == ["items.1.quantity"]
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 1,
                                     "discount_percent": 5, "discount_amount": 1}])
        assert list(refused.value.message_dict) == ["items.0.discount_amount"]

    def test_system_fields_refused(self, firm):
        for field in ["number", "status", "total", "needs_approval", "version"]:
            with pytest.raises(ValidationError) as refused:
                make_quote(firm, **{field: "1"})
            assert list(refused.value.message_dict) == [field]

    def test_another_firms_rows_refused(self, firm, other_firm):
        customer = make_customer(other_firm)
        with pytest.raises(ValidationError) as refused:
            services.quote_create(firm=firm, actor=None, customer=customer, lines=[])
        assert list(refused.value.message_dict) == ["customer"]
        core_services.settings_row(firm=other_firm)
        product = make_product(other_firm)
        with pytest.raises(ValidationError) as refused:
            make_quote(firm, lines=[{"product": product, "quantity": 1}])
        assert list(refused.value.message_dict) == ["items.0.product"]


@pytest.mark.django_db
class TestDiscountsAndWarnings:
    def test_line_discount_above_limit_refused(self, firm):
        with pytest.raises(ApplicationError) as refused:
            make_quote(firm, lines=[{"description": "X", "quantity": 1, "unit_price": 100,
                                     "discount_percent": 25}])
        assert refused.value.code == "discount_above_limit"
        assert list(refused.value.details) == ["items.0.discount_percent"]
        assert not Quote.objects.filter(firm=firm).exists()

    def test_document_discount_above_limit_refused(self, firm):
        with pytest.raises(ApplicationError) as refused:
            make_quote(firm, discount_type="percentage", discount_value=16)
        assert list(refused.value.details) == ["discount_value"]

    def test_margin_warning_kept(self, firm):
        quote = make_quote(firm, lines=[{"description": "X", "quantity": 1,
                                         "unit_price": 100, "cost_price": 95}])
        [warning] = quote.warnings
        assert (warning["code"], warning["line"], warning["margin_percent"]) == (
            "below_minimum_margin", 0, D("5.00"))
        assert Quote.objects.get(pk=quote.pk).warnings[0]["margin_percent"] == "5.00"

    def test_no_warning_when_switched_off(self, firm):
        core_services.settings_update(firm=firm, actor=None, changes={
            "pricing": {"warn_below_minimum_margin": False}})
        quote = make_quote(firm, lines=[{"description": "X", "quantity": 1,
                                         "unit_price": 100, "cost_price": 95}])
        assert quote.warnings == []


@pytest.mark.django_db
class TestUpdate:
    def test_lines_replaced_and_totals_recomputed(self, firm, admin_user):
        quote = make_quote(firm)
        old_ids = set(quote.lines.values_list("pk", flat=True))
        updated = services.quote_update(
            quote=quote, actor=admin_user, shipping_cost=D("40"), discount_value=0,
            lines=[{"description": "Only", "quantity": 4, "unit_price": D("25.50"),
                    "tax_rate": 15}])
        stored = Quote.objects.get(pk=quote.pk)
        assert list(stored.lines.values_list("description", "line_total")) == [
            ("Only", D("102.00"))]
        assert not QuoteLine.objects.filter(pk__in=old_ids).exists()
        assert (stored.subtotal, stored.tax_amount, stored.shipping_cost, stored.total) == (
            D("102.00"), D("15.30"), D("40.00"), D("157.30"))
        assert updated.total == stored.total
        assert stored.history.first().history_user_id == admin_user.pk

    def test_fields_only_keeps_lines(self, firm):
        quote = make_quote(firm)
        services.quote_update(quote=quote, actor=None, discount_type="percentage",
                              discount_value=10)
        stored = Quote.objects.get(pk=quote.pk)
        assert stored.lines.count() == 2
        assert (stored.discount_amount, stored.after_discount) == (D("225.00"), D("2025.00"))

    @pytest.mark.parametrize("status", ["pending_approval", "approved", "sent", "accepted",
                                        "cancelled", "archived"])
    def test_only_drafts_are_editable(self, firm, status):
        quote = quote_in(firm, status)
        with pytest.raises(ApplicationError) as refused:
            services.quote_update(quote=quote, actor=None, notes="late")
        assert (refused.value.code, refused.value.status_code) == ("quote_not_editable", 409)
        assert refused.value.details == {"status": status}
        assert Quote.objects.get(pk=quote.pk).notes == ""

    def test_quote_totals_reads_without_saving(self, firm):
        quote = make_quote(firm, discount_value=D("100"))
        QuoteLine.objects.filter(quote=quote, position=0).update(quantity=3)
        totals = services.quote_totals(quote=quote)
        assert totals.subtotal == D("3150.00")
        assert Quote.objects.get(pk=quote.pk).subtotal == D("2250.00")


# --- state machine (business-rules §5) --------------------------------------------------------

# business-rules §5, written out: source -> the targets it may move to.
ALLOWED = {
    "draft": ["pending_approval", "sent", "cancelled"],
    "pending_approval": ["approved", "rejected", "draft"],
    "approved": ["sent", "draft"],
    "sent": ["viewed", "accepted", "rejected", "expired", "revised"],
    "viewed": ["accepted", "rejected", "expired", "revised"],
    "accepted": ["converted"],
    "rejected": ["revised", "archived"],
    "expired": ["revised", "archived"],
    "revised": ["draft"],
    "archived": ["draft"],
    "converted": [],
    "cancelled": [],
}
STATUSES = list(ALLOWED)


def events(quote) -> list[DocumentEvent]:
    return list(DocumentEvent.objects.filter(object_id=quote.pk, firm_id=quote.firm_id)
                .exclude(action__in=["created", "updated"]))


@pytest.fixture
def received():
    with sends_of(signals.quote_status_changed) as calls:
        yield calls


def test_the_machine_has_twelve_statuses():
    assert sorted(STATUSES) == sorted(QuoteStatus.values)


@pytest.mark.django_db
class TestEveryPair:
    @pytest.mark.parametrize(("source", "target"), allowed_moves(ALLOWED))
    def test_allowed(self, firm, admin_user, source, target, received,
                     django_capture_on_commit_callbacks):
        quote = quote_in(firm, source)
        history = quote.history.count()
        with django_capture_on_commit_callbacks(execute=True):
            moved = services.quote_transition(quote=quote, target=target, actor=admin_user,
                                              reason="because")
        assert moved.status == target
        assert Quote.objects.get(pk=quote.pk).status == target
        [event] = events(quote)
        assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
            source, target, admin_user.pk, "because")
        assert quote.history.count() > history
        record = quote.history.filter(status=target).first()
        assert record.history_user_id == admin_user.pk
        assert [(c["source"], c["target"], c["actor"]) for c in received] == [
            (source, target, admin_user)]

    @pytest.mark.parametrize(("source", "target"), refused_moves(ALLOWED))
    def test_refused(self, firm, admin_user, source, target, received,
                     django_capture_on_commit_callbacks):
        quote = quote_in(firm, source)
        history = quote.history.count()
        with django_capture_on_commit_callbacks(execute=True), \
                pytest.raises(InvalidTransition) as refused:
            services.quote_transition(quote=quote, target=target, actor=admin_user)
        assert_move_refused(refused.value, source, target, ALLOWED)
        assert Quote.objects.get(pk=quote.pk).status == source
        assert quote.history.count() == history
        assert events(quote) == []
        assert not QuoteVersion.objects.filter(quote=quote).exists()
        assert received == []

    @pytest.mark.parametrize("target", ["", "won", "SENT"])
    def test_unknown_target(self, firm, admin_user, target):
        quote = quote_in(firm, "draft")
        with pytest.raises(InvalidTransition) as refused:
            services.quote_transition(quote=quote, target=target, actor=admin_user)
        assert refused.value.details["allowed"] == ["cancelled", "pending_approval", "sent"]

    def test_allowed_targets_helper(self, firm):
        for status in STATUSES:
            assert services.quote_allowed_targets(quote=quote_in(firm, status)) == sorted(
                ALLOWED[status])


@pytest.mark.django_db
class TestTimestamps:
    def test_each_step_is_stamped(self, firm, admin_user):
        quote = make_quote(firm)
        for target in ["sent", "viewed", "accepted", "converted"]:
            quote = services.quote_transition(quote=quote, target=target, actor=admin_user)
        quote.refresh_from_db()
        assert quote.sent_at <= quote.viewed_at <= quote.accepted_at <= quote.converted_at

    def test_rejection_keeps_its_reason(self, firm, admin_user):
        quote = quote_in(firm, "sent")
        quote = services.quote_transition(quote=quote, target="rejected", actor=admin_user,
                                          reason="Too expensive")
        quote.refresh_from_db()
        assert quote.rejection_reason == "Too expensive"
        assert quote.rejected_at is not None


@pytest.mark.django_db
class TestApproval:
    def require_approval(self, firm, **quotes):
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"require_approval": True, **quotes}})

    def test_draft_to_sent_refused_when_approval_needed(self, firm, admin_user):
        self.require_approval(firm, approval_threshold="2000")
        quote = make_quote(firm)  # total 2408 ≥ 2000
        assert quote.needs_approval is True
        assert quote.approval_reasons[0]["reason"] == "total_above_threshold"
        with pytest.raises(InvalidTransition) as refused:
            services.quote_transition(quote=quote, target="sent", actor=admin_user)
        assert refused.value.details == {"from": "draft", "to": "sent",
                                         "allowed": ["cancelled", "pending_approval"]}
        assert Quote.objects.get(pk=quote.pk).status == "draft"

    def test_below_threshold_goes_straight_out(self, firm, admin_user):
        self.require_approval(firm, approval_threshold="5000")
        quote = make_quote(firm)
        assert quote.needs_approval is False
        sent = services.quote_transition(quote=quote, target="sent", actor=admin_user)
        assert sent.status == "sent"

    def test_settings_changed_after_saving_are_read_when_sending(self, firm, admin_user):
        quote = make_quote(firm)
        assert quote.needs_approval is False
        self.require_approval(firm)  # no threshold: every quote
        with pytest.raises(InvalidTransition) as refused:
            services.quote_transition(quote=quote, target="sent", actor=admin_user)
        assert refused.value.details["allowed"] == ["cancelled", "pending_approval"]
        assert Quote.objects.get(pk=quote.pk).status == "draft"

    def test_submit_approve_send(self, firm, admin_user, users):
        self.require_approval(firm)
        quote = make_quote(firm, actor=users[Role.SALES_PERSON])
        quote = services.quote_transition(quote=quote, target="pending_approval",
                                          actor=users[Role.SALES_PERSON])
        manager = users[Role.SALES_MANAGER]
        quote = services.quote_approve(quote=quote, actor=manager, reason="fine")
        quote.refresh_from_db()
        assert (quote.status, quote.approved_by_id) == ("approved", manager.pk)
        assert quote.approved_at is not None
        quote = services.quote_transition(quote=quote, target="sent", actor=manager)
        assert quote.status == "sent"

    def test_sales_person_cannot_approve(self, firm, users):
        quote = quote_in(firm, "pending_approval")
        with pytest.raises(ApplicationError) as refused:
            services.quote_approve(quote=quote, actor=users[Role.SALES_PERSON])
        assert (refused.value.code, refused.value.status_code) == ("permission_denied", 403)
        assert Quote.objects.get(pk=quote.pk).status == "pending_approval"

    def test_named_approvers_only(self, firm, users):
        named = make_user(firm=firm, role=Role.SALES_MANAGER, username="chief")
        self.require_approval(firm, approvers=[named.pk])
        quote = quote_in(firm, "draft")
        quote = services.quote_update(quote=quote, actor=None, notes="recompute")
        Quote.objects.filter(pk=quote.pk).update(status="pending_approval")
        with pytest.raises(ApplicationError):
            services.quote_approve(quote=quote, actor=users[Role.SALES_MANAGER])
        approved = services.quote_approve(quote=quote, actor=named)
        assert approved.approved_by_id == named.pk

    def test_discount_needing_approval(self, firm, admin_user):
        core_services.settings_update(firm=firm, actor=None, changes={
            "discounts": {"require_discount_approval": True}})
        quote = make_quote(firm, lines=[{"description": "X", "quantity": 1,
                                         "unit_price": 1000, "discount_percent": 30}])
        assert quote.needs_approval is True
        assert quote.approval_reasons == [{
            "reason": "discount", "field": "items.0.discount_percent",
            "discount_percent": "30", "limit_percent": "10"}]
        assert services.quote_allowed_targets(quote=quote) == ["cancelled", "pending_approval"]

    def test_back_to_draft_drops_the_approval(self, firm, admin_user):
        quote = quote_in(firm, "pending_approval")
        quote = services.quote_approve(quote=quote, actor=admin_user)
        quote = services.quote_transition(quote=quote, target="draft", actor=admin_user)
        quote.refresh_from_db()
        assert (quote.approved_by_id, quote.approved_at) == (None, None)


# --- the action declaration (sales.quotes.actions) ------------------------------------------

def _quote_for_walk(firm, status: str) -> Quote:
    """A quote in `status`; "draft_approval" is a draft that needs approval and
    "pending_other_approver" a quote pending approval that only another user may approve (both
    change the firm's settings, so they come last)."""
    if status == "draft_approval":
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"require_approval": True}})
        return make_quote(firm)
    if status == "pending_other_approver":
        named = make_user(firm=firm, role=Role.SALES_MANAGER, username="chief")
        core_services.settings_update(firm=firm, actor=None, changes={
            "quotes": {"require_approval": True, "approvers": [named.pk]}})
        return quote_in(firm, QuoteStatus.PENDING_APPROVAL)
    return quote_in(firm, status)


@pytest.mark.django_db
def test_the_declared_actions_follow_the_state_machine(firm, admin_user):
    offered = assert_declaration_follows_machine(
        QUOTE_ACTIONS, make=lambda status: _quote_for_walk(firm, status), user=admin_user,
        statuses=[*QuoteStatus.values, "draft_approval", "pending_other_approver"],
        inputs={"send": lambda quote: {"to": ["buyer@example.com"]}})
    assert offered == {
        "draft": ["cancel", "mark_sent", "send", "submit"],
        "pending_approval": ["approve", "redraft", "reject"],
        "approved": ["mark_sent", "redraft", "send"],
        "sent": ["accept", "expire", "mark_viewed", "reject", "revise", "send"],
        "viewed": ["accept", "expire", "reject", "revise", "send"],
        "accepted": [], "converted": [], "cancelled": [],
        "rejected": ["archive", "revise"], "expired": ["archive", "revise"],
        "revised": ["redraft"], "archived": ["redraft"],
        "draft_approval": ["cancel", "submit"],
        "pending_other_approver": ["redraft", "reject"],
    }


def test_each_move_is_declared_with_its_status():
    # The moves quote_available_actions offers are the declared actions, leading where the
    # state machine goes; send is the one action that is not a single move.
    moves = {action.name: action.target for action in QUOTE_ACTIONS.actions if action.target}
    assert moves == services.QUOTE_ACTION_TARGETS
    assert set(QUOTE_ACTIONS.by_name) - set(moves) == {"send"}


@pytest.mark.django_db
class TestRevise:
    def test_revise_archives_the_version_and_starts_the_next(self, firm, admin_user):
        quote = make_quote(firm, actor=admin_user, probability=60)
        old_lines = list(quote.lines.values_list("description", "line_total"))
        quote = services.quote_transition(quote=quote, target="sent", actor=admin_user)
        revised = services.quote_revise(
            quote=quote, actor=admin_user, reason="customer asked for 3",
            lines=[{"description": "Line A", "quantity": 3, "unit_price": 1000,
                    "tax_rate": 15}])
        revised.refresh_from_db()
        assert (revised.status, revised.version, revised.number) == ("draft", 2, quote.number)
        assert revised.total == 3335  # 3000 less the 100 kept from version 1, + 435 VAT
        [archived] = QuoteVersion.objects.filter(quote=quote)
        assert (archived.version, archived.status, archived.total) == (1, "sent", 2408)
        assert archived.archived_by_id == admin_user.pk
        assert archived.reason == "customer asked for 3"
        snapshot = archived.snapshot
        assert snapshot["quote"]["total"] == "2408.00"
        assert snapshot["quote"]["weighted_value"] == "1444.80"
        assert snapshot["quote"]["status"] == "sent"
        assert [(line["description"], line["line_total"]) for line in snapshot["lines"]] == [
            (description, str(total)) for description, total in old_lines]
        steps = [(e.from_status, e.to_status) for e in events(quote)]
        assert steps == [("draft", "sent"), ("sent", "revised"), ("revised", "draft")]

    def test_archived_version_never_changes(self, firm, admin_user):
        quote = quote_in(firm, "expired")
        services.quote_revise(quote=quote, actor=admin_user)
        version = QuoteVersion.objects.get(quote=quote)
        version.reason = "rewritten"
        with pytest.raises(ValueError):
            version.save()
        assert QuoteVersion.objects.get(pk=version.pk).reason == ""

    def test_second_revision_keeps_both(self, firm, admin_user):
        quote = quote_in(firm, "rejected")
        quote = services.quote_revise(quote=quote, actor=admin_user, notes="v2")
        quote = services.quote_transition(quote=quote, target="sent", actor=admin_user)
        quote = services.quote_revise(quote=quote, actor=admin_user, notes="v3")
        assert quote.version == 3
        assert list(QuoteVersion.objects.filter(quote=quote).values_list(
            "version", "status")) == [(2, "sent"), (1, "rejected")]
        assert QuoteVersion.objects.get(quote=quote, version=2).snapshot["quote"][
            "notes"] == "v2"

    def test_draft_cannot_be_revised(self, firm, admin_user):
        quote = make_quote(firm)
        with pytest.raises(InvalidTransition):
            services.quote_revise(quote=quote, actor=admin_user)
        assert not QuoteVersion.objects.filter(quote=quote).exists()
        assert Quote.objects.get(pk=quote.pk).version == 1

    def test_revision_recomputes_with_current_settings(self, firm, admin_user):
        quote = quote_in(firm, "sent")
        core_services.settings_update(firm=firm, actor=None, changes={
            "tax": {"calculate_tax_on_discount": False}})
        quote = services.quote_revise(quote=quote, actor=admin_user)
        assert (quote.tax_amount, quote.total) == (270, 2420)

    def test_failed_edit_rolls_the_whole_revision_back(self, firm, admin_user):
        quote = quote_in(firm, "sent")
        with pytest.raises(ApplicationError), transaction.atomic():
            services.quote_revise(quote=quote, actor=admin_user, lines=[
                {"description": "X", "quantity": 1, "unit_price": 100,
                 "discount_percent": 50}])
        quote.refresh_from_db()
        assert (quote.status, quote.version) == ("sent", 1)
        assert not QuoteVersion.objects.filter(quote=quote).exists()


@pytest.mark.django_db
class TestAcceptance:
    def test_accepting_wins_the_lead_and_takes_its_customer(self, firm, admin_user,
                                                            django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.PROPOSAL)
        quote = make_quote(firm, lead=lead)
        assert quote.customer_id is None
        quote = services.quote_transition(quote=quote, target="sent", actor=admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            accepted = services.quote_transition(quote=quote, target="accepted",
                                                 actor=admin_user)
        lead.refresh_from_db()
        assert lead.status == "won"
        assert lead.customer_id is not None
        assert Quote.objects.get(pk=quote.pk).customer_id == lead.customer_id
        assert accepted.customer_id == lead.customer_id

    @pytest.mark.parametrize("status", [status for status in LeadStatus.values
                                        if status != LeadStatus.WON])
    def test_accepting_moves_the_lead_through_the_steps_won_needs(
            self, firm, admin_user, status, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=status)
        quote = quote_in(firm, "sent", lead=lead)
        before = LeadTransaction.objects.filter(lead=lead).count()
        with django_capture_on_commit_callbacks(execute=True):
            accepted = services.quote_transition(quote=quote, target="accepted",
                                                 actor=admin_user)
        lead.refresh_from_db()
        steps = [*LEAD_STEPS_TO_WON[status], LeadStatus.WON]
        assert (lead.status, accepted.status) == (LeadStatus.WON, QuoteStatus.ACCEPTED)
        # Each move recorded once, in order, with the quote as the reason.
        moves = [move for move in LeadTransaction.objects.filter(lead=lead).order_by("pk")[
            before:] if move.type == LeadTransactionType.STATUS_CHANGED]
        assert [move.new_values["status"] for move in moves] == steps
        assert [move.previous_values["status"] for move in moves] == [status, *steps[:-1]]
        assert {move.reason for move in moves} == {f"Quote {quote.number} accepted"}
        # Side effects once: one customer, and no draft quote for the pass through proposal.
        assert Customer.objects.filter(firm=firm, pk=lead.customer_id).count() == 1
        assert accepted.customer_id == lead.customer_id
        assert list(Quote.objects.filter(lead=lead)) == [quote]

    def test_a_won_lead_stays_won_with_its_customer(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.PROPOSAL)
        lead = lead_transition(lead=lead, target=LeadStatus.WON, actor=admin_user)
        quote = quote_in(firm, "sent", lead=lead)
        moves = LeadTransaction.objects.filter(lead=lead, type=LeadTransactionType.STATUS_CHANGED)
        before = moves.count()
        services.quote_transition(quote=quote, target="accepted", actor=admin_user)
        assert moves.count() == before
        assert Quote.objects.get(pk=quote.pk).customer_id == lead.customer_id

    def test_every_step_to_won_is_a_move_the_lead_machine_allows(self):
        for status, steps in LEAD_STEPS_TO_WON.items():
            current = status
            for target in (*steps, LeadStatus.WON):
                assert target in lead_allowed_targets(lead=Lead(status=current)), (
                    status, target)
                current = target
        assert set(LEAD_STEPS_TO_WON) == set(LeadStatus.values) - {LeadStatus.WON}


# --- sending (sales.quotes.services.sending) ------------------------------------------------

LINK = re.compile(r"(?:https?://[^/\s]+)?/q/([^/\s]+)/")


def send(quote, actor, callbacks, **kwargs):
    with callbacks(execute=True):
        return sending.quote_send(quote=quote, actor=actor, **kwargs)


def signed_in(body: str) -> str:
    return LINK.search(body).group(1)


@pytest.mark.django_db
class TestSend:
    def test_sent_emailed_with_pdf_and_link(self, firm, admin_user,
                                            django_capture_on_commit_callbacks):
        customer = make_customer(firm, email="buyer@gulf.example")
        quote = make_quote(firm, customer=customer, owner=admin_user)
        sent = send(quote, admin_user, django_capture_on_commit_callbacks, language="en",
                    message="As discussed on the phone.", origin="https://erp.example.com")
        stored = Quote.objects.get(pk=quote.pk)
        assert sent.status == stored.status == QuoteStatus.SENT
        assert stored.sent_at is not None
        [email] = mail.outbox
        assert email.to == ["buyer@gulf.example"]
        assert email.subject == f"Quotation {quote.number} from {firm.name}"
        assert "As discussed on the phone." in email.body
        assert "2,408.00 SAR" in email.body
        [(filename, content, mimetype)] = email.attachments
        assert (filename, mimetype) == (f"{quote.number}.pdf", "application/pdf")
        assert content.startswith(b"%PDF-")
        assert "https://erp.example.com/q/" in email.body
        value = signed_in(email.body)
        payload = signing.loads(value, salt=sending.SALT)
        assert payload["t"] == stored.public_token
        assert set(payload) == {"t", "l", "e"}
        assert sending.quote_public_resolve(signed=value).quote.pk == quote.pk

    def test_arabic_email(self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks, language="ar")
        [email] = mail.outbox
        assert email.subject == f"عرض سعر رقم {quote.number} من {firm.name_ar}"
        assert "تجدون مرفقًا عرض السعر" in email.body
        assert "Please find attached" not in email.body
        assert sending.quote_public_resolve(signed=signed_in(email.body)).language == "ar"

    def test_language_defaults_to_the_firms_document_language(
            self, firm, admin_user, django_capture_on_commit_callbacks):
        core_services.settings_update(firm=firm, changes={"documents": {
            "default_language": "both"}}, actor=admin_user)
        send(make_quote(firm), admin_user, django_capture_on_commit_callbacks)
        [email] = mail.outbox
        assert "Please find attached" in email.body and "تجدون مرفقًا" in email.body

    def test_explicit_recipients(self, firm, admin_user, django_capture_on_commit_callbacks):
        send(make_quote(firm), admin_user, django_capture_on_commit_callbacks,
             to=["a@x.example", "b@x.example", "a@x.example"])
        assert mail.outbox[0].to == ["a@x.example", "b@x.example"]

    def test_a_lead_quote_goes_to_the_lead(self, firm, admin_user,
                                           django_capture_on_commit_callbacks):
        lead = make_lead(firm, email="sara@desert.example")
        send(make_quote(firm, lead=lead), admin_user, django_capture_on_commit_callbacks)
        assert mail.outbox[0].to == ["sara@desert.example"]

    def test_follow_up_task_due_in_three_days(self, firm, admin_user,
                                              django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks)
        [task] = Activity.objects.filter(entity_type=ActivityEntity.QUOTE, entity_id=quote.pk)
        assert task.type == ActivityType.TASK
        assert task.due_date == core_services.firm_today(firm=firm) + datetime.timedelta(days=3)
        assert task.subject == f"Follow up on quote {quote.number}"
        assert (task.firm_id, task.performed_by_id) == (firm.pk, admin_user.pk)

    def test_timeline_has_the_send_and_the_email(self, firm, admin_user,
                                                 django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks, to=["x@y.example"])
        actions = list(DocumentEvent.objects.filter(object_id=quote.pk, firm=firm)
                       .values_list("action", "to_status", "actor_id"))
        assert actions[-2:] == [("send", QuoteStatus.SENT, admin_user.pk),
                                ("emailed", "", admin_user.pk)]

    def test_the_email_waits_for_the_commit(self, firm, admin_user,
                                            django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            sending.quote_send(quote=quote, actor=admin_user)
        assert mail.outbox == []
        assert len(callbacks) >= 1

    def test_sending_again_emails_without_a_second_transition(
            self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks)
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.VIEWED)
        again = send(quote, admin_user, django_capture_on_commit_callbacks,
                     to=["other@x.example"])
        assert again.status == QuoteStatus.VIEWED
        assert len(mail.outbox) == 2
        assert Activity.objects.filter(entity_id=quote.pk, entity_type="quote").count() == 1


@pytest.mark.django_db
class TestSendRefused:
    def test_a_quote_needing_approval_409(self, firm, admin_user,
                                          django_capture_on_commit_callbacks):
        core_services.settings_update(firm=firm, changes={"quotes": {
            "require_approval": True, "approval_threshold": "1000"}}, actor=admin_user)
        quote = make_quote(firm)
        with pytest.raises(InvalidTransition) as refused:
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert refused.value.status_code == 409
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []
        assert not Activity.objects.filter(entity_type="quote").exists()

    def test_an_approved_quote_is_sent(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        quote = quote_in(firm, QuoteStatus.APPROVED)
        assert send(quote, admin_user, django_capture_on_commit_callbacks).status == "sent"
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "cancelled",
                                        "pending_approval"])
    def test_other_statuses(self, firm, admin_user, status,
                            django_capture_on_commit_callbacks):
        quote = quote_in(firm, status)
        with pytest.raises(InvalidTransition):
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.get(pk=quote.pk).status == status
        assert mail.outbox == []

    def test_a_pdf_that_cannot_be_drawn_sends_nothing(self, firm, admin_user, monkeypatch,
                                                      django_capture_on_commit_callbacks):
        def broken(**kwargs):
            raise LayoutError("too large on page 1")

        monkeypatch.setattr(sending, "quote_pdf", broken)
        quote = make_quote(firm)
        with pytest.raises(LayoutError):
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert not DocumentEvent.objects.filter(object_id=quote.pk, action__in=[
            "send", "emailed"]).exists()
        assert not Activity.objects.filter(entity_type="quote").exists()
        assert mail.outbox == []

    def test_a_failing_mail_server_is_tried_again(self, firm, admin_user, monkeypatch):
        attempts = []
        deliver = EmailMessage.send

        def flaky(message, *args, **kwargs):
            attempts.append(message.to)
            if len(attempts) < 3:
                raise smtplib.SMTPServerDisconnected("connection lost")
            return deliver(message, *args, **kwargs)

        monkeypatch.setattr(EmailMessage, "send", flaky)
        # As a worker runs it: a failure is a retry, not an error.
        monkeypatch.setitem(quote_email_send.app.conf, "task_eager_propagates", False)
        quote = quote_in(firm, QuoteStatus.SENT)
        result = quote_email_send.apply(kwargs={
            "quote_id": quote.pk, "to": ["buyer@x.example"], "message": "", "language": "en",
            "link": "https://erp.example.com/q/x/"})
        assert result.successful()
        assert attempts == [["buyer@x.example"]] * 3
        [email] = mail.outbox
        assert email.attachments[0][0] == f"{quote.number}.pdf"

    def test_no_address(self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm, customer=make_customer(firm, email=""))
        with pytest.raises(ValidationError) as refused:
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert "to" in refused.value.message_dict
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []

    def test_a_bad_address_or_language(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with pytest.raises(ValidationError):
            send(quote, admin_user, django_capture_on_commit_callbacks, to=["not-an-email"])
        with pytest.raises(ValidationError):
            send(quote, admin_user, django_capture_on_commit_callbacks, language="fr")
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []


@pytest.mark.django_db
class TestLink:
    def test_tampered_and_foreign_values(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        value = sending.quote_public_value(quote=quote, language="en")
        for bad in [value[:-1] + ("A" if value[-1] != "A" else "B"), "nonsense", "",
                    signing.dumps({"t": quote.public_token, "l": "en", "e": "2999-01-01"},
                                  salt="another.salt"),
                    signing.dumps({"id": quote.pk}, salt=sending.SALT)]:
            with pytest.raises(sending.QuoteLinkInvalid):
                sending.quote_public_resolve(signed=bad)

    def test_a_link_ends_after_valid_until_and_the_grace(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=quote.pk).update(
            quote_date=today - datetime.timedelta(days=60),
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS))
        quote.refresh_from_db()
        still = sending.quote_public_value(quote=quote, language="en")
        assert sending.quote_public_resolve(signed=still).quote.pk == quote.pk
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS + 1))
        quote.refresh_from_db()
        with pytest.raises(sending.QuoteLinkInvalid):
            sending.quote_public_resolve(
                signed=sending.quote_public_value(quote=quote, language="en"))

    def test_a_new_token_kills_old_links(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        value = sending.quote_public_value(quote=quote, language="en")
        Quote.objects.filter(pk=quote.pk).update(public_token="replaced")
        with pytest.raises(sending.QuoteLinkInvalid):
            sending.quote_public_resolve(signed=value)

    def test_amounts_in_the_email_are_the_quotes(self, firm):
        quote = make_quote(firm, lines=[{"description": "X", "quantity": Decimal("1"),
                                         "unit_price": Decimal("1234.5"),
                                         "tax_rate": Decimal("0")}])
        sending.quote_email_deliver(quote=quote, to=["a@b.example"], message="",
                                    language="en", link="https://x.example/q/v/")
        assert "1,234.50 SAR" in mail.outbox[0].body


# --- sales.receivers: crm's lead and activities -----------------------------------------------

def walk(lead, targets, actor, callbacks_fixture):
    with callbacks_fixture(execute=True):
        for target in targets:
            lead = crm_services.lead_transition(lead=lead, target=target, actor=actor)
    return lead


@pytest.fixture
def seller(firm):
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller")


@pytest.mark.django_db
class TestProposalMakesAQuote:
    def test_one_draft_quote_owned_by_the_assignee(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        assert not Quote.objects.exists()
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        [quote] = Quote.objects.all()
        assert (quote.firm_id, quote.lead_id, quote.customer_id) == (firm.pk, lead.pk, None)
        assert quote.status == QuoteStatus.DRAFT
        assert (quote.owner_id, quote.created_by_id) == (seller.pk, admin_user.pk)
        assert quote.lines.count() == 0
        assert quote.total == 0
        assert quote.number.startswith("QT-")
        assert quote.contact_email == lead.email

    def test_only_after_commit(self, firm, admin_user, seller,
                               django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            crm_services.lead_transition(lead=lead, target=LeadStatus.PROPOSAL,
                                         actor=admin_user)
        assert callbacks
        assert not Quote.objects.exists()  # nothing until the lead's change commits
        for callback in callbacks:
            callback()
        assert Quote.objects.filter(lead=lead).count() == 1

    def test_back_from_negotiation_keeps_the_one_quote(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        walk(lead, [LeadStatus.PROPOSAL, LeadStatus.NEGOTIATION, LeadStatus.PROPOSAL],
             admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.filter(lead=lead).count() == 1

    def test_a_lead_with_an_open_quote_gets_none(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        existing = quote_in(firm, QuoteStatus.SENT, lead=lead)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert list(Quote.objects.filter(lead=lead)) == [existing]

    def test_a_closed_quote_does_not_count(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        old = quote_in(firm, QuoteStatus.REJECTED, lead=lead)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.filter(lead=lead).exclude(pk=old.pk).count() == 1

    def test_other_moves_make_no_quote(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        lead = make_lead(firm)
        walk(lead, [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.NURTURING],
             admin_user, django_capture_on_commit_callbacks)
        assert not Quote.objects.exists()

    def test_unassigned_lead_quote_is_the_actors(self, firm, admin_user,
                                                 django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.get(lead=lead).owner_id == admin_user.pk

    def test_a_stale_signal_for_a_lead_that_moved_on_makes_none(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED)
        assert sales.receivers.lead_quote_ensure(lead=lead, actor=admin_user) is None
        assert not Quote.objects.exists()


@pytest.mark.django_db
class TestActivitiesAboutQuotes:
    def test_quotes_are_registered(self):
        assert activity_entities()[ActivityEntity.QUOTE] is Quote

    def test_an_activity_on_a_quote(self, firm, admin_user):
        quote = quote_in(firm, QuoteStatus.DRAFT)
        activity = crm_services.activity_log(firm=firm, actor=admin_user, type="call",
                                             entity_type="quote", entity_id=quote.pk)
        assert Activity.objects.get(pk=activity.pk).entity_id == quote.pk

    def test_another_firms_quote_is_refused(self, firm, other_firm, admin_user):
        theirs = quote_in(other_firm, QuoteStatus.DRAFT)
        with pytest.raises(ValidationError):
            crm_services.activity_log(firm=firm, actor=admin_user, type="call",
                                      entity_type="quote", entity_id=theirs.pk)
        assert not Activity.objects.exists()
