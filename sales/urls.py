"""sales staff pages, mounted at /sales/. Names are <model>_<action> (architecture §5.11); each
package declares its own pages."""

from django.urls import include, path

app_name = "sales"

urlpatterns = [
    path("", include("sales.quotes.urls")),
    path("", include("sales.down_payments.urls")),
    path("orders/", include("sales.orders.urls")),
    path("", include("sales.invoicing.urls")),
]
