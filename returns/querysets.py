"""Role scope of returns (core.scoping.scope_for calls visible_to): as for the order they
come from, a sales person reaches the returns of their own orders, a sales manager those of
their teams' and unassigned orders, the warehouse, finance and admin roles every return."""

from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet

from .choices import INACTIVE_STATUSES


class ReturnOrderQuerySet(SellerScopedQuerySet, TenantQuerySet):
    seller_paths = ["order__sales_person__user", "order__created_by"]
    unassigned = Q(order__sales_person__isnull=True)

    def active(self):
        return self.exclude(status__in=INACTIVE_STATUSES)
