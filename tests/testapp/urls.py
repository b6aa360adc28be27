from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns
from core.api.urls import Router

from . import views

gadget_patterns = ([
    path("<int:pk>/", views.GadgetDetailView.as_view(), name="gadget_detail"),
    path("<int:pk>/<str:transition>/", views.GadgetTransitionView.as_view(),
         name="gadget_transition"),
], "testapp")

# The same document on the document kit.
kit_patterns = ([
    path("<int:pk>/", views.GadgetDocumentView.as_view(), name="gadget_detail"),
    path("<int:pk>/<str:transition>/", views.GadgetActionView.as_view(),
         name="gadget_transition"),
], "kit")

router = Router()
router.register("gadgets", views.GadgetViewSet, basename="gadget")

urlpatterns = [path("gadgets/", include(gadget_patterns)),
               path("kit-gadgets/", include(kit_patterns)),
               path("api/v1/test/", include((router.urls, "testapp-api"))),
               *project_urlpatterns]
