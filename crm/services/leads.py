"""Leads: create, edit, assign, move through the state machine (business-rules §4) and stages."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, InvalidTransition
from core.models import Firm, User
from core.services import (
    delete_protected,
    document_transition,
    record_save,
    same_firm,
    transition_targets,
)

from .. import signals
from ..choices import (
    ActivityEntity,
    CustomerType,
    LeadStatus,
    LeadTransactionType,
    NotificationType,
)
from ..errors import CrmErrorCode
from ..models import (
    LEAD_TRANSITIONS,
    Customer,
    Lead,
    LeadTeamMember,
    LeadTransaction,
    Pipeline,
    Stage,
)
from .common import is_sales_person
from .notifications import lead_assignee_notify
from .scoring import lead_rescore

# Fields whose change is an edit ("updated"); status and stage changes are "status_changed".
TRACKED_FIELDS = [
    "first_name", "last_name", "company", "job_title", "email", "phone", "budget", "authority",
    "need", "timeline", "estimated_value", "actual_value", "probability", "expected_close_date",
    "source", "referrer", "campaign_id", "practice_area", "case_type", "opposing_party",
    "intake_notes", "is_vip", "next_follow_up_date", "pipeline_id",
]
FOREIGN_KEYS = {"campaign", "pipeline", "stage", "assigned_to"}
# Fields only the lead's own actions set (transitions, scoring, conflict check, stale job,
# activities, assignment); given to lead_create / lead_update with another value, they are
# refused instead of silently bypassing the rule that owns them.
SYSTEM_FIELDS = {
    "status": "new", "score": 0, "scored_at": None, "customer": None, "customer_id": None,
    "lost_reason": "", "is_stale": False, "stale_reason": "", "stale_notified_at": None,
    "conflict_status": "not_checked", "conflict_result": {}, "conflict_checked_at": None,
    "last_contact_date": None,
}
OWN_ACTION = _("This field changes through its own action.")


def lead_transaction_record(*, lead: Lead, type: str, actor: User | None,
                            previous: dict | None = None, new: dict | None = None,
                            reason: str = "", origin: dict | None = None,
                            metadata: dict | None = None) -> LeadTransaction:
    """One row of the lead's audit log, in the caller's transaction."""
    return LeadTransaction.objects.create(
        firm_id=lead.firm_id, lead=lead, type=type, actor=actor, previous_values=previous or {},
        new_values=new or {}, reason=reason, metadata=metadata or {}, **(origin or {}))


def _check_stage(lead: Lead) -> None:
    if lead.stage is not None and lead.stage.pipeline_id != lead.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})


def _set_team(lead: Lead, team: list[dict]) -> None:
    """Replace the deal team. Splits are all given (summing to 100) or none (equal shares)."""
    splits = [member.get("split_percent") for member in team]
    given = [split for split in splits if split is not None]
    if given and len(given) != len(splits):
        raise ValidationError({"team": _("Give every member a split, or none for equal shares.")})
    if given and sum(Decimal(str(split)) for split in given) != 100:
        raise ValidationError({"team": _("The deal team's splits must add up to 100%.")})
    users = [member["user"] for member in team]
    if len({user.pk for user in users}) != len(users):
        raise ValidationError({"team": _("A member is listed twice.")})
    same_firm(lead.firm_id, **{f"team.{i}.user": user for i, user in enumerate(users)})
    lead.team_members.all().delete()
    LeadTeamMember.objects.bulk_create([
        LeadTeamMember(firm_id=lead.firm_id, lead=lead, user=member["user"],
                       split_percent=member.get("split_percent")) for member in team])


def _default_stage(lead: Lead) -> Stage | None:
    if lead.pipeline_id is None:
        return None
    stages = list(Stage.objects.filter(pipeline_id=lead.pipeline_id))
    return next((stage for stage in stages if stage.status == lead.status),
                stages[0] if stages else None)


def _values(lead: Lead, fields: list[str]) -> dict:
    return {field: getattr(lead, field) for field in fields}


@transaction.atomic
def lead_create(*, firm: Firm, actor: User | None, origin: dict | None = None,
                team: list[dict] | None = None, **fields: Any) -> Lead:
    """A new lead (status new), placed in the default pipeline's first stage, scored.

    A lead may name the firm's existing customer (repeat business); winning it then creates
    no second customer."""
    refused = {name: OWN_ACTION for name, value in fields.items()
               if name in SYSTEM_FIELDS and name not in ("customer", "customer_id")
               and value != SYSTEM_FIELDS[name]}
    if refused:
        raise ValidationError(refused)
    lead = Lead(firm=firm, created_by=actor, updated_by=actor, **fields)
    if lead.assigned_to_id is None and is_sales_person(actor):
        lead.assigned_to = actor  # else their own role scope would hide it from them
    same_firm(firm.pk, **{name: getattr(lead, name) for name in [*FOREIGN_KEYS, "customer"]})
    if lead.pipeline_id is None:
        lead.pipeline = Pipeline.objects.filter(firm=firm, is_default=True).first()
    if lead.stage_id is None:
        lead.stage = _default_stage(lead)
    _check_stage(lead)
    lead.full_clean()
    lead._history_user = actor
    lead._change_reason = "created"
    lead.save()
    if team:
        _set_team(lead, team)
    lead_transaction_record(lead=lead, type=LeadTransactionType.CREATED, actor=actor,
                            new=_values(lead, [*TRACKED_FIELDS, "status", "stage_id",
                                               "assigned_to_id", "customer_id"]),
                            origin=origin)
    lead_rescore(lead=lead)
    if lead.assigned_to_id and lead.assigned_to_id != getattr(actor, "pk", None):
        _notify_assigned(lead)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, actor: User | None, origin: dict | None = None,
                team: list[dict] | None = None, reason: str = "", **changes: Any) -> Lead:
    """Edit a lead's details; status and assignment have their own services."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    # Assignment and stage have their own services; derived fields their own rules. A value
    # equal to the current one is let through (a form or PUT echoing the record).
    own_action = {"assigned_to", "assigned_to_id", "stage", "stage_id", *SYSTEM_FIELDS}
    refused = {name: OWN_ACTION for name in changes
               if name in own_action and changes[name] != getattr(locked, name)}
    if refused:
        raise ValidationError(refused)
    changes = {name: value for name, value in changes.items() if name not in own_action}
    before = _values(locked, TRACKED_FIELDS)
    status, stage_before = locked.status, locked.stage_id
    for name, value in changes.items():
        setattr(locked, name, value)
    same_firm(locked.firm_id, **{name: getattr(locked, name) for name in FOREIGN_KEYS})
    if locked.pipeline_id != before["pipeline_id"]:
        locked.stage = _default_stage(locked)
    _check_stage(locked)
    locked.full_clean()
    after = _values(locked, TRACKED_FIELDS)
    changed = [field for field in TRACKED_FIELDS if before[field] != after[field]]
    record_save(locked, actor=actor, reason=reason or "updated")
    if team is not None:
        _set_team(locked, team)
        changed.append("team")
    if changed:
        lead_transaction_record(
            lead=locked, type=LeadTransactionType.UPDATED, actor=actor, reason=reason,
            previous={f: before[f] for f in changed if f in before},
            new={f: after[f] for f in changed if f in after}, origin=origin)
    if locked.stage_id != stage_before:
        # Another pipeline puts the lead in another stage: a stage change (business-rules §4).
        lead_transaction_record(
            lead=locked, type=LeadTransactionType.STATUS_CHANGED, actor=actor, reason=reason,
            previous={"status": status, "stage_id": stage_before},
            new={"status": status, "stage_id": locked.stage_id}, origin=origin)
    lead_rescore(lead=locked)
    return locked


