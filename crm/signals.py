"""Domain signals crm sends; apps to its right connect receivers (architecture §4).

All are sent after the transaction commits, once per event.
"""

from django.dispatch import Signal

# kwargs: lead, source, target, actor
lead_status_changed = Signal()
# kwargs: lead, customer, actor
lead_won = Signal()
# kwargs: campaign, actor
campaign_deleted = Signal()
