from core.api.urls import Router

from . import views

app_name = "pricing-api"

router = Router()
router.register("products", views.ProductViewSet, basename="product")
router.register("product-groups", views.ProductGroupViewSet, basename="productgroup")
router.register("brands", views.BrandViewSet, basename="brand")
router.register("price-lists", views.PriceListViewSet, basename="pricelist")
router.register("pricing-rules", views.PricingRuleViewSet, basename="pricingrule")
urlpatterns = [*router.urls]
