"""Role scope of invoices, payments and credit notes (core.scoping.scope_for calls visible_to).

Like orders: a sales person reaches the invoices of their own sales (theirs as sales person,
or of an order they entered); a sales manager those of their teams and unassigned ones;
finance, warehouse and admin every invoice their permissions open.
"""

from django.db.models import Q

from core.choices import Role
from core.querysets import TenantQuerySet
from crm.querysets import team_user_ids


def _invoice_scope(user, prefix: str = "") -> Q | None:
    if user.role == Role.SALES_PERSON:
        return (Q(**{f"{prefix}sales_person__user": user})
                | Q(**{f"{prefix}order__created_by": user}))
    if user.role == Role.SALES_MANAGER:
        team = team_user_ids(user)
        return (Q(**{f"{prefix}sales_person__user__in": team})
                | Q(**{f"{prefix}order__created_by__in": team})
                | Q(**{f"{prefix}sales_person__isnull": True}))
    return None


class InvoiceQuerySet(TenantQuerySet):
    def visible_to(self, user):
        condition = _invoice_scope(user)
        return self if condition is None else self.filter(condition)


class InvoicePartQuerySet(TenantQuerySet):
    """Payments and credit notes: visible with their invoice."""

    def visible_to(self, user):
        condition = _invoice_scope(user, prefix="invoice__")
        return self if condition is None else self.filter(condition)
