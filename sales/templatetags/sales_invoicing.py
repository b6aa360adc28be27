"""Template tags of the invoice pages that other sales pages show (the order's "Invoice"
button), so those pages' views need not know about invoices."""

from django import template

from sales.invoicing.views import invoice_from_order_url as from_order_url

register = template.Library()


@register.simple_tag(takes_context=True)
def invoice_from_order_url(context, order) -> str:
    """The order's "Invoice" page for users who may invoice it now, else ""."""
    request = context.get("request")
    if request is None or order is None:
        return ""
    return from_order_url(order, request.user) or ""
