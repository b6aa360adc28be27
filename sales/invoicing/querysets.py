"""Role scope of invoices, payments and credit notes (core.scoping.scope_for calls visible_to).

Like orders: a sales person reaches the invoices of their own sales (theirs as sales person,
or of an order they entered); a sales manager those of their teams and unassigned ones;
finance, warehouse and admin every invoice their permissions open.
"""

from django.db.models import Q

from core.querysets import TenantQuerySet
from sales.common.querysets import SellerScopedQuerySet


class InvoiceQuerySet(SellerScopedQuerySet, TenantQuerySet):
    seller_paths = ["sales_person__user", "order__created_by"]
    unassigned = Q(sales_person__isnull=True)


class InvoicePartQuerySet(SellerScopedQuerySet, TenantQuerySet):
    """Payments and credit notes: visible with their invoice."""

    seller_paths = ["invoice__sales_person__user", "invoice__order__created_by"]
    unassigned = Q(invoice__sales_person__isnull=True)
