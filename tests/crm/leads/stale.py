"""Idle leads for the stale-lead rule (business-rules §12), shared by the service, job and
concurrency tests."""

from crm import services
from crm.models import Lead

# Written out: days without contact after which a lead is stale.
THRESHOLDS = {"new": 3, "contacted": 7, "qualified": 14, "proposal": 7, "negotiation": 5}


def idle_lead(firm, status, *, name, created=None, contact=None, **fields) -> Lead:
    """A lead in `status`, created and last contacted when given (rows updated directly)."""
    lead = services.lead_create(firm=firm, actor=None, first_name=name, **fields)
    changes = {"status": status, "last_contact_date": contact}
    if created is not None:
        changes["created_at"] = created
    Lead.objects.filter(pk=lead.pk).update(**changes)
    return Lead.objects.get(pk=lead.pk)


def stale_state(lead) -> tuple:
    stored = Lead.objects.get(pk=lead.pk)
    return stored.is_stale, stored.stale_reason, stored.stale_notified_at
