"""What deleting a lead must leave behind, checked the same way through every door."""

from crm.models import Activity, Lead, LeadTeamMember, LeadTransaction, Notification


def assert_lead_gone(lead, case, kept, actor):
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not Notification.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not LeadTeamMember.objects.filter(lead_id=lead.pk).exists()
    assert not LeadTransaction.objects.filter(lead_id=lead.pk).exists()
    case.refresh_from_db()
    assert case.lead_id is None  # the legal matter stays for conflict checks
    for row in kept:
        assert type(row).objects.filter(pk=row.pk).exists()
    # The history keeps the lead and says who deleted it.
    last = Lead.history.filter(id=lead.pk).latest("history_id")
    assert last.history_type == "-" and last.history_user_id == getattr(actor, "pk", None)
    deleted_activity = Activity.history.filter(entity_type="lead", entity_id=lead.pk,
                                               history_type="-").get()
    assert deleted_activity.history_user_id == getattr(actor, "pk", None)
