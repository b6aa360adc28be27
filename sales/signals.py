"""Domain signals sales sends; apps to its right connect receivers (DESIGN §4).

All are sent after the transaction commits, once per event.
"""

from django.dispatch import Signal

# kwargs: quote, source, target, actor
quote_status_changed = Signal()
