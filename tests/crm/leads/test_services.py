"""Lead services: the state machine (business-rules §4) with its audit, side effects and
signals, role scope, deletion and stale leads (business-rules §12)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.choices import Role
from core.errors import ApplicationError, InvalidTransition
from core.scoping import scope_for
from crm import services, signals
from crm.choices import LeadStatus, LeadTransactionType
from crm.models import (
    Case,
    Customer,
    Lead,
    LeadTransaction,
    Notification,
    Stage,
)
from tests.contracts.machines import allowed_moves, assert_move_refused, refused_moves
from tests.crm.factories import (
    make_customer,
    make_lead,
    make_pipeline,
    make_sales_person,
    make_sales_team,
)
from tests.crm.leads.deletion import assert_lead_gone
from tests.crm.leads.stale import THRESHOLDS, idle_lead, stale_state
from tests.factories import make_user

DAY = datetime.timedelta(days=1)


def fresh(lead: Lead) -> Lead:
    return Lead.objects.get(pk=lead.pk)


# business-rules §4, written out: source -> the targets it may move to.
ALLOWED = {
    "new": ["contacted", "disqualified"],
    "contacted": ["qualified", "nurturing", "disqualified"],
    "qualified": ["proposal", "nurturing", "disqualified"],
    "proposal": ["negotiation", "won", "lost"],
    "negotiation": ["won", "lost", "proposal"],
    "nurturing": ["contacted", "disqualified"],
    "lost": ["reopened"],
    "disqualified": ["reopened"],
    "reopened": ["contacted", "qualified", "nurturing", "disqualified"],
    "won": [],
}


STATUSES = list(ALLOWED)


ORIGIN = {"ip_address": "10.1.2.3", "user_agent": "pytest-agent/1.0"}


def lead_in(firm, status: str, **fields) -> Lead:
    """A lead made by the service, then put straight into `status` (protected FSM fields
    refuse assignment, so the row is updated)."""
    fields = {"first_name": "Sara", "last_name": "Ali", "company": "Najd Logistics", **fields}
    lead = services.lead_create(firm=firm, actor=None, **fields)
    Lead.objects.filter(pk=lead.pk).update(status=status)
    return Lead.objects.get(pk=lead.pk)


def status_rows(lead) -> list[LeadTransaction]:
    return list(LeadTransaction.objects.filter(lead=lead,
                                               type=LeadTransactionType.STATUS_CHANGED))


@pytest.fixture
def received():
    """Calls of the crm domain signals, as (signal name, kwargs)."""
    calls = []

    def status_changed(sender, **kwargs):
        calls.append(("lead_status_changed", kwargs))

    def won(sender, **kwargs):
        calls.append(("lead_won", kwargs))

    signals.lead_status_changed.connect(status_changed, weak=False)
    signals.lead_won.connect(won, weak=False)
    yield calls
    signals.lead_status_changed.disconnect(status_changed)
    signals.lead_won.disconnect(won)


NOT_WATCHED = ["won", "lost", "disqualified", "nurturing", "reopened"]


HOUR = datetime.timedelta(hours=1)


@pytest.mark.django_db
class TestLeadDelete:
    def test_service(self, lead_with_links, admin_user):
        services.lead_delete(lead=lead_with_links["lead"], actor=admin_user)
        assert_lead_gone(**lead_with_links, actor=admin_user)


# --- closed leads are not stale ---------------------------------------------------------


@pytest.mark.django_db
class TestClosedLeadsAreNotStale:
    @pytest.mark.parametrize("target", [LeadStatus.WON, LeadStatus.LOST,
                                        LeadStatus.DISQUALIFIED])
    def test_closing_clears_the_flag(self, firm, admin_user, target):
        make_pipeline(firm, is_default=True)
        start = LeadStatus.QUALIFIED if target == LeadStatus.DISQUALIFIED \
            else LeadStatus.NEGOTIATION
        lead = make_lead(firm, status=start)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact",
                                               stale_notified_at=timezone.now())
        services.lead_transition(lead=lead, target=target, actor=admin_user, reason="closed")
        lead = fresh(lead)
        assert (lead.status, lead.is_stale, lead.stale_reason, lead.stale_notified_at) == (
            target, False, "", None)
        assert lead.history.latest().is_stale is False  # in the transition's history row
        # The stale job never flags it again, however long it waits.
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=timezone.now() - 400 * DAY)
        assert services.leads_flag_stale(now=timezone.now()) == []
        assert fresh(lead).is_stale is False

    def test_an_open_move_keeps_the_flag(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.CONTACTED)
        Lead.objects.filter(pk=lead.pk).update(is_stale=True, stale_reason="No contact")
        services.lead_transition(lead=lead, target=LeadStatus.QUALIFIED, actor=admin_user)
        assert fresh(lead).is_stale is True


def test_the_machine_has_ten_statuses():
    assert sorted(STATUSES) == sorted(LeadStatus.values)


@pytest.mark.django_db
class TestEveryPair:
    @pytest.mark.parametrize(("source", "target"), allowed_moves(ALLOWED))
    def test_allowed(self, firm, admin_user, source, target):
        lead = lead_in(firm, source)
        history = lead.history.count()
        moved = services.lead_transition(lead=lead, target=target, actor=admin_user,
                                         reason="because", origin=ORIGIN)
        assert moved.status == target
        assert Lead.objects.get(pk=lead.pk).status == target
        [row] = status_rows(lead)
        assert (row.previous_values["status"], row.new_values["status"]) == (source, target)
        assert (row.actor_id, row.reason) == (admin_user.pk, "because")
        assert lead.history.count() == history + 1
        record = lead.history.first()
        assert (record.status, record.history_user_id) == (target, admin_user.pk)

    @pytest.mark.parametrize(("source", "target"), refused_moves(ALLOWED))
    def test_refused(self, firm, admin_user, received, source, target):
        lead = lead_in(firm, source)
        history = lead.history.count()
        transactions = LeadTransaction.objects.filter(lead=lead).count()
        # No reason even for `lost`: the move itself is refused first.
        with pytest.raises(InvalidTransition) as refused:
            services.lead_transition(lead=lead, target=target, actor=admin_user)
        assert_move_refused(refused.value, source, target, ALLOWED)
        assert Lead.objects.get(pk=lead.pk).status == source
        assert LeadTransaction.objects.filter(lead=lead).count() == transactions
        assert lead.history.count() == history
        assert received == []

    @pytest.mark.parametrize("target", ["", "archived", "WON"])
    def test_unknown_target(self, firm, admin_user, target):
        lead = lead_in(firm, "new")
        with pytest.raises(InvalidTransition) as refused:
            services.lead_transition(lead=lead, target=target, actor=admin_user)
        assert refused.value.details == {"from": "new", "to": target,
                                         "allowed": ["contacted", "disqualified"]}

    def test_allowed_targets_helper(self, firm):
        for status in STATUSES:
            assert services.lead_allowed_targets(lead=lead_in(firm, status)) == sorted(
                ALLOWED[status])


@pytest.mark.django_db
class TestWalkToWon:
    def test_one_status_row_per_move_and_one_customer(self, firm, admin_user, received):
        pipeline = make_pipeline(firm, is_default=True)
        stages = {stage.status: stage.pk for stage in pipeline.stages.all()}
        seller = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        lead = services.lead_create(firm=firm, actor=admin_user, first_name="Sara",
                                    company="Najd Logistics", email="sara@najd.example",
                                    assigned_to=seller)
        assert lead.stage_id == stages["new"]
        path = ["contacted", "qualified", "proposal", "won"]
        for step, target in enumerate(path):
            lead = services.lead_transition(lead=lead, target=target, actor=admin_user,
                                            reason=f"step {step}", origin=ORIGIN)
        rows = status_rows(lead)
        assert [(r.previous_values, r.new_values) for r in rows] == [
            ({"status": s, "stage_id": stages[s]}, {"status": t, "stage_id": stages[t]})
            for s, t in zip(["new", *path], path, strict=False)]
        assert [(r.actor_id, r.reason, r.ip_address, r.user_agent) for r in rows] == [
            (admin_user.pk, f"step {i}", "10.1.2.3", "pytest-agent/1.0") for i in range(4)]
        customer = Customer.objects.get(firm=firm)
        lead.refresh_from_db()
        assert lead.customer == customer
        assert (customer.name, customer.email, customer.owner, customer.code) == (
            "Najd Logistics", "sara@najd.example", seller, "CUS-00001")
        assert customer.history.first().history_user == admin_user
        assert LeadTransaction.objects.filter(
            lead=lead, type=LeadTransactionType.CONVERTED).count() == 1
        # Won is terminal: winning again is refused and makes no second customer.
        with pytest.raises(InvalidTransition) as refused:
            services.lead_transition(lead=lead, target="won", actor=admin_user)
        assert refused.value.details == {"from": "won", "to": "won", "allowed": []}
        assert Customer.objects.filter(firm=firm).count() == 1
        assert len(status_rows(lead)) == 4

    def test_reopened_lost_lead_keeps_its_customer(self, firm, admin_user):
        existing = make_customer(firm, name="Najd Logistics")
        lead = lead_in(firm, "proposal", customer=existing)
        lead = services.lead_transition(lead=lead, target="lost", actor=admin_user,
                                        reason="budget frozen")
        for target in ["reopened", "qualified", "proposal", "won"]:
            lead = services.lead_transition(lead=lead, target=target, actor=admin_user)
        assert Customer.objects.filter(firm=firm).count() == 1
        assert Lead.objects.get(pk=lead.pk).customer == existing
        assert not LeadTransaction.objects.filter(
            lead=lead, type=LeadTransactionType.CONVERTED).exists()

    def test_customer_code_skips_a_code_already_taken(self, firm, admin_user):
        make_customer(firm, code="CUS-00001")
        lead = services.lead_transition(lead=lead_in(firm, "proposal"), target="won",
                                        actor=admin_user)
        assert lead.customer.code == "CUS-00002"


@pytest.mark.django_db
class TestWonSideEffects:
    def test_case_created_when_the_intake_has_a_case_type(self, firm, admin_user):
        lead = lead_in(firm, "negotiation", case_type="Commercial dispute",
                       practice_area="Litigation", opposing_party="Gulf Cement Co")
        lead = services.lead_transition(lead=lead, target="won", actor=admin_user)
        case = Case.objects.get(firm=firm)
        year = timezone.localdate().year
        assert case.number == f"CASE-{year}-0001"
        assert (case.customer, case.lead, case.case_type, case.practice_area) == (
            lead.customer, lead, "Commercial dispute", "Litigation")
        assert case.parties == [{"name": "Najd Logistics", "role": "client"},
                                {"name": "Gulf Cement Co", "role": "opposing_party"}]
        assert "Gulf Cement Co" in case.search_text

    def test_no_case_without_a_case_type(self, firm, admin_user):
        lead = lead_in(firm, "proposal", opposing_party="Gulf Cement Co")
        services.lead_transition(lead=lead, target="won", actor=admin_user)
        assert not Case.objects.filter(firm=firm).exists()
        assert Customer.objects.filter(firm=firm).count() == 1

    def test_won_notifies_the_assignee(self, firm, admin_user):
        seller = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        lead = lead_in(firm, "proposal", assigned_to=seller)
        services.lead_transition(lead=lead, target="won", actor=admin_user)
        [notice] = seller.notifications.filter(type="lead_won")
        assert (notice.entity_type, notice.entity_id) == ("lead", lead.pk)


@pytest.mark.django_db
class TestLostNeedsAReason:
    @pytest.mark.parametrize("source", ["proposal", "negotiation"])
    @pytest.mark.parametrize("reason", ["", "   "])
    def test_refused_without_reason(self, firm, admin_user, received, source, reason):
        lead = lead_in(firm, source)
        history = lead.history.count()
        with pytest.raises(ApplicationError) as refused:
            services.lead_transition(lead=lead, target="lost", actor=admin_user, reason=reason)
        assert refused.value.code == "reason_required"
        assert refused.value.details == {"reason": ["Say why the lead was lost."]}
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.lost_reason) == (source, "")
        assert status_rows(lead) == []
        assert lead.history.count() == history
        assert received == []

    def test_reason_is_kept(self, firm, admin_user):
        lead = lead_in(firm, "proposal")
        services.lead_transition(lead=lead, target="lost", actor=admin_user,
                                 reason="Chose a competitor")
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.lost_reason) == ("lost", "Chose a competitor")
        assert status_rows(lead)[0].reason == "Chose a competitor"


@pytest.mark.django_db
class TestSignals:
    def test_status_changed_once_after_commit(self, firm, admin_user, received,
                                              django_capture_on_commit_callbacks):
        lead = lead_in(firm, "new")
        with django_capture_on_commit_callbacks(execute=True):
            services.lead_transition(lead=lead, target="contacted", actor=admin_user)
            assert received == []  # not before the commit
        [(name, payload)] = received
        assert name == "lead_status_changed"
        assert (payload["lead"].pk, payload["source"], payload["target"], payload["actor"]) == (
            lead.pk, "new", "contacted", admin_user)

    def test_nothing_when_the_transaction_rolls_back(self, firm, admin_user, received,
                                                     django_capture_on_commit_callbacks):
        lead = lead_in(firm, "proposal")
        with (django_capture_on_commit_callbacks(execute=True) as callbacks,
              pytest.raises(RuntimeError), transaction.atomic()):
            services.lead_transition(lead=lead, target="won", actor=admin_user)
            raise RuntimeError("the caller failed after the transition")
        assert callbacks == []
        assert received == []
        assert Lead.objects.get(pk=lead.pk).status == "proposal"
        assert not Customer.objects.filter(firm=firm).exists()
        assert status_rows(lead) == []

    def test_won_fires_both_once_with_the_customer(self, firm, admin_user, received,
                                                   django_capture_on_commit_callbacks):
        lead = lead_in(firm, "negotiation")
        with django_capture_on_commit_callbacks(execute=True):
            services.lead_transition(lead=lead, target="won", actor=admin_user)
        assert [name for name, _ in received] == ["lead_status_changed", "lead_won"]
        won = received[1][1]
        customer = Customer.objects.get(firm=firm)
        assert (won["lead"].pk, won["customer"], won["actor"]) == (lead.pk, customer, admin_user)
        assert received[0][1]["source"] == "negotiation"

    def test_each_transition_fires_once(self, firm, admin_user, received,
                                        django_capture_on_commit_callbacks):
        lead = lead_in(firm, "new")
        with django_capture_on_commit_callbacks(execute=True):
            for target in ["contacted", "nurturing", "disqualified", "reopened"]:
                lead = services.lead_transition(lead=lead, target=target, actor=admin_user)
        assert [(p["source"], p["target"]) for _, p in received] == [
            ("new", "contacted"), ("contacted", "nurturing"), ("nurturing", "disqualified"),
            ("disqualified", "reopened")]

    def test_source_is_read_from_the_database(self, firm, admin_user, received,
                                              django_capture_on_commit_callbacks):
        """A stale copy of the lead must not put a wrong `from` in the audit log."""
        stale_copy = lead_in(firm, "new")
        services.lead_transition(lead=Lead.objects.get(pk=stale_copy.pk), target="contacted",
                                 actor=admin_user)
        assert stale_copy.status == "new"
        with django_capture_on_commit_callbacks(execute=True):
            services.lead_transition(lead=stale_copy, target="qualified", actor=admin_user)
        assert status_rows(stale_copy)[-1].previous_values["status"] == "contacted"
        assert received[-1][1]["source"] == "contacted"


@pytest.mark.django_db
class TestStageSync:
    @pytest.fixture
    def pipeline(self, firm):
        stages = [{"name": name, "status": status} for name, status in [
            ("New", "new"), ("Contacted", "contacted"), ("Demo booked", ""),
            ("Qualified", "qualified"), ("Proposal", "proposal"), ("Won", "won")]]
        return make_pipeline(firm, stages, is_default=True)

    def stage(self, pipeline, name) -> Stage:
        return pipeline.stages.get(name=name)

    def test_transition_moves_into_the_stage_of_the_new_status(self, firm, admin_user,
                                                                pipeline):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        assert lead.stage == self.stage(pipeline, "New")
        lead = services.lead_transition(lead=lead, target="contacted", actor=admin_user)
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.stage == self.stage(pipeline, "Contacted")
        # The history row of the transition holds the new stage too.
        assert (lead.history.first().status, lead.history.first().stage_id) == (
            "contacted", stored.stage_id)

    def test_no_stage_for_the_status_keeps_the_stage(self, firm, admin_user, pipeline):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        lead = services.lead_transition(lead=lead, target="disqualified", actor=admin_user)
        assert Lead.objects.get(pk=lead.pk).stage == self.stage(pipeline, "New")
        [row] = status_rows(lead)
        assert row.new_values == {"status": "disqualified",
                                  "stage_id": self.stage(pipeline, "New").pk}

    def test_move_into_a_status_stage_runs_the_transition(self, firm, admin_user, pipeline,
                                                          received,
                                                          django_capture_on_commit_callbacks):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        lead = services.lead_transition(lead=lead, target="contacted", actor=admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            moved = services.lead_move_stage(lead=lead, stage=self.stage(pipeline, "Qualified"),
                                             actor=admin_user, origin=ORIGIN)
        stored = Lead.objects.get(pk=lead.pk)
        assert (moved.status, stored.status, stored.stage) == (
            "qualified", "qualified", self.stage(pipeline, "Qualified"))
        rows = status_rows(lead)
        assert len(rows) == 2
        assert rows[-1].new_values == {"status": "qualified",
                                       "stage_id": self.stage(pipeline, "Qualified").pk}
        assert [p["target"] for _, p in received] == ["qualified"]

    def test_move_into_a_plain_stage_changes_only_the_stage(self, firm, admin_user, pipeline,
                                                            received,
                                                            django_capture_on_commit_callbacks):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        lead = services.lead_transition(lead=lead, target="contacted", actor=admin_user)
        before = len(status_rows(lead))
        demo = self.stage(pipeline, "Demo booked")
        with django_capture_on_commit_callbacks(execute=True):
            services.lead_move_stage(lead=lead, stage=demo, actor=admin_user, reason="booked",
                                     origin=ORIGIN)
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.stage) == ("contacted", demo)
        rows = status_rows(lead)
        assert len(rows) == before + 1
        assert (rows[-1].previous_values, rows[-1].new_values) == (
            {"status": "contacted", "stage_id": self.stage(pipeline, "Contacted").pk},
            {"status": "contacted", "stage_id": demo.pk})
        assert (rows[-1].reason, rows[-1].ip_address) == ("booked", "10.1.2.3")
        assert received == []  # the status did not change

    def test_move_into_a_refused_status_changes_nothing(self, firm, admin_user, pipeline):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        with pytest.raises(InvalidTransition):
            services.lead_move_stage(lead=lead, stage=self.stage(pipeline, "Won"),
                                     actor=admin_user)
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.stage) == ("new", self.stage(pipeline, "New"))
        assert status_rows(lead) == []

    def test_move_into_another_pipelines_stage_is_refused(self, firm, admin_user, pipeline):
        other = make_pipeline(firm)
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        with pytest.raises(ValidationError):
            services.lead_move_stage(lead=lead, stage=other.stages.get(status="contacted"),
                                     actor=admin_user)
        with pytest.raises(ValidationError):
            services.lead_transition(lead=lead, target="contacted", actor=admin_user,
                                     stage=other.stages.get(status="contacted"))
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.stage) == ("new", self.stage(pipeline, "New"))

    def test_lead_without_pipeline_joins_the_stages_pipeline(self, firm, admin_user):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        assert (lead.pipeline, lead.stage) == (None, None)
        pipeline = make_pipeline(firm)
        contacted = pipeline.stages.get(status="contacted")
        services.lead_move_stage(lead=lead, stage=contacted, actor=admin_user)
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.status, stored.pipeline, stored.stage) == (
            "contacted", pipeline, contacted)

    def test_changing_pipeline_is_a_stage_change(self, firm, admin_user, pipeline):
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        other = make_pipeline(firm)
        services.lead_update(lead=lead, actor=admin_user, pipeline=other, reason="moved")
        stored = Lead.objects.get(pk=lead.pk)
        assert stored.stage == other.stages.get(status="new")
        [row] = status_rows(lead)
        assert (row.previous_values, row.new_values) == (
            {"status": "new", "stage_id": self.stage(pipeline, "New").pk},
            {"status": "new", "stage_id": stored.stage_id})


@pytest.mark.django_db
class TestCreateAndUpdateGuards:
    def test_a_lead_starts_new(self, firm):
        with pytest.raises(ValidationError) as refused:
            services.lead_create(firm=firm, actor=None, first_name="Sara", status="won")
        assert "status" in refused.value.message_dict
        assert not Lead.objects.exists()

    @pytest.mark.parametrize("fields", [{"score": 150}, {"conflict_status": "clear"},
                                        {"is_stale": True}, {"lost_reason": "x"}])
    def test_derived_fields_are_not_set_by_hand(self, firm, admin_user, fields):
        with pytest.raises(ValidationError):
            services.lead_create(firm=firm, actor=None, first_name="Sara", **fields)
        lead = services.lead_create(firm=firm, actor=None, first_name="Sara")
        with pytest.raises(ValidationError):
            services.lead_update(lead=lead, actor=admin_user, **fields)
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.score, stored.conflict_status, stored.is_stale, stored.lost_reason) == (
            0, "not_checked", False, "")

    def test_another_firms_customer_is_refused(self, firm, other_firm):
        foreign = make_customer(other_firm)
        with pytest.raises(ValidationError) as refused:
            services.lead_create(firm=firm, actor=None, first_name="Sara", customer=foreign)
        assert "customer" in refused.value.message_dict


@pytest.mark.django_db
class TestRoleScope:
    @pytest.fixture
    def world(self, firm, other_firm):
        manager = make_user(firm=firm, role=Role.SALES_MANAGER, username="manager")
        other_manager = make_user(firm=firm, role=Role.SALES_MANAGER, username="manager2")
        team = make_sales_team(firm, manager=manager)
        mine = make_sales_person(firm, team=team).user
        outsider = make_sales_person(firm).user
        lead = lambda name, **kw: services.lead_create(firm=firm, actor=None,  # noqa: E731
                                                       first_name=name, **kw)
        leads = {
            "mine": lead("mine", assigned_to=mine),
            "outsiders": lead("outsiders", assigned_to=outsider),
            "unassigned": lead("unassigned"),
            "manager": lead("manager", assigned_to=manager),
            "other_manager": lead("other_manager", assigned_to=other_manager),
            "shared": lead("shared", assigned_to=outsider,
                           team=[{"user": outsider}, {"user": mine}]),
        }
        services.lead_create(firm=other_firm, actor=None, first_name="foreign")
        return {"manager": manager, "mine": mine, "outsider": outsider,
                "admin": make_user(firm=firm, role=Role.ADMIN, username="boss"), **{
                    f"lead:{k}": v for k, v in leads.items()}}

    def visible(self, world, user) -> set[str]:
        return {lead.first_name for lead in scope_for(Lead.objects.all(), user=world[user])}

    def test_sales_person_sees_own_and_deal_team_leads(self, world):
        assert self.visible(world, "mine") == {"mine", "shared"}
        assert self.visible(world, "outsider") == {"outsiders", "shared"}

    def test_manager_sees_the_team_and_unassigned(self, world):
        assert self.visible(world, "manager") == {"mine", "manager", "unassigned", "shared"}

    def test_admin_sees_the_whole_firm_only(self, world):
        assert self.visible(world, "admin") == {"mine", "outsiders", "unassigned", "manager",
                                                "other_manager", "shared"}

    def test_no_duplicates(self, world):
        names = [lead.first_name for lead in scope_for(Lead.objects.all(), user=world["mine"])]
        assert sorted(names) == ["mine", "shared"]


@pytest.mark.django_db
def test_sales_persons_new_lead_and_customer_are_theirs(firm, users):
    seller = users[Role.SALES_PERSON]
    lead = services.lead_create(firm=firm, actor=seller, company="Najd Logistics")
    customer = services.customer_create(firm=firm, actor=seller, name="Najd Logistics")
    assert lead.assigned_to == seller and customer.owner == seller
    assert scope_for(Lead.objects.all(), user=seller).filter(pk=lead.pk).exists()
    assert scope_for(Customer.objects.all(), user=seller).filter(pk=customer.pk).exists()
    by_manager = services.lead_create(firm=firm, actor=users[Role.SALES_MANAGER],
                                      company="Gulf Foods")
    assert by_manager.assigned_to is None  # managers assign explicitly


@pytest.mark.django_db
class TestThresholds:
    def test_spec_thresholds(self):
        assert dict(services.STALE_THRESHOLDS) == THRESHOLDS

    @pytest.fixture
    def world(self, firm, seller, now):
        """For each watched status: at the threshold and one hour past it, by last contact
        and (never contacted) by creation; plus a lead created long ago but contacted
        recently, and leads in unwatched statuses idle for 100 days."""
        leads = {}
        for status, days in THRESHOLDS.items():
            cutoff = now - days * DAY
            long_ago = now - 100 * DAY
            leads[f"{status}:contact-at"] = idle_lead(firm, status, name="a", created=long_ago,
                                                    contact=cutoff, assigned_to=seller)
            leads[f"{status}:contact-past"] = idle_lead(firm, status, name="b", created=long_ago,
                                                      contact=cutoff - HOUR,
                                                      assigned_to=seller)
            leads[f"{status}:created-at"] = idle_lead(firm, status, name="c", created=cutoff,
                                                    assigned_to=seller)
            leads[f"{status}:created-past"] = idle_lead(firm, status, name="d",
                                                      created=cutoff - HOUR,
                                                      assigned_to=seller)
            leads[f"{status}:recent-contact"] = idle_lead(firm, status, name="e",
                                                        created=long_ago,
                                                        contact=cutoff + HOUR,
                                                        assigned_to=seller)
        for status in NOT_WATCHED:
            leads[f"{status}:idle"] = idle_lead(firm, status, name="f", created=now - 100 * DAY,
                                              contact=now - 100 * DAY, assigned_to=seller)
        return leads

    def test_exactly_the_leads_past_their_threshold(self, world, seller, now):
        flagged = services.leads_flag_stale(now=now)
        expected = {key for key in world if key.endswith("-past")}
        assert len(expected) == 10
        assert sorted(flagged) == sorted(world[key].pk for key in expected)
        for key, lead in world.items():
            if key in expected:
                days = THRESHOLDS[key.split(":")[0]]
                assert stale_state(lead) == (True, f"No contact in {days}+ days", now), key
            else:
                assert stale_state(lead) == (False, "", None), key

    def test_one_notification_per_lead_in_both_languages(self, world, seller, now):
        services.leads_flag_stale(now=now)
        notices = Notification.objects.filter(user=seller, type="stale_lead")
        assert sorted(n.entity_id for n in notices) == sorted(
            world[key].pk for key in world if key.endswith("-past"))
        notice = notices.get(entity_id=world["qualified:created-past"].pk)
        assert (notice.entity_type, notice.firm_id) == ("lead", seller.firm_id)
        assert (notice.title, notice.title_ar) == ("Stale lead", "عميل محتمل متأخر")
        assert notice.message == "d has not been contacted for 14 days."
        assert notice.message_ar == "d لم يتم التواصل معه منذ 14 يوم"

    def test_running_again_flags_and_notifies_nothing_new(self, world, seller, now):
        first = services.leads_flag_stale(now=now)
        assert len(first) == 10
        assert services.leads_flag_stale(now=now) == []
        assert Notification.objects.filter(type="stale_lead").count() == 10
        stored = Lead.objects.get(pk=world["new:created-past"].pk)
        assert stored.stale_notified_at == now


@pytest.mark.django_db
class TestEpisodes:
    def test_activity_clears_and_a_later_episode_notifies_again(self, firm, seller, now):
        lead = idle_lead(firm, "new", name="Sara", created=now - 4 * DAY, assigned_to=seller)
        assert services.leads_flag_stale(now=now) == [lead.pk]
        services.activity_log(firm=firm, actor=seller, type="call", entity_type="lead",
                              entity_id=lead.pk, performed_at=now)
        assert stale_state(lead) == (False, "", None)
        # Within three days of the call: not stale again.
        assert services.leads_flag_stale(now=now + 3 * DAY) == []
        later = now + 3 * DAY + HOUR
        assert services.leads_flag_stale(now=later) == [lead.pk]
        assert stale_state(lead) == (True, "No contact in 3+ days", later)
        assert Notification.objects.filter(type="stale_lead", entity_id=lead.pk).count() == 2

    def test_unassigned_lead_is_flagged_without_notice(self, firm, now):
        lead = idle_lead(firm, "new", name="Sara", created=now - 4 * DAY)
        assert services.leads_flag_stale(now=now) == [lead.pk]
        assert stale_state(lead)[0] is True
        assert not Notification.objects.exists()

    def test_every_firm_is_checked_and_notified_in_its_own_firm(self, firm, other_firm,
                                                                  seller, now):
        theirs = make_user(firm=other_firm, role=Role.SALES_PERSON, username="theirs")
        idle_lead(firm, "new", name="Ours", created=now - 4 * DAY, assigned_to=seller)
        idle_lead(other_firm, "new", name="Theirs", created=now - 4 * DAY, assigned_to=theirs)
        assert len(services.leads_flag_stale(now=now)) == 2
        assert {(n.user, n.firm_id) for n in Notification.objects.all()} == {
            (seller, firm.pk), (theirs, other_firm.pk)}
