"""Role scope of sales orders within a firm (core.scoping.scope_for calls visible_to);
soft-deleted orders are hidden by the default manager.
"""

from django.db import models
from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet
from crm.querysets import team_user_ids


class SalesOrderQuerySet(TenantQuerySet):
    """Orders; soft-deleted ones (their campaign was deleted) only by asking."""

    def visible_to(self, user):
        # Like quotes: a seller's own orders (theirs as sales person, or entered by them).
        if user.role == Role.SALES_PERSON:
            return self.filter(Q(sales_person__user=user) | Q(created_by=user))
        if user.role == Role.SALES_MANAGER:
            team = team_user_ids(user)
            return self.filter(Q(sales_person__user__in=team) | Q(created_by__in=team)
                               | Q(sales_person__isnull=True))
        return self

    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def soft_deleted(self):
        return self.filter(deleted_at__isnull=False)


class SalesOrderManager(models.Manager.from_queryset(SalesOrderQuerySet)):
    """The default manager: lists, totals and stats never see soft-deleted orders."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)
