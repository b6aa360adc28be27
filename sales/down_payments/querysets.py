"""Role scope of down payments (core.scoping.scope_for calls visible_to).

Like orders: a sales person reaches the down payments of their own quotes and orders (and
those they entered); a sales manager those of their teams and of unassigned documents;
finance and admin every down payment their permissions open.
"""

from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet


class DownPaymentQuerySet(SellerScopedQuerySet, TenantQuerySet):
    seller_paths = ["created_by", "quote__owner", "quote__sales_person__user",
                    "sales_order__sales_person__user", "sales_order__created_by"]
    unassigned = Q(sales_order__sales_person__isnull=True, quote__isnull=True)
