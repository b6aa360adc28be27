from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter for the API: the FilterSet (core.filters) maps camelCase query names."""

    raise_exception = True
