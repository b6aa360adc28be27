"""Role scope of sales documents within a firm (core.scoping.scope_for calls visible_to).

Like leads: a sales person reaches the quotes they own; a sales manager those of their teams'
members, their own and unowned ones; other roles every quote their permissions open.
"""

from django.db import models
from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet
from crm.querysets import team_user_ids


class QuoteQuerySet(TenantQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(Q(owner=user) | Q(sales_person__user=user))
        if user.role == Role.SALES_MANAGER:
            team = team_user_ids(user)
            return self.filter(Q(owner__in=team) | Q(sales_person__user__in=team)
                               | Q(owner__isnull=True))
        return self

    def open(self):
        """Quotes still in play (not converted, cancelled, archived, rejected or expired)."""
        from .choices import QuoteStatus

        return self.exclude(status__in=[QuoteStatus.CONVERTED, QuoteStatus.CANCELLED,
                                        QuoteStatus.ARCHIVED, QuoteStatus.REJECTED,
                                        QuoteStatus.EXPIRED])


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
