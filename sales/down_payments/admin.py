"""Down payments in the Django admin (imported by sales.admin), scoped to the admin's firm.

A down payment's money moves only through sales.down_payments.services (its amounts are
contended and locked there), so the admin shows it read-only with its applications and
refunds, deletes drafts through the service, and cancels through the service as an action.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import FirmScopedAdmin, ReadOnlyInline, ServiceDeleteMixin
from core.errors import ApplicationError
from sales.down_payments import services
from sales.down_payments.models import DownPayment, DownPaymentApplication, DownPaymentRefund

APPLICATION_FIELDS = ["invoice", "invoice_number", "invoice_total", "amount", "applied_at",
                      "applied_by"]
REFUND_FIELDS = ["amount", "refund_date", "method", "reference", "reason", "created_at",
                 "created_by"]


class _ReadOnlyInline(ReadOnlyInline):
    extra = 0


class DownPaymentApplicationInline(_ReadOnlyInline):
    model = DownPaymentApplication
    fields = APPLICATION_FIELDS
    readonly_fields = APPLICATION_FIELDS


class DownPaymentRefundInline(_ReadOnlyInline):
    model = DownPaymentRefund
    fields = REFUND_FIELDS
    readonly_fields = REFUND_FIELDS


@admin.register(DownPayment)
class DownPaymentAdmin(ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["number", "customer_name", "source_number", "status", "type", "amount",
                    "paid_amount", "applied_amount", "remaining_amount", "due_date"]
    list_filter = ["status", "type"]
    search_fields = ["number", "customer_name", "customer_name_ar", "source_number"]
    date_hierarchy = "requested_date"
    inlines = [DownPaymentApplicationInline, DownPaymentRefundInline]
    actions = ["cancel_down_payments"]

    def has_add_permission(self, request):
        return False  # made on the staff pages or the API, against a quote or an order

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in DownPayment._meta.fields]

    def delete_with_service(self, obj, actor) -> None:
        services.down_payment_delete(down_payment=obj, actor=actor)

    @admin.action(description=_("Cancel the selected down payments (draft or pending)"),
                  permissions=["cancel"])
    def cancel_down_payments(self, request, queryset):
        done = 0
        for down_payment in queryset.order_by("pk"):
            try:
                services.down_payment_cancel(down_payment=down_payment, actor=request.user,
                                             reason=str(_("Cancelled in the admin")))
            except (ApplicationError, ValidationError) as error:
                message = getattr(error, "message", None) or "; ".join(error.messages)
                self.message_user(request, f"{down_payment}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)s down payment(s) cancelled.")
                              % {"count": done}, messages.SUCCESS)

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("sales.change_downpayment")


@admin.register(DownPaymentApplication)
class DownPaymentApplicationAdmin(FirmScopedAdmin):
    list_display = ["down_payment", "invoice_number", "amount", "applied_at", "applied_by"]
    search_fields = ["down_payment__number", "invoice_number"]
    readonly_fields = ["down_payment", *APPLICATION_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
