"""Quotes in the Django admin, scoped to the admin's firm (core.admin.FirmScopedAdmin), with
history. A quote saves through the sales services as every other caller does (architecture §5.1):
its header while it is a draft (the totals are recomputed), never its status, totals or lines
in the form — lines are priced on the staff pages and the API; versions are read-only. The
status moves through the declared bulk actions (sales.quotes.actions)."""

from django.contrib import admin

from core.admin import FirmScopedAdmin, ReadOnlyInline, ServiceDeleteMixin, adopt, form_values
from core.kit.admin import DocumentAdminMixin
from sales.quotes import services
from sales.quotes.actions import QUOTE_ACTIONS
from sales.quotes.choices import QuoteStatus
from sales.quotes.models import Quote, QuoteLine, QuoteVersion

QUOTE_EDITABLE = ["customer", "lead", "contact_name", "contact_email", "contact_phone", "owner",
                  "sales_person", "price_list", "promo_code", "quote_date", "valid_until",
                  "probability", "currency", "discount_type", "discount_value",
                  "shipping_cost", "terms", "terms_ar", "notes", "notes_ar"]
QUOTE_COMPUTED = ["number", "status", "version", "subtotal", "discount_amount",
                  "after_discount", "tax_amount", "total", "weighted_value", "total_in_words",
                  "total_in_words_en", "warnings", "needs_approval", "approval_reasons",
                  "approved_by", "approved_at", "sent_at", "viewed_at", "accepted_at",
                  "rejected_at", "expired_at", "converted_at", "rejection_reason"]


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ["position", "product", "description", "quantity", "unit", "unit_price",
              "discount_percent", "discount_amount", "tax_rate", "taxable", "line_total",
              "tax_amount", "is_reward", "price_override_reason"]
    readonly_fields = fields


class QuoteVersionInline(ReadOnlyInline):
    model = QuoteVersion
    fields = ["version", "status", "total", "archived_by", "archived_at", "reason"]
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(DocumentAdminMixin, ServiceDeleteMixin, FirmScopedAdmin):
    list_display = ["number", "customer", "lead", "status", "version", "quote_date",
                    "valid_until", "total", "owner"]
    list_filter = ["status", "needs_approval", "discount_type"]
    search_fields = ["number", "customer__name", "customer__name_ar", "lead__company",
                     "contact_name"]
    list_select_related = ["customer", "lead", "owner"]
    date_hierarchy = "quote_date"
    fields = [*QUOTE_EDITABLE, *QUOTE_COMPUTED]
    inlines = [QuoteLineInline, QuoteVersionInline]
    document_actions = QUOTE_ACTIONS

    def get_readonly_fields(self, request, obj=None):
        # Only drafts are edited (quote_update refuses the rest); status moves by its actions.
        if obj is not None and obj.status != QuoteStatus.DRAFT:
            return [*QUOTE_EDITABLE, *QUOTE_COMPUTED]
        return QUOTE_COMPUTED

    def save_model(self, request, obj, form, change):
        values = form_values(form, change=change)
        if change:
            adopt(obj, services.quote_update(quote=obj, actor=request.user, **values))
        else:
            adopt(obj, services.quote_create(firm=request.user.firm, actor=request.user,
                                             **values))

    def delete_with_service(self, obj, actor) -> None:
        services.quote_delete(quote=obj, actor=actor)
