from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "core-api"



class Router(SimpleRouter):
    """docs/api.md paths carry no trailing slash; one is accepted too, so clients need not care."""

    def __init__(self) -> None:
        super().__init__(use_regex_path=True)
        self.trailing_slash = "/?"


router = Router()
router.register("users", views.UserViewSet, basename="user")
router.register("auth/tokens", views.ApiTokenViewSet, basename="token")

settings_view = views.SalesSettingsViewSet.as_view
SETTINGS = r"^settings/sales"

urlpatterns = [
    re_path(r"^auth/token/?$", views.TokenView.as_view(), name="token"),
    re_path(r"^health/?$", views.HealthView.as_view(), name="health"),
    re_path(rf"{SETTINGS}/?$", settings_view({"get": "retrieve", "put": "update"}),
            name="settings-detail"),
    re_path(rf"{SETTINGS}/history/?$", settings_view({"get": "history"}),
            name="settings-history"),
    re_path(rf"{SETTINGS}/export/?$", settings_view({"post": "export"}), name="settings-export"),
    re_path(rf"{SETTINGS}/import/?$", settings_view({"post": "import_settings"}),
            name="settings-import"),
    re_path(rf"{SETTINGS}/validate/?$", settings_view({"post": "validate"}),
            name="settings-validate"),
    re_path(rf"{SETTINGS}/reset/(?P<section>[a-z_]+)/?$", settings_view({"put": "reset_section"}),
            name="settings-reset"),
    re_path(rf"{SETTINGS}/(?P<section>[a-z_]+)/?$", settings_view({"put": "update_section"}),
            name="settings-section"),
    path("", include(router.urls)),
]
