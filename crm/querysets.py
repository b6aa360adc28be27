"""Role scope within a firm (core.scoping.scope_for calls visible_to after the firm filter).

A sales person reaches their own rows; a sales manager the rows of their teams' members,
their own and unassigned ones; other roles every row their permissions let them open.
Cases and activities hang off other records, so a sales person reaches those about the
records they reach (and the ones they created or performed); managers see the firm's.
"""

from django.apps import apps
from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet
from core.registry import activity_entities

from .choices import LeadStatus
from .dashboard_cache import dashboard_changed


def team_user_ids(user) -> list[int]:
    """The users a manager answers for: members of the teams they manage, and themselves."""
    # By name: crm.models imports this module for its querysets.
    members = apps.get_model("crm", "SalesPerson").objects.filter(firm_id=user.firm_id,
                                                                  team__manager=user)
    return [user.pk, *members.values_list("user_id", flat=True)]


class DashboardDataQuerySet(TenantQuerySet):
    """Rows the cached dashboards read. post_save does not fire for queryset `.update()`
    (scores, last contact, stale flags, stages are written that way), so the update itself
    marks the firms' dashboards stale."""

    def update(self, **kwargs) -> int:
        firm_ids = set(self.order_by().values_list("firm_id", flat=True).distinct())
        changed = super().update(**kwargs)
        if changed:
            for firm_id in firm_ids:
                dashboard_changed(firm_id)
        return changed


class LeadQuerySet(DashboardDataQuerySet):
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


class CaseQuerySet(TenantQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            # A case follows its client: the customer or lead the sales person can see, or
            # the case they opened themselves. Subqueries keep it one SQL query. The models
            # come from the fields: crm.models imports this module.
            customer, lead = (self.model._meta.get_field(name).related_model
                              for name in ("customer", "lead"))
            customers = customer.objects.filter(firm_id=user.firm_id).visible_to(user)
            leads = lead.objects.filter(firm_id=user.firm_id).visible_to(user)
            return self.filter(Q(customer__in=customers.values("pk"))
                               | Q(lead__in=leads.values("pk")) | Q(created_by=user))
        return self


class ActivityQuerySet(DashboardDataQuerySet):
    def visible_to(self, user):
        if user.role == Role.SALES_PERSON:
            return self.filter(Q(performed_by=user) | about_visible_records(user))
        return self


def about_visible_records(user) -> Q:
    """Activities about a record the user can see: one subquery per kind of record (leads,
    customers, cases, and what other apps register, e.g. quotes), never a lookup per row."""
    from core.scoping import scope_for

    condition = Q(pk__in=[])
    for entity_type, model in activity_entities().items():
        visible = scope_for(model._default_manager.all(), user=user).values("pk")
        condition |= Q(entity_type=entity_type, entity_id__in=visible)
    return condition


class NotificationQuerySet(TenantQuerySet):
    def visible_to(self, user):
        return self.filter(user=user)  # everyone sees only their own notifications

    def unread(self):
        return self.filter(read_at__isnull=True)