@transaction.atomic
def lead_assign(*, lead: Lead, user: User | None, actor: User | None,
                origin: dict | None = None) -> Lead:
    """Give the lead to a user of the firm (or to nobody) and tell them."""
    same_firm(lead.firm_id, user=user)
    if user is not None and not user.is_active:
        raise ValidationError({"user": _("This user is not active.")})
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    previous = locked.assigned_to_id
    if previous == getattr(user, "pk", None):
        return locked
    locked.assigned_to = user
    record_save(locked, actor=actor, reason="assigned")
    lead_transaction_record(lead=locked, type=LeadTransactionType.ASSIGNED, actor=actor,
                            previous={"assigned_to_id": previous},
                            new={"assigned_to_id": locked.assigned_to_id}, origin=origin)
    if user is not None and user.pk != getattr(actor, "pk", None):
        _notify_assigned(locked)
    return locked


@transaction.atomic
def lead_delete(*, lead: Lead, actor: User | None, reason: str = "") -> None:
    """Delete a lead with what hangs off it: its activities, the notifications linking to it,
    its deal team and its audit log (LeadTransaction). Refused (409 `protected`) while
    documents of other apps still refer to it.

    What stays for audit: simple-history keeps every version of the lead and adds a last
    row saying who deleted it and why; each deleted activity gets such a row too. The audit
    log rows cannot outlive their lead (their foreign key is required), and the history
    keeps the same facts. Cases opened from the lead are legal matters that conflict checks
    still need: they stay, with the lead unset.
    """
    from .activities import entity_links_delete

    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    entity_links_delete(entity_type=ActivityEntity.LEAD, entity=locked, actor=actor)
    delete_protected(locked, actor=actor, reason=reason or "deleted")


