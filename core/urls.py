from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserFormView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserFormView.as_view(), name="user_update"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/export/", views.settings_export, name="settings_export"),
    path("settings/import/", views.settings_import, name="settings_import"),
    path("settings/<str:section>/", views.settings_page, name="settings_section"),
    path("settings/<str:section>/reset/", views.settings_reset, name="settings_reset"),
]

# Outside the namespace: Django's auth views and settings refer to these names.
shell_urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
