"""Sales orders in the Django admin, scoped to the admin's firm, with history. An order saves
through sales.orders.services as every other caller does (architecture §5.1): its header while it
is a draft (totals recomputed); status, totals, progress and lines are never edited here.
Soft-deleted orders are listed too (marked), for audit. Actions: confirm, hold, resume."""

from django.contrib import admin

from sales.common.admin import DraftDocumentAdmin, read_only_inline
from sales.orders import services
from sales.orders.actions import ORDER_ACTIONS
from sales.orders.models import SalesOrder, SalesOrderLine

ORDER_EDITABLE = ["customer", "billing_address", "shipping_address", "contact", "contact_name",
                  "sales_person", "sales_team", "territory", "campaign", "price_list",
                  "promo_code", "order_date", "payment_terms", "currency",
                  "expected_delivery_date", "requested_delivery_date", "shipping_method",
                  "delivery_instructions", "discount_type", "discount_value", "shipping_cost",
                  "terms", "terms_ar", "notes", "notes_ar", "internal_notes"]
ORDER_COMPUTED = ["number", "status", "quote", "quote_number", "customer_name",
                  "customer_name_ar", "billing_address_snapshot", "shipping_address_snapshot",
                  "subtotal", "discount_amount", "after_discount", "tax_amount", "total",
                  "total_in_words", "down_payments_applied", "amount_paid", "balance_due",
                  "delivery_progress", "invoicing_progress", "warnings", "needs_approval",
                  "approval_reasons", "approved_by", "approved_at", "confirmed_by",
                  "confirmed_at", "cancellation_reason", "cancelled_by", "cancelled_at",
                  "deleted_at"]
ORDER_LINE_FIELDS = ["position", "product", "description", "quantity", "unit", "unit_price",
                     "discount_percent", "discount_amount", "tax_rate", "line_total",
                     "tax_amount", "delivered_quantity", "invoiced_quantity",
                     "returned_quantity", "is_reward"]


@admin.register(SalesOrder)
class SalesOrderAdmin(DraftDocumentAdmin):
    list_display = ["number", "customer_name", "status", "order_date", "total",
                    "delivery_progress", "invoicing_progress", "sales_person", "deleted_at"]
    list_filter = ["status", "needs_approval", "payment_terms"]
    search_fields = ["number", "customer_name", "customer__name", "customer__name_ar",
                     "quote_number"]
    list_select_related = ["customer", "sales_person__user"]
    date_hierarchy = "order_date"
    editable_fields, computed_fields = ORDER_EDITABLE, ORDER_COMPUTED
    inlines = [read_only_inline(SalesOrderLine, ORDER_LINE_FIELDS)]
    # Bulk actions: the declared ones with a bulk label (confirm, hold, resume).
    document_actions = ORDER_ACTIONS
    document_services = (services.order_create, services.order_update, services.order_delete)

    def get_queryset(self, request):
        # Soft-deleted orders stay visible here, for audit.
        queryset = SalesOrder.all_objects.all()
        if not request.user.is_superuser:
            queryset = queryset.filter(firm_id=request.user.firm_id)
        return queryset.select_related("customer", "sales_person__user")

    def can_edit(self, obj) -> bool:
        return super().can_edit(obj) and not obj.deleted_at
