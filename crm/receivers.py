"""Model signal receivers of crm (connected in CrmConfig.ready)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .dashboard_cache import dashboard_changed
from .models import Activity, Lead, LeadTransaction


@receiver([post_save, post_delete], sender=Lead, dispatch_uid="crm.dashboard.lead")
@receiver([post_save, post_delete], sender=Activity, dispatch_uid="crm.dashboard.activity")
@receiver(post_save, sender=LeadTransaction, dispatch_uid="crm.dashboard.transaction")
def dashboards_stale(sender, instance, **kwargs) -> None:
    """Any change to leads or activities makes the firm's cached dashboards stale (queryset
    updates, which send no signal, go through DashboardDataQuerySet.update)."""
    dashboard_changed(instance.firm_id)
