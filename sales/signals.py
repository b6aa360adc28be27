"""Domain signals sales sends; apps to its right connect receivers (architecture §4).

All are sent after the transaction commits, once per event.
"""

from django.dispatch import Signal

# kwargs: quote, source, target, actor
quote_status_changed = Signal()

# Sales orders (business-rules §6). kwargs: order, actor
order_confirmed = Signal()
# kwargs: order, actor, reason
order_cancelled = Signal()
# A soft delete (its campaign was deleted). kwargs: order, actor, reason
order_deleted = Signal()
# Progress moved the order to another status. kwargs: order, source, target, actor
order_status_changed = Signal()

# Invoices, payments and credit notes (business-rules §8); commissions accrue from these.
# kwargs: invoice, actor
invoice_posted = Signal()
# kwargs: invoice, actor, reason
invoice_cancelled = Signal()
# kwargs: payment, invoice, actor
payment_recorded = Signal()
# kwargs: payment, invoice, actor, reason
payment_voided = Signal()
# kwargs: credit_note, invoice, actor
credit_note_posted = Signal()
# Money paid back against a posted credit note. kwargs: refund, credit_note, invoice, actor
refund_recorded = Signal()
# kwargs: refund, credit_note, invoice, actor, reason
refund_voided = Signal()
