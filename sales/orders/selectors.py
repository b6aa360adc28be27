"""Read-only questions about sales documents (architecture §4). Callers pass querysets already
scoped to the user (core.scoping.scope_for), so a seller's statistics are of their orders."""

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from core.money import round_money
from sales.orders.choices import SalesOrderStatus
from sales.orders.models import SalesOrder

ZERO = Decimal("0")
TOP_CUSTOMERS = 5
# Booked orders: confirmed and on (drafts are not sales yet, cancelled ones never were).
NOT_BOOKED = [SalesOrderStatus.DRAFT, SalesOrderStatus.CANCELLED]


def _money(value) -> Decimal:
    return round_money(value or ZERO)


def order_stats(*, orders: QuerySet | None = None) -> dict:
    """Counts and amounts of the given orders (soft-deleted ones never count):

    - `count` every order; `booked_count`, `booked_amount`, `balance_due` and
      `average_order_value` over booked orders (neither draft nor cancelled);
    - `by_status`: every status with its count and total amount (zeros included);
    - `by_month`: booked orders per month of the order date, oldest first;
    - `top_customers`: the five customers with the largest booked amount.
    """
    if orders is None:
        orders = SalesOrder.objects.all()
    orders = orders.filter(deleted_at__isnull=True).order_by()
    amount = Coalesce(Sum("total"), ZERO)
    statuses = {row["status"]: row for row in
                orders.values("status").annotate(count=Count("pk"), amount=amount)}
    by_status = [{"status": status.value,
                  "count": statuses.get(status.value, {}).get("count", 0),
                  "amount": _money(statuses.get(status.value, {}).get("amount"))}
                 for status in SalesOrderStatus]
    booked = orders.exclude(status__in=NOT_BOOKED)
    summary = booked.aggregate(count=Count("pk"), amount=amount,
                               balance=Coalesce(Sum("balance_due"), ZERO))
    months = (booked.annotate(month=TruncMonth("order_date")).values("month")
              .annotate(count=Count("pk"), amount=amount).order_by("month"))
    customers = (booked.values("customer_id", "customer__name", "customer__name_ar")
                 .annotate(count=Count("pk"), amount=amount)
                 .order_by("-amount", "customer_id")[:TOP_CUSTOMERS])
    count = summary["count"]
    return {
        "count": sum(row["count"] for row in by_status),
        "booked_count": count,
        "booked_amount": _money(summary["amount"]),
        "balance_due": _money(summary["balance"]),
        "average_order_value": _money(summary["amount"] / count) if count else ZERO,
        "by_status": by_status,
        "by_month": [{"month": row["month"].strftime("%Y-%m"), "count": row["count"],
                      "amount": _money(row["amount"])} for row in months],
        "top_customers": [{"customer_id": row["customer_id"],
                           "customer_name": row["customer__name"],
                           "customer_name_ar": row["customer__name_ar"],
                           "count": row["count"], "amount": _money(row["amount"])}
                          for row in customers],
    }
