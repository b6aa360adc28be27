"""Quote services: every write of a quote goes through these (architecture §5.1).

Lines and totals shared by quotes and orders are in sales.common.lines.
"""

from sales.common.lines import PriceOverrideNotAllowed
from sales.quotes.services.quotes import (
    QUOTE_ACTION_TARGETS,
    quote_allowed_targets,
    quote_approve,
    quote_available_actions,
    quote_create,
    quote_delete,
    quote_preview,
    quote_revise,
    quote_totals,
    quote_transition,
    quote_update,
)

__all__ = [
    "QUOTE_ACTION_TARGETS", "PriceOverrideNotAllowed",
    "quote_allowed_targets", "quote_approve", "quote_available_actions", "quote_create",
    "quote_delete", "quote_preview", "quote_revise", "quote_totals", "quote_transition",
    "quote_update",
]
