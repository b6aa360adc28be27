"""sales in the Django admin: each package registers its own models (importing them here is
what registers them)."""

import sales.down_payments.admin
import sales.invoicing.admin
import sales.orders.admin
import sales.quotes.admin  # noqa: F401
