"""Quote state machine, business-rules §5: every pair, approval before sending,
approvers, revisions, the lead won on acceptance, signals after commit."""

import pytest
from django.db import transaction

from core import services as core_services
from core.choices import Role
from core.errors import ApplicationError, InvalidTransition
from core.models import DocumentEvent
from crm.choices import LeadStatus
from sales import services, signals
from sales.choices import QuoteStatus
from sales.models import Quote, QuoteVersion
from tests.crm.factories import make_lead
from tests.factories import make_user
from tests.sales.factories import make_quote, quote_in

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
    calls = []

    def changed(sender, **kwargs):
        calls.append(kwargs)

    signals.quote_status_changed.connect(changed, weak=False)
    yield calls
    signals.quote_status_changed.disconnect(changed)


def test_the_machine_has_twelve_statuses():
    assert sorted(STATUSES) == sorted(QuoteStatus.values)


@pytest.mark.django_db
class TestEveryPair:
    @pytest.mark.parametrize(("source", "target"),
                             [(s, t) for s in STATUSES for t in ALLOWED[s]])
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

    @pytest.mark.parametrize(("source", "target"),
                             [(s, t) for s in STATUSES for t in STATUSES
                              if t not in ALLOWED[s]])
    def test_refused(self, firm, admin_user, source, target, received,
                     django_capture_on_commit_callbacks):
        quote = quote_in(firm, source)
        history = quote.history.count()
        with django_capture_on_commit_callbacks(execute=True), \
                pytest.raises(InvalidTransition) as refused:
            services.quote_transition(quote=quote, target=target, actor=admin_user)
        assert refused.value.status_code == 409
        assert refused.value.code == "invalid_transition"
        assert refused.value.details == {"from": source, "to": target,
                                         "allowed": sorted(ALLOWED[source])}
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

    def test_lead_not_ready_to_win_stays(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED)
        quote = quote_in(firm, "sent", lead=lead)
        services.quote_transition(quote=quote, target="accepted", actor=admin_user)
        lead.refresh_from_db()
        assert lead.status == "qualified"
        assert Quote.objects.get(pk=quote.pk).status == "accepted"
