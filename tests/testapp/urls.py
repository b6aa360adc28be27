from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

from . import views

gadget_patterns = ([
    path("<int:pk>/", views.GadgetDetailView.as_view(), name="gadget_detail"),
    path("<int:pk>/<str:transition>/", views.GadgetTransitionView.as_view(),
         name="gadget_transition"),
], "testapp")

urlpatterns = [path("gadgets/", include(gadget_patterns)), *project_urlpatterns]
