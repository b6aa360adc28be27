"""The single tenancy gate. Every selector, viewset, staff view and admin goes through it."""

from django.db.models import QuerySet


def scope_for(queryset: QuerySet, *, user) -> QuerySet:
    """Rows of `queryset` the user may reach: their firm's only, then the model's role scope.

    A user without a firm (a superuser outside any tenant) reaches nothing here; the admin
    site gives superusers their cross-firm view on its own.
    """
    firm_id = getattr(user, "firm_id", None)
    if firm_id is None or not user.is_authenticated:
        return queryset.none()
    label = queryset.model._meta.label_lower
    if label == "core.firm":
        queryset = queryset.filter(pk=firm_id)
    else:
        queryset = queryset.filter(firm_id=firm_id)
    if label == "core.user" and not user.is_superuser:
        # A superuser attached to a firm is not that firm's to see or edit.
        queryset = queryset.filter(is_superuser=False)
    visible_to = getattr(queryset, "visible_to", None)
    return visible_to(user) if visible_to else queryset
