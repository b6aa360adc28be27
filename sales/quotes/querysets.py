"""Role scope of sales documents within a firm (core.scoping.scope_for calls visible_to).

Like leads: a sales person reaches the quotes they own; a sales manager those of their teams'
members, their own and unowned ones; other roles every quote their permissions open.
"""

from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet


class QuoteQuerySet(SellerScopedQuerySet, TenantQuerySet):
    seller_paths = ["owner", "sales_person__user"]
    unassigned = Q(owner__isnull=True)

    def open(self):
        """Quotes still in play (not converted, cancelled, archived, rejected or expired)."""
        from sales.quotes.choices import QuoteStatus

        return self.exclude(status__in=[QuoteStatus.CONVERTED, QuoteStatus.CANCELLED,
                                        QuoteStatus.ARCHIVED, QuoteStatus.REJECTED,
                                        QuoteStatus.EXPIRED])
