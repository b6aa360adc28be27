from core.api.urls import Router

app_name = "crm-api"

router = Router()
urlpatterns = [*router.urls]
