"""Role scope of sales documents within a firm (core.scoping.scope_for calls visible_to).

Like leads: a sales person reaches the quotes they own; a sales manager those of their teams'
members, their own and unowned ones; other roles every quote their permissions open.
"""

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
        from sales.quotes.choices import QuoteStatus

        return self.exclude(status__in=[QuoteStatus.CONVERTED, QuoteStatus.CANCELLED,
                                        QuoteStatus.ARCHIVED, QuoteStatus.REJECTED,
                                        QuoteStatus.EXPIRED])
