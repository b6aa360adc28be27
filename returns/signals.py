"""Domain signals returns sends; apps to its right connect receivers (architecture §4).

Sent inside the sending service's transaction: a receiver that raises refuses the change.
"""

from django.dispatch import Signal

# A return was processed (credit note, refund, replacement, repair or reject); commissions
# claw back what the returned goods earned. kwargs: return_order, credit_note (or None), actor
return_processed = Signal()
