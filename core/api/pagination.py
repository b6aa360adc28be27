from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def query_int(request, name: str, *, default: int, minimum: int, maximum: int | None) -> int:
    """A whole-number query parameter within bounds, or a 400 naming it."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = (_("a whole number from %(min)s to %(max)s") % {"min": minimum, "max": maximum}
                  if maximum is not None else
                  _("a whole number of at least %(min)s") % {"min": minimum})
        raise ValidationError({name: [_("Must be %(bounds)s.") % {"bounds": bounds}]})
    return value


def page_and_limit(request) -> tuple[int, int]:
    """`page` and `limit`, validated: the JSON list and its CSV export refuse the same input."""
    return (query_int(request, "page", default=1, minimum=1, maximum=None),
            query_int(request, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT))


class Pagination(BasePagination):
    """`page`/`limit` pagination answering `{plural: [...], pagination: {...}}` (docs/api.md)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.page, self.limit = page_and_limit(request)
        self.key = view.data_key_plural
        self.total = queryset.count()
        offset = (self.page - 1) * self.limit
        if offset >= self.total:
            return []  # past the end (and never an offset the database cannot hold)
        return list(queryset[offset:offset + self.limit])

    def get_paginated_response(self, data):
        return Response({"success": True, "data": {self.key: data, "pagination": {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "total_pages": -(-self.total // self.limit),
        }}})
