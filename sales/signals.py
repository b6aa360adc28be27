"""Domain signals sales sends; apps to its right connect receivers (DESIGN §4).

All are sent after the transaction commits, once per event.
"""

from django.dispatch import Signal

# kwargs: quote, source, target, actor
quote_status_changed = Signal()

# Sales orders (RULES.md §6). kwargs: order, actor
order_confirmed = Signal()
# kwargs: order, actor, reason
order_cancelled = Signal()
# A soft delete (its campaign was deleted, spec 004 §2). kwargs: order, actor, reason
order_deleted = Signal()
# Progress moved the order to another status. kwargs: order, source, target, actor
order_status_changed = Signal()
