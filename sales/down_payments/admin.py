"""Down payments in the Django admin (imported by sales.admin), scoped to the admin's firm.

A down payment's money moves only through sales.down_payments.services (its amounts are
contended and locked there), so the admin shows it read-only with its applications and
refunds, deletes drafts through the service, and cancels through the service as an action.
"""

from django.contrib import admin

from core.admin import FirmScopedAdmin, ReadOnlyFirmAdmin, ServiceDeleteMixin
from core.kit.admin import DocumentAdminMixin
from sales.common.admin import read_only_inline
from sales.down_payments import services
from sales.down_payments.actions import DOWN_PAYMENT_ACTIONS
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund

APPLICATION_FIELDS = ["invoice", "invoice_number", "invoice_total", "amount", "applied_at",
                      "applied_by"]
REFUND_FIELDS = ["amount", "refund_date", "method", "reference", "reason", "created_at",
                 "created_by"]


@admin.register(DownPayment)
class DownPaymentAdmin(DocumentAdminMixin, ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["number", "customer_name", "source_number", "status", "type", "amount",
                    "paid_amount", "applied_amount", "remaining_amount", "due_date"]
    list_filter = ["status", "type"]
    search_fields = ["number", "customer_name", "customer_name_ar", "source_number"]
    date_hierarchy = "requested_date"
    inlines = [read_only_inline(DownPaymentApplication, APPLICATION_FIELDS),
               read_only_inline(DownPaymentRefund, REFUND_FIELDS)]
    # Bulk actions: the declared ones with a bulk label (cancel).
    document_actions = DOWN_PAYMENT_ACTIONS

    def has_add_permission(self, request):
        return False  # made on the staff pages or the API, against a quote or an order

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in DownPayment._meta.fields]

    def delete_with_service(self, obj, actor) -> None:
        services.down_payment_delete(down_payment=obj, actor=actor)


@admin.register(DownPaymentApplication)
class DownPaymentApplicationAdmin(ReadOnlyFirmAdmin):
    list_display = ["down_payment", "invoice_number", "amount", "applied_at", "applied_by"]
    search_fields = ["down_payment__number", "invoice_number"]
    readonly_fields = ["down_payment", *APPLICATION_FIELDS]