def lead_allowed_targets(*, lead: Lead) -> list[str]:
    return sorted(set(transition_targets(lead).values()))


@transaction.atomic
def lead_transition(*, lead: Lead, target: str, actor: User | None, reason: str = "",
                    origin: dict | None = None, stage: Stage | None = None) -> Lead:
    """Move the lead to `target` status with business-rules §4's side effects.

    The move is checked against the row as it is in the database (under lock), not the copy
    passed in; a refused move is refused before anything else (a missing lost reason
    included). lost needs a reason; won creates the customer once (and a case when the
    intake names a case type). Signals and e-mails go out after commit.
    """
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    allowed = lead_allowed_targets(lead=current)
    if target not in allowed:
        raise InvalidTransition(source=current.status, target=target, allowed=allowed)
    if target == LeadStatus.LOST and not reason.strip():
        message = _("Say why the lead was lost.")
        raise ApplicationError(code=CrmErrorCode.REASON_REQUIRED,
                               details={"reason": [message]}, message=message)
    if stage is not None:
        same_firm(current.firm_id, stage=stage)
        if current.pipeline_id is not None and stage.pipeline_id != current.pipeline_id:
            raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    source, source_stage = current.status, current.stage_id
    kwargs = {"lost_reason": reason} if target == LeadStatus.LOST else {}
    moved = document_transition(instance=current, transition=LEAD_TRANSITIONS[target],
                                actor=actor, reason=reason, record_event=False, **kwargs)
    pipeline_id = stage.pipeline_id if stage is not None else moved.pipeline_id
    new_stage = stage or (Stage.objects.filter(pipeline_id=pipeline_id, status=target).first()
                          if pipeline_id else None)
    if new_stage is not None and new_stage.pk != moved.stage_id:
        _stage_follows(moved, new_stage)
    lead_transaction_record(
        lead=moved, type=LeadTransactionType.STATUS_CHANGED, actor=actor, reason=reason,
        previous={"status": source, "stage_id": source_stage},
        new={"status": moved.status, "stage_id": moved.stage_id}, origin=origin)
    customer = None
    if target == LeadStatus.WON:
        customer = _win(moved, actor=actor, origin=origin)
    lead_rescore(lead=moved)
    transaction.on_commit(lambda: signals.lead_status_changed.send(
        sender=Lead, lead=moved, source=source, target=target, actor=actor))
    if customer is not None:
        transaction.on_commit(lambda: signals.lead_won.send(
            sender=Lead, lead=moved, customer=customer, actor=actor))
    return moved


