"""Base viewsets: tenancy scope, role permissions, envelopes, list mechanics and CSV export."""

import csv
import datetime
import json
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.util import camelize
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.filters import search_queryset, searchable_fields
from core.scoping import scope_for
from core.spreadsheets import spreadsheet_cell

from .pagination import page_and_limit
from .permissions import ACTION_PERMISSIONS
from .renderers import CSVRenderer, JSONRenderer
from .responses import envelope

CSV_CHUNK = 2000


class BaseViewSet(viewsets.GenericViewSet):
    """Every API view: the caller's firm only, role permissions per action, the envelope."""

    data_key = ""
    data_key_plural = ""
    # action -> ["app.codename", ...]; model CRUD actions are derived when absent.
    required_permissions: dict[str, list[str]] = {}

    # The caller, as services take them.
    @property
    def actor(self):
        return self.request.user

    @property
    def firm(self):
        return self.request.user.firm

    def input_data(self, serializer_class, data=None) -> dict:
        """The request body (or `data`) validated by an input serializer; a 400 if invalid."""
        serializer = serializer_class(data=self.request.data if data is None else data,
                                      context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def initial(self, request, *args, **kwargs) -> None:
        # A declared action may be named like an HTTP method (a document's `post`): the
        # route's method map, not an attribute of that name, decides what a route answers,
        # so `POST /credit-notes/:id` is a 405 and never the `post` action.
        method = request.method.lower()
        if (self.action_map is not None and method not in self.action_map
                and method not in ("options", "head")):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def get_required_permissions(self, action: str) -> list[str] | None:
        if action in self.required_permissions:
            return self.required_permissions[action]
        model = getattr(self.queryset, "model", None)
        operation = ACTION_PERMISSIONS.get(action)
        if model is None or operation is None:
            return None
        return [f"{model._meta.app_label}.{operation}_{model._meta.model_name}"]

    def get_queryset(self) -> QuerySet:
        return scope_for(super().get_queryset(), user=self.request.user)

    def envelope(self, data: Any, *, message=None, status: int = status.HTTP_200_OK):
        return envelope(data, message=message, status=status)

    def one(self, instance, *, message=None, status: int = status.HTTP_200_OK):
        """`{"<key>": serialized instance}` in the envelope."""
        serializer = self.get_serializer(instance)
        return envelope({self.data_key: serializer.data}, message=message, status=status)


class ListMixin:
    """Filtering (FilterSet), `search`, `sortBy`/`sortOrder`, pagination and `?format=csv`."""

    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]
    # camelCase name -> ORM path; only these may be sorted on.
    sort_fields: dict[str, str] = {"createdAt": "created_at"}
    default_sort = "-created_at"
    search_fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        return self.sort(self.search(queryset))

    def search(self, queryset: QuerySet) -> QuerySet:
        text = self.request.query_params.get("search", "")
        try:
            # PostgreSQL refuses a NUL in a text parameter: a 400 naming `search`, not a crash.
            ProhibitNullCharactersValidator()(text)
        except DjangoValidationError as error:
            raise ValidationError({"search": error.messages}) from error
        return search_queryset(queryset, searchable_fields(self), text)

    def sort(self, queryset: QuerySet) -> QuerySet:
        params = self.request.query_params
        sort_by, order = params.get("sortBy"), params.get("sortOrder", "asc")
        if order not in ("asc", "desc"):
            raise ValidationError({"sortOrder": [_("Must be asc or desc.")]})
        if sort_by is None:
            ordering = self.default_sort
        elif sort_by in self.sort_fields:
            ordering = ("-" if order == "desc" else "") + self.sort_fields[sort_by]
        else:
            raise ValidationError({"sortBy": [_("Sorting is possible by: %(fields)s.")
                                              % {"fields": ", ".join(sorted(self.sort_fields))}]})
        # The id breaks ties so pages never overlap or skip rows.
        tie = "-pk" if ordering.startswith("-") else "pk"
        return queryset.order_by(ordering, tie)

    def finalize_response(self, request, response, *args, **kwargs):
        # `format=csv` means something only to a list; every other answer stays JSON.
        if isinstance(response, Response) and isinstance(
                getattr(request, "accepted_renderer", None), CSVRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv":
            page_and_limit(request)  # the export ignores them, but refuses what the list does
            return self.csv_response(queryset)
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def csv_response(self, queryset: QuerySet) -> StreamingHttpResponse:
        """Every filtered row, streamed in chunks so a large export stays within memory."""
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        readable = [name for name, field in serializer_class(context=context).fields.items()
                    if not field.write_only]
        header = list(camelize(dict.fromkeys(readable)))
        # The first chunk is read before the answer starts: a query the database refuses is
        # then an error envelope, not a download broken after its header.
        chunks = _chunks(queryset.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK)
        first = next(chunks, [])

        def rows() -> Iterator[str]:
            writer = csv.writer(_Echo())
            yield "\ufeff"  # BOM: spreadsheet programs then read the Arabic text as UTF-8
            yield writer.writerow(header)
            for chunk in chain([first] if first else [], chunks):
                for item in camelize(serializer_class(chunk, many=True, context=context).data):
                    yield writer.writerow([_csv_cell(item.get(key)) for key in header])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        filename = f"{self.data_key_plural}-{datetime.date.today():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else spreadsheet_cell(value)


class TenantModelViewSet(ListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         mixins.DestroyModelMixin, BaseViewSet):
    """CRUD for a firm's rows. Writes that are more than plain reference data override
    perform_create/perform_update/perform_destroy to call their service."""

    messages = {
        "create": _("%(name)s created successfully"),
        "update": _("%(name)s updated successfully"),
        "destroy": _("%(name)s deleted successfully"),
    }

    def message(self, action: str):
        name = self.queryset.model._meta.verbose_name
        return _LazyFormat(self.messages[action], name)

    def retrieve(self, request, *args, **kwargs):
        return self.one(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return self.one(instance, message=self.message("create"), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(serializer)
        return self.one(instance, message=self.message("update"))

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return self.envelope(None, message=self.message("destroy"))

    def perform_create(self, serializer):
        user = self.request.user
        return serializer.save(firm=user.firm, created_by=user, updated_by=user)

    def perform_update(self, serializer):
        return serializer.save(updated_by=self.request.user)

    def perform_destroy(self, instance):
        instance._history_user = self.request.user
        instance.delete()


class _LazyFormat:
    """`"%(name)s created" % {name}` evaluated late, so the envelope gets both languages."""

    def __init__(self, template, name) -> None:
        self.template, self.name = template, name

    def __str__(self) -> str:
        return str(self.template) % {"name": str(self.name).capitalize()}


class RecordViewSet(TenantModelViewSet):
    """An app's resource: ids are whole numbers in the path and writes call the app's
    services with the caller as `actor` and their `firm` (BaseViewSet). The data key is
    `resource_key`, or `action_keys[action]` for an action that answers something other than
    the resource."""

    lookup_value_regex = "[0-9]+"
    resource_key = ""
    action_keys: dict[str, str] = {}

    @property
    def data_key(self) -> str:
        return self.action_keys.get(getattr(self, "action", None), self.resource_key)

