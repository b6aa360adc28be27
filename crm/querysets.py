"""Role scope within a firm (core.scoping.scope_for calls visible_to after the firm filter).

A sales person reaches their own rows; a sales manager the rows of their teams' members,
their own and unassigned ones; other roles every row their permissions let them open.
"""

from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet


def team_user_ids(user) -> list[int]:
    """The users a manager answers for: members of the teams they manage, and themselves."""
    from .models import SalesPerson

    members = SalesPerson.objects.filter(firm_id=user.firm_id, team__manager=user)
    return [user.pk, *members.values_list("user_id", flat=True)]


class LeadQuerySet(TenantQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(Q(assigned_to=user) | Q(team_members__user=user)).distinct()
        if user.role == Role.SALES_MANAGER:
            # Everything a member of their teams sees (deal-team work included), and the
            # unassigned leads waiting to be handed out.
            team = team_user_ids(user)
            return self.filter(Q(assigned_to__in=team) | Q(team_members__user__in=team)
                               | Q(assigned_to__isnull=True)).distinct()
        return self

    def open(self):
        from .choices import LeadStatus

        return self.exclude(status__in=[LeadStatus.WON, LeadStatus.LOST,
                                        LeadStatus.DISQUALIFIED])


class CustomerQuerySet(TenantQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(owner=user)
        if user.role == Role.SALES_MANAGER:
            return self.filter(Q(owner__in=team_user_ids(user)) | Q(owner__isnull=True))
        return self


class CampaignQuerySet(TenantQuerySet):
    def alive(self):
        """Not soft-deleted (deleted campaigns stay readable by id for audit)."""
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(sales_person__user=user)
        if user.role == Role.SALES_MANAGER:
            return self.filter(sales_person__user__in=team_user_ids(user))
        return self


class NotificationQuerySet(TenantQuerySet):
    def visible_to(self, user):
        return self.filter(user=user)  # everyone sees only their own notifications

    def unread(self):
        return self.filter(read_at__isnull=True)
