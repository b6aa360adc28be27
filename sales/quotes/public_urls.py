"""The customer's quote link, mounted at /q/ without login (config/urls.py)."""

from django.urls import path

from sales.quotes import public

app_name = "sales_public"

urlpatterns = [
    path("<str:signed>/", public.quote_detail, name="quote_detail"),
    path("<str:signed>/pdf/", public.quote_pdf_download, name="quote_pdf"),
    path("<str:signed>/accept/", public.quote_accept, name="quote_accept"),
    path("<str:signed>/reject/", public.quote_reject, name="quote_reject"),
]
