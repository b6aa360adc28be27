"""Role scope of down payments (core.scoping.scope_for calls visible_to).

Like orders: a sales person reaches the down payments of their own quotes and orders (and
those they entered); a sales manager those of their teams and of unassigned documents;
finance and admin every down payment their permissions open.
"""

from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet
from crm.querysets import team_user_ids


class DownPaymentQuerySet(TenantQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(Q(created_by=user) | Q(quote__owner=user)
                               | Q(quote__sales_person__user=user)
                               | Q(sales_order__sales_person__user=user)
                               | Q(sales_order__created_by=user))
        if user.role == Role.SALES_MANAGER:
            team = team_user_ids(user)
            return self.filter(Q(created_by__in=team) | Q(quote__owner__in=team)
                               | Q(quote__sales_person__user__in=team)
                               | Q(sales_order__sales_person__user__in=team)
                               | Q(sales_order__created_by__in=team)
                               | Q(sales_order__sales_person__isnull=True,
                                   quote__isnull=True))
        return self