# The moves that take a lead to won along its state machine (business-rules §4 allows won
# only from proposal or negotiation), for a deal closed elsewhere: a quote accepted.
LEAD_STEPS_TO_WON: dict[str, tuple[str, ...]] = {
    LeadStatus.NEW: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.NURTURING: (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.CONTACTED: (LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.REOPENED: (LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.LOST: (LeadStatus.REOPENED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.DISQUALIFIED: (LeadStatus.REOPENED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL),
    LeadStatus.QUALIFIED: (LeadStatus.PROPOSAL,),
    LeadStatus.PROPOSAL: (),
    LeadStatus.NEGOTIATION: (),
}


@transaction.atomic
def lead_win(*, lead: Lead, actor: User | None, reason: str) -> Lead:
    """Move the lead to won through the statuses its state machine needs on the way, each
    move a status change of its own (recorded with `reason`, its side effects once: the
    customer is created at won, and the draft quote a move to proposal asks for is not made,
    the lead being won by the time it would be). A won lead stays as it is."""
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    if current.status == LeadStatus.WON:
        return current
    for target in (*LEAD_STEPS_TO_WON[current.status], LeadStatus.WON):
        current = lead_transition(lead=current, target=target, actor=actor, reason=reason)
    return current


def _stage_follows(lead: Lead, stage: Stage) -> None:
    """Put the just-transitioned lead into `stage`, in the row and in the history row the
    transition wrote, so that one history row shows the status and stage it moved to."""
    lead.stage, lead.pipeline_id = stage, stage.pipeline_id
    Lead.objects.filter(pk=lead.pk).update(stage=stage, pipeline_id=stage.pipeline_id)
    record = lead.history.order_by("-history_date", "-history_id").first()
    if record is not None:
        type(record).objects.filter(pk=record.pk).update(stage_id=stage.pk,
                                                         pipeline_id=stage.pipeline_id)


@transaction.atomic
def lead_move_stage(*, lead: Lead, stage: Stage, actor: User | None, reason: str = "",
                    origin: dict | None = None) -> Lead:
    """Move the lead to a stage (the board). A stage that stands for a status runs that
    transition; otherwise only the stage changes, audited as a status change."""
    same_firm(lead.firm_id, stage=stage)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.pipeline_id is not None and stage.pipeline_id != locked.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if stage.status and stage.status != locked.status:
        return lead_transition(lead=locked, target=stage.status, actor=actor, reason=reason,
                               origin=origin, stage=stage)
    previous = locked.stage_id
    if previous == stage.pk:
        return locked
    locked.pipeline_id = stage.pipeline_id
    locked.stage = stage
    record_save(locked, actor=actor, reason=reason or "stage changed")
    lead_transaction_record(
        lead=locked, type=LeadTransactionType.STATUS_CHANGED, actor=actor, reason=reason,
        previous={"status": locked.status, "stage_id": previous},
        new={"status": locked.status, "stage_id": stage.pk}, origin=origin)
    return locked


def _win(lead: Lead, *, actor: User | None, origin: dict | None) -> Customer:
    """The lead's customer (created once, through customer_create so it is numbered,
    validated and audited) and, for legal intake, its case."""
    from .records import case_create, customer_create

    customer = lead.customer
    if customer is None:
        customer = customer_create(
            firm=lead.firm, actor=actor, name=lead.company or lead.display_name,
            type=CustomerType.COMPANY if lead.company else CustomerType.INDIVIDUAL,
            email=lead.email, phone=lead.phone, owner=lead.assigned_to, source=lead.source)
        Lead.objects.filter(pk=lead.pk).update(customer=customer)
        lead.customer = customer
        lead_transaction_record(lead=lead, type=LeadTransactionType.CONVERTED, actor=actor,
                                new={"customer_id": customer.pk}, origin=origin)
    if lead.case_type and not lead.cases.exists():
        parties = [{"name": customer.name, "role": "client"}]
        if lead.opposing_party:
            parties.append({"name": lead.opposing_party, "role": "opposing_party"})
        case_create(firm=lead.firm, actor=actor, title=f"{lead.case_type}: {customer.name}",
                    customer=customer, lead=lead, practice_area=lead.practice_area,
                    case_type=lead.case_type, parties=parties)
    lead_assignee_notify(lead=lead, type=NotificationType.LEAD_WON, title="Lead won",
                         title_ar="تم كسب العميل المحتمل",
                         message=f"{lead.display_name} is now a customer.",
                         message_ar=f"أصبح {lead.display_name} عميلاً.")
    return customer


def _notify_assigned(lead: Lead) -> None:
    lead_assignee_notify(lead=lead, type=NotificationType.LEAD_ASSIGNED,
                         title="New lead assigned to you", title_ar="تم إسناد عميل محتمل إليك",
                         message=f"{lead.display_name} is now yours to follow up.",
                         message_ar=f"أُسند إليك {lead.display_name} للمتابعة.")
