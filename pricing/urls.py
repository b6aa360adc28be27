"""pricing staff pages, mounted at /pricing/. Names are <model>_<action> (architecture §5.11)."""

from django.urls import path

from core.staff import pages

from . import views

app_name = "pricing"



urlpatterns = [
    *pages("products", "product", views.ProductListView, views.ProductDetailView,
           views.ProductFormView),
    *pages("product-groups", "productgroup", views.ProductGroupListView,
           views.ProductGroupDetailView, views.ProductGroupFormView),
    *pages("brands", "brand", views.BrandListView, views.BrandDetailView, views.BrandFormView),
    *pages("price-lists", "pricelist", views.PriceListListView, views.PriceListDetailView,
           views.PriceListFormView),
    path("price-lists/<int:pk>/toggle-active/", views.PriceListToggleView.as_view(),
         name="pricelist_toggle_active"),
    path("price-lists/<int:pk>/duplicate/", views.PriceListDuplicateView.as_view(),
         name="pricelist_duplicate"),
    path("price-lists/<int:pk>/import/", views.PriceListImportView.as_view(),
         name="pricelist_import"),
    path("price-lists/<int:pk>/items/add/", views.PriceListItemsView.as_view(),
         {"operation": "add"}, name="pricelist_item_add"),
    path("price-lists/<int:pk>/items/<int:item_pk>/edit/", views.PriceListItemsView.as_view(),
         {"operation": "change"}, name="pricelist_item_update"),
    path("price-lists/<int:pk>/items/<int:item_pk>/delete/",
         views.PriceListItemsView.as_view(), {"operation": "delete"},
         name="pricelist_item_delete"),
    *pages("pricing-rules", "pricingrule", views.PricingRuleListView,
           views.PricingRuleDetailView, views.PricingRuleFormView),
    path("pricing-rules/<int:pk>/toggle-active/", views.PricingRuleToggleView.as_view(),
         name="pricingrule_toggle_active"),
    path("pricing-rules/<int:pk>/duplicate/", views.PricingRuleDuplicateView.as_view(),
         name="pricingrule_duplicate"),
    path("price-check/", views.PriceCheckView.as_view(), name="price_check"),
]
