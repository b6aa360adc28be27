"""Role scope of delivery notes (core.scoping.scope_for calls visible_to).

A sales person reaches the notes of their own orders, a sales manager those of their teams'
orders and of unassigned ones (as for the orders themselves); the warehouse, finance and
admin roles every note of the firm their permissions open.
"""

from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet

from .choices import OPEN_STATUSES


class DeliveryNoteQuerySet(SellerScopedQuerySet, TenantQuerySet):
    seller_paths = ["order__sales_person__user", "order__created_by"]
    unassigned = Q(order__sales_person__isnull=True)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)
