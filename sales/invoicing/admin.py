"""Invoices, payments and credit notes in the Django admin (imported by sales.admin), scoped
to the admin's firm, with history.

Every write on them has a workflow in sales.invoicing.services (numbers at posting, quantities
counted on the order, money under the invoice's lock), so the admin shows them read-only and
moves them only through those services, as actions: post and cancel invoices, void payments
and refunds, post and cancel credit notes (post and cancel as sales.invoicing.actions declares
them). They are made on the staff pages and the API (from an order, from a posted invoice),
never added or deleted here.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyFirmAdmin
from core.errors import ApplicationError
from core.kit.actions import DocumentActions
from core.kit.admin import DocumentAdminMixin
from sales.common.admin import read_only_inline
from sales.invoicing import services
from sales.invoicing.actions import CREDIT_NOTE_ACTIONS, INVOICE_ACTIONS
from sales.invoicing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)

INVOICE_LINE_FIELDS = ["position", "order_line", "product", "description", "quantity", "unit",
                       "unit_price", "discount_percent", "discount_amount", "tax_rate",
                       "taxable", "line_total", "tax_amount"]
PAYMENT_FIELDS = ["amount", "payment_date", "method", "reference", "status", "recorded_by",
                  "voided_at", "void_reason"]
REFUND_FIELDS = ["credit_note", "amount", "refund_date", "method", "reference", "status",
                 "recorded_by", "voided_at", "void_reason"]
CREDIT_LINE_FIELDS = ["position", "invoice_line", "description", "quantity", "unit_price",
                      "tax_rate", "taxable", "line_total", "tax_amount"]


class _ServiceOnlyAdmin(ReadOnlyFirmAdmin):
    """Look, and act through the services' actions; never add, edit or delete a row."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def run(self, request, queryset, action, done) -> None:
        """Call `action(row)` per selected row; refusals are reported per row, the rest go on."""
        moved = 0
        for row in queryset.order_by("pk"):
            try:
                action(row)
            except (ApplicationError, ValidationError) as error:
                message = getattr(error, "message", None) or "; ".join(error.messages)
                self.message_user(request, f"{row}: {message}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, done % {"count": moved}, messages.SUCCESS)


class _CancelInAdmin(DocumentAdminMixin):
    """Post comes from the declaration as `post_selected`; cancel needs a reason, so it is no
    declared bulk action: `cancel_selected` runs the declared cancel with the admin's reason."""

    document_actions: DocumentActions
    actions = ["cancel_selected"]
    cancel_label: str
    cancel_done: str

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "cancel_selected" in actions:
            run, name, _label = actions["cancel_selected"]
            actions["cancel_selected"] = (run, name, self.cancel_label)
        return actions

    @admin.action(permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        declaration = self.document_actions
        cancel = declaration.get("cancel")
        self.run(request, queryset,
                 lambda document: declaration.perform(
                     cancel, document=document, actor=request.user,
                     reason=str(_("Cancelled in the admin"))),
                 self.cancel_done)

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm(self.document_actions.get("cancel").permission)


@admin.register(Invoice)
class InvoiceAdmin(_CancelInAdmin, _ServiceOnlyAdmin):
    list_display = ["__str__", "customer_name", "kind", "status", "invoice_date", "due_date",
                    "total", "amount_paid", "amount_due"]
    list_filter = ["status", "kind", "payment_terms"]
    search_fields = ["number", "customer_name", "customer_name_ar", "customer__name",
                     "order__number"]
    list_select_related = ["customer", "order"]
    date_hierarchy = "invoice_date"
    inlines = [read_only_inline(InvoiceLine, INVOICE_LINE_FIELDS),
               read_only_inline(Payment, PAYMENT_FIELDS),
               read_only_inline(Refund, REFUND_FIELDS)]
    document_actions = INVOICE_ACTIONS
    cancel_label = _("Cancel the selected invoices (without payments)")
    cancel_done = _("%(count)s invoice(s) cancelled.")


@admin.register(Payment)
class PaymentAdmin(_ServiceOnlyAdmin):
    list_display = ["invoice", "amount", "payment_date", "method", "reference", "status",
                    "recorded_by"]
    list_filter = ["status", "method"]
    search_fields = ["invoice__number", "reference", "invoice__customer_name"]
    list_select_related = ["invoice", "recorded_by"]
    date_hierarchy = "payment_date"
    actions = ["void_payments"]

    @admin.action(description=_("Void the selected payments"), permissions=["void"])
    def void_payments(self, request, queryset):
        self.run(request, queryset,
                 lambda payment: services.payment_void(
                     payment=payment, actor=request.user,
                     reason=str(_("Voided in the admin"))),
                 _("%(count)s payment(s) voided."))

    def has_void_permission(self, request) -> bool:
        return request.user.has_perm("sales.change_payment")


@admin.register(Refund)
class RefundAdmin(_ServiceOnlyAdmin):
    list_display = ["invoice", "credit_note", "amount", "refund_date", "method", "reference",
                    "status", "recorded_by"]
    list_filter = ["status", "method"]
    search_fields = ["invoice__number", "credit_note__number", "reference",
                     "invoice__customer_name"]
    list_select_related = ["invoice", "credit_note", "recorded_by"]
    date_hierarchy = "refund_date"
    actions = ["void_refunds"]

    @admin.action(description=_("Void the selected refunds"), permissions=["void"])
    def void_refunds(self, request, queryset):
        self.run(request, queryset,
                 lambda refund: services.refund_void(
                     refund=refund, actor=request.user,
                     reason=str(_("Voided in the admin"))),
                 _("%(count)s refund(s) voided."))

    def has_void_permission(self, request) -> bool:
        return request.user.has_perm("sales.change_refund")


@admin.register(CreditNote)
class CreditNoteAdmin(_CancelInAdmin, _ServiceOnlyAdmin):
    list_display = ["__str__", "invoice", "customer_name", "status", "credit_date", "total"]
    list_filter = ["status"]
    search_fields = ["number", "customer_name", "customer_name_ar", "invoice__number"]
    list_select_related = ["invoice"]
    date_hierarchy = "credit_date"
    inlines = [read_only_inline(CreditNoteLine, CREDIT_LINE_FIELDS),
               read_only_inline(Refund, ["invoice", *REFUND_FIELDS[1:]])]
    document_actions = CREDIT_NOTE_ACTIONS
    cancel_label = _("Cancel the selected draft credit notes")
    cancel_done = _("%(count)s credit note(s) cancelled.")
