"""Activity logging."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Firm, User
from core.registry import activity_entities

from ..choices import ActivityEntity, LeadTransactionType
from ..models import Activity, Lead, Notification
from .leads import lead_transaction_record
from .scoring import lead_rescore


def activity_entity(*, firm: Firm, entity_type: str, entity_id: int):
    """The record an activity is about, in the firm."""
    model = activity_entities().get(entity_type)
    entity = model.objects.filter(firm=firm, pk=entity_id).first() if model else None
    if entity is None:
        raise ValidationError({"entity_id": _("No such record of this firm.")})
    return entity


def _lead_contact_recompute(lead_id: int) -> None:
    """The lead's last contact is its latest remaining activity (a planned, future-dated one
    counting as now, as activity_log counts it), or none; the score follows (decay and the
    activity points depend on it). The stale flag is left to the stale job."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:
        return  # the lead is being deleted with its activities
    latest = Activity.objects.filter(
        firm_id=lead.firm_id, entity_type=ActivityEntity.LEAD, entity_id=lead.pk,
    ).aggregate(latest=Max("performed_at"))["latest"]
    contact = min(latest, timezone.now()) if latest else None
    if contact != lead.last_contact_date:
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=contact)
        lead.last_contact_date = contact
    lead_rescore(lead=lead)


@transaction.atomic
def activity_log(*, firm: Firm, actor: User | None, type: str, entity_type: str,
                 entity_id: int, performed_at: datetime.datetime | None = None,
                 origin: dict | None = None, **fields: Any) -> Activity:
    """Log an activity. On a lead it is a contact: the last-contact date moves, the stale flag
    clears (a new stale episode may start later) and the score is recomputed."""
    entity = activity_entity(firm=firm, entity_type=entity_type, entity_id=entity_id)
    activity = Activity(firm=firm, type=type, entity_type=entity_type, entity_id=entity_id,
                        performed_by=actor, performed_at=performed_at or timezone.now(),
                        created_by=actor, updated_by=actor, **fields)
    activity.full_clean()
    activity._history_user = actor
    activity.save()
    if isinstance(entity, Lead):
        lead = Lead.objects.select_for_update().get(pk=entity.pk)
        # A future-dated activity counts as contact now, never later: a last contact in the
        # future would hold off decay and stale detection until long after it.
        contact = max(filter(None, [lead.last_contact_date,
                                    min(activity.performed_at, timezone.now())]))
        Lead.objects.filter(pk=lead.pk).update(last_contact_date=contact, is_stale=False,
                                               stale_reason="", stale_notified_at=None)
        lead.last_contact_date, lead.is_stale = contact, False
        lead_transaction_record(lead=lead, type=LeadTransactionType.ACTIVITY_LOGGED,
                                actor=actor, new={"activity_id": activity.pk, "type": type},
                                origin=origin)
        lead_rescore(lead=lead)
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, actor: User | None, **changes: Any) -> Activity:
    """Edit an activity's details (not what it is about); a lead's last contact (its latest
    activity) and score follow."""
    for fixed in ("entity_type", "entity_id", "performed_by"):
        if fixed in changes:
            raise ValidationError({fixed: _("An activity stays on the record it was logged on.")})
    for name, value in changes.items():
        setattr(activity, name, value)
    activity.full_clean()
    activity.updated_by = actor
    activity._history_user = actor
    activity.save()
    if activity.entity_type == ActivityEntity.LEAD:
        _lead_contact_recompute(activity.entity_id)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User | None) -> None:
    """Delete an activity; on a lead the last contact falls back to the latest remaining one
    (or none) and the score follows."""
    activity._history_user = actor
    lead_id = activity.entity_id if activity.entity_type == ActivityEntity.LEAD else None
    activity.delete()
    if lead_id:
        _lead_contact_recompute(lead_id)


def entity_links_delete(*, entity_type: str, entity, actor: User | None) -> None:
    """Before a lead, customer or case is deleted: its activities go too (each leaves a
    history row naming who deleted it), and so do notifications that link to it, which
    would otherwise point at nothing. Activities and notifications link by type and id, not
    by foreign key, so the database would not do this on its own."""
    activities = Activity.objects.filter(firm_id=entity.firm_id, entity_type=entity_type,
                                         entity_id=entity.pk)
    for activity in activities.select_for_update().order_by("pk"):
        activity._history_user = actor
        activity._change_reason = f"{entity_type} deleted"
        activity.delete()
    Notification.objects.filter(firm_id=entity.firm_id, entity_type=entity_type,
                                entity_id=entity.pk).delete()
