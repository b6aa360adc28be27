"""The role scope every sales document shares (architecture §6), with the paths from each
document to the people it belongs to."""

from django.db.models import Q

from core.choices import Role
from crm.querysets import team_user_ids


def seller_scope(user, *, through: list[str], unassigned: Q) -> Q | None:
    """The rows `user` reaches: a sales person, those pointing at them through any of the
    `through` paths; a sales manager, those pointing at their teams' members (and at
    themselves) and the `unassigned` ones; any other role, every row (None)."""
    if user.role == Role.SALES_PERSON:
        lookups = [Q(**{path: user}) for path in through]
    elif user.role == Role.SALES_MANAGER:
        team = team_user_ids(user)
        lookups = [*(Q(**{f"{path}__in": team}) for path in through), unassigned]
    else:
        return None
    condition = Q()
    for lookup in lookups:
        condition |= lookup
    return condition


class SellerScopedQuerySet:
    """Mixed into a document's queryset (core.querysets.TenantQuerySet): `visible_to` is the
    seller scope through `seller_paths`, with `unassigned` what a manager also sees."""

    seller_paths: list[str]
    unassigned: Q

    def visible_to(self, user):
        condition = seller_scope(user, through=self.seller_paths, unassigned=self.unassigned)
        return self if condition is None else self.filter(condition)
