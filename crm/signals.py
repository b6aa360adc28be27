"""Domain signals crm sends; apps to its right connect receivers (architecture §4).

`lead_status_changed` and `campaign_deleted` are sent inside the transaction (sales answers
them with writes: a lead's draft quote, the campaign's orders soft-deleted, which commit or roll
back with the change; architecture §5.7); `lead_won` goes after commit.
"""

from django.dispatch import Signal

# kwargs: lead, source, target, actor
lead_status_changed = Signal()
# kwargs: lead, customer, actor
lead_won = Signal()
# kwargs: campaign, actor
campaign_deleted = Signal()
