from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api.views import NotFoundView
from core.forms import AdminSignInForm
from core.urls import shell_urlpatterns
from core.views import admin_login

admin.site.site_header = _("Sales ERP administration")
admin.site.site_title = _("Sales ERP")
# The admin's sign-in asks the same guards as the other doors (core.auth).
admin.site.login_form = AdminSignInForm

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("core.api.urls")),
    path("", include("crm.api.urls")),
    path("", include("crm.api.analytics_urls")),
    path("", include("pricing.api.urls")),
    path("", include("sales.api.urls")),
    path("", include("delivery.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # Last under api/: every unrouted API path answers the JSON 404 envelope.
    re_path(r"^api/", NotFoundView.as_view()),
    # Before the admin's own routes, which would answer this path without the 429.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(shell_urlpatterns)),
    path("", include("core.urls", namespace="core")),
    path("crm/", include("crm.urls", namespace="crm")),
    path("pricing/", include("pricing.urls", namespace="pricing")),
    path("sales/", include("sales.urls", namespace="sales")),
    path("delivery/", include("delivery.urls", namespace="delivery")),
    path("q/", include("sales.quotes.public_urls")),
]
# A request Django refuses before a view answers (too many fields, ...): JSON under /api/.
handler400 = "core.api.views.bad_request"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
