"""The staff pages every sales document has, declared once: list, create, detail, update,
delete, PDF and the action confirm page, named `<model>_<action>` (architecture §5.11)."""

from django.urls import path


def document_urlpatterns(prefix: str, name: str, *, list_view, detail_view, create_view=None,
                         update_view=None, delete_view=None, pdf_view=None,
                         transition_view=None, extra: tuple = ()) -> list:
    """The document's paths under `prefix` ("quotes/", or "" where the package is mounted
    under its own prefix); a view left None has no page. `extra` paths come before the
    action path, whose `<str:transition>` would otherwise take their last segment."""
    pages = [
        ("", list_view, "list"),
        ("new/", create_view, "create"),
        ("<int:pk>/", detail_view, "detail"),
        ("<int:pk>/edit/", update_view, "update"),
        ("<int:pk>/delete/", delete_view, "delete"),
        ("<int:pk>/pdf/", pdf_view, "pdf"),
    ]
    patterns = [path(f"{prefix}{route}", view.as_view(), name=f"{name}_{action}")
                for route, view, action in pages if view is not None]
    patterns.extend(extra)
    if transition_view is not None:
        patterns.append(path(f"{prefix}<int:pk>/<str:transition>/", transition_view.as_view(),
                             name=f"{name}_transition"))
    return patterns
