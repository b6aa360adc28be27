"""Role scope of sales orders within a firm (core.scoping.scope_for calls visible_to);
soft-deleted orders are hidden by the default manager.
"""

from django.db import models
from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet


class SalesOrderQuerySet(SellerScopedQuerySet, TenantQuerySet):
    """Orders; soft-deleted ones (their campaign was deleted) only by asking."""

    # Like quotes: a seller's own orders (theirs as sales person, or entered by them).
    seller_paths = ["sales_person__user", "created_by"]
    unassigned = Q(sales_person__isnull=True)

    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def soft_deleted(self):
        return self.filter(deleted_at__isnull=False)


class SalesOrderManager(models.Manager.from_queryset(SalesOrderQuerySet)):
    """The default manager: lists, totals and stats never see soft-deleted orders."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)
