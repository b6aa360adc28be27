"""Quotes in the Django admin, scoped to the admin's firm (core.admin.FirmScopedAdmin), with
history. A quote saves through the sales services as every other caller does (architecture §5.1):
its header while it is a draft (the totals are recomputed), never its status, totals or lines
in the form — lines are priced on the staff pages and the API; versions are read-only. The
status moves through the declared bulk actions (sales.quotes.actions)."""

from django.contrib import admin

from sales.common.admin import DraftDocumentAdmin, read_only_inline
from sales.quotes import services
from sales.quotes.actions import QUOTE_ACTIONS
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
QUOTE_LINE_FIELDS = ["position", "product", "description", "quantity", "unit", "unit_price",
                     "discount_percent", "discount_amount", "tax_rate", "taxable", "line_total",
                     "tax_amount", "is_reward", "price_override_reason"]
VERSION_FIELDS = ["version", "status", "total", "archived_by", "archived_at", "reason"]


@admin.register(Quote)
class QuoteAdmin(DraftDocumentAdmin):
    list_display = ["number", "customer", "lead", "status", "version", "quote_date",
                    "valid_until", "total", "owner"]
    list_filter = ["status", "needs_approval", "discount_type"]
    search_fields = ["number", "customer__name", "customer__name_ar", "lead__company",
                     "contact_name"]
    list_select_related = ["customer", "lead", "owner"]
    date_hierarchy = "quote_date"
    editable_fields, computed_fields = QUOTE_EDITABLE, QUOTE_COMPUTED
    inlines = [read_only_inline(QuoteLine, QUOTE_LINE_FIELDS),
               read_only_inline(QuoteVersion, VERSION_FIELDS)]
    document_actions = QUOTE_ACTIONS
    document_services = (services.quote_create, services.quote_update, services.quote_delete)
