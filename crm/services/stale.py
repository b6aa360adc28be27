"""Stale lead detection: one notice per stale episode."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..choices import LeadStatus, NotificationType
from ..models import Lead
from .notifications import lead_assignee_notify

# Days without contact after which a lead in the status is stale.
STALE_THRESHOLDS = {
    LeadStatus.NEW: 3,
    LeadStatus.CONTACTED: 7,
    LeadStatus.QUALIFIED: 14,
    LeadStatus.PROPOSAL: 7,
    LeadStatus.NEGOTIATION: 5,
}


def leads_flag_stale(*, now: datetime.datetime | None = None) -> list[int]:
    """Flag every lead past its status's threshold that is not stale yet, and notify its
    assignee once. Safe to run twice or in two workers at once: rows are claimed under lock
    (SKIP LOCKED) and only unflagged rows are taken, so each episode is notified once.
    Returns the ids flagged by this run."""
    now = now or timezone.now()
    flagged: list[int] = []
    for status, days in STALE_THRESHOLDS.items():
        cutoff = now - datetime.timedelta(days=days)
        with transaction.atomic():
            # open(): a closed lead is never stale, whatever the thresholds come to list.
            candidates = Lead.objects.open().filter(status=status, is_stale=False).filter(
                Q(last_contact_date__lt=cutoff)
                | Q(last_contact_date__isnull=True, created_at__lt=cutoff))
            claimed = list(candidates.select_for_update(skip_locked=True, of=("self",))
                           .select_related("assigned_to").order_by("pk"))
            if not claimed:
                continue
            reason = f"No contact in {days}+ days"
            Lead.objects.filter(pk__in=[lead.pk for lead in claimed]).update(
                is_stale=True, stale_reason=reason, stale_notified_at=now)
            for lead in claimed:
                lead_assignee_notify(
                    lead=lead, type=NotificationType.STALE_LEAD, title="Stale lead",
                    title_ar="عميل محتمل متأخر",
                    message=f"{lead.display_name} has not been contacted for {days} days.",
                    message_ar=f"{lead.display_name} لم يتم التواصل معه منذ {days} يوم")
            flagged.extend(lead.pk for lead in claimed)
    return flagged
