"""How sales reacts to crm (architecture §4: crm never imports sales). Imported by
SalesConfig.ready(); importing it again changes nothing (dispatch_uid, same registration).

- A lead moving to proposal gets a draft quote (business-rules §4) unless it has an open one.
- A deleted campaign takes its sales orders with it (soft delete).
"""

from django.db import transaction
from django.dispatch import receiver

from crm.choices import LeadStatus
from crm.models import Lead
from crm.signals import campaign_deleted, lead_status_changed
from sales.orders.services import orders_soft_delete_for_campaign
from sales.quotes.models import Quote
from sales.quotes.services.quotes import quote_create


@receiver(lead_status_changed, dispatch_uid="sales.lead_proposal_quote")
def lead_proposal_quote(sender, lead: Lead, source: str, target: str, actor, **kwargs) -> None:
    """→ proposal: a draft quote for the lead, owned by its assignee (crm sends this after
    commit, so it runs in a transaction of its own)."""
    if target == LeadStatus.PROPOSAL:
        lead_quote_ensure(lead=lead, actor=actor)


@transaction.atomic
def lead_quote_ensure(*, lead: Lead, actor) -> Quote | None:
    """The lead's draft quote, made once: none is made while the lead has an open quote
    (a lead back from negotiation keeps the one it has), or once it is no longer in
    proposal. The lead's row lock makes two racing calls make one quote."""
    locked = Lead.objects.select_for_update().filter(pk=lead.pk).first()
    if locked is None or locked.status != LeadStatus.PROPOSAL:
        return None
    if Quote.objects.filter(firm_id=locked.firm_id, lead=locked).open().exists():
        return None
    return quote_create(firm=locked.firm, actor=actor, lead=locked,
                        customer=locked.customer, owner=locked.assigned_to or actor,
                        lines=[])


@receiver(campaign_deleted, dispatch_uid="sales.campaign_orders_soft_delete")
def campaign_orders_soft_delete(sender, campaign, actor=None, **kwargs) -> None:
    """A campaign's soft delete soft-deletes its orders (crm sends this after commit, so it
    runs in a transaction of its own; `order_deleted` goes out per order)."""
    orders_soft_delete_for_campaign(campaign=campaign, actor=actor)
