"""OpenAPI: responses documented inside the envelopes, error responses on every operation."""

import copy

from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter

from core.api.serializers import DataSerializer

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["success", "error"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {
            "type": "object",
            "required": ["code", "message", "messageAr", "details"],
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string"},
                "messageAr": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True,
                            "description": "validation_error: camelCase field (or "
                                           "`items.2.quantity`) -> messages; "
                                           "invalid_transition: from, to, allowed"},
            },
        },
    },
}
PAGINATION = {
    "type": "object",
    "required": ["page", "limit", "total", "totalPages"],
    "properties": {name: {"type": "integer"} for name in ("page", "limit", "total", "totalPages")},
}
ERRORS = {
    "400": "The input is not valid (validation_error) or a business rule refused it.",
    "401": "Not authenticated (not_authenticated).",
    "403": "The role may not do this (permission_denied).",
    "404": "No such resource in the caller's firm (not_found).",
    "409": "The document's status does not allow it (invalid_transition) or a concurrent "
           "change (conflict).",
}
# TenantModelViewSet.destroy answers 200 with the success envelope and its message (no data),
# not drf-spectacular's default 204 without a body.
DESTROY_ENVELOPE = {
    "type": "object",
    "required": ["success", "data", "message", "messageAr"],
    "properties": {
        "success": {"type": "boolean", "enum": [True]},
        "data": {"type": "object", "nullable": True, "description": "Always null."},
        "message": {"type": "string"},
        "messageAr": {"type": "string"},
    },
}
LIST_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("limit", int, description="Rows per page, 1 to 100 (default 20)."),
    OpenApiParameter("sortBy", str, description="A sortable field (camelCase)."),
    OpenApiParameter("sortOrder", str, enum=["asc", "desc"]),
    OpenApiParameter("search", str, description="Text searched in numbers and names."),
    OpenApiParameter("format", str, enum=["json", "csv"],
                     description="csv: every filtered row as a CSV download."),
]


class AutoSchema(BaseAutoSchema):
    def _get_paginator(self):
        return None  # the list envelope below documents pagination

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_list_action():
            sortable = sorted(getattr(self.view, "sort_fields", {}))
            parameters = [*LIST_PARAMETERS, *parameters]
            if sortable:
                parameters[2] = OpenApiParameter("sortBy", str, enum=sortable)
            if self.view.action == "history":
                # Settings history (core.api.views): sorted by change, neither searched nor
                # exported.
                parameters = [*parameters[:2], OpenApiParameter("sortBy", str,
                                                                enum=["changedAt"]),
                              *[parameter for parameter in parameters[3:]
                                if parameter.name not in ("search", "format")]]
        return parameters

    def _is_list_action(self) -> bool:
        return getattr(self.view, "action", None) == "list" or (
            getattr(self.view, "action", None) == "history")

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        for parameter in parameters:  # the FilterSet takes camelCase names (core.filters)
            parameter["name"] = camelize_re.sub(underscore_to_camel, parameter["name"])
        return parameters

    def _get_response_for_code(self, serializer, status_code, media_types=None,
                               direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types,
                                                  direction)
        if not ("200" <= str(status_code) < "300"):
            return response
        whole = isinstance(serializer, DataSerializer) or (
            isinstance(serializer, type) and issubclass(serializer, DataSerializer))
        for media_type, content in response.get("content", {}).items():
            if media_type == "application/json":
                content["schema"] = self._envelope(content["schema"], whole=whole)
        return response

    def _envelope(self, schema: dict, *, whole: bool = False) -> dict:
        key = getattr(self.view, "data_key", "") or "result"
        if whole:
            data = schema  # the serializer describes every key of `data` itself
        elif schema.get("type") == "array" or self._is_list_action():
            plural = getattr(self.view, "data_key_plural", "") or "results"
            items = schema if schema.get("type") == "array" else {"type": "array",
                                                                  "items": schema}
            data = {"type": "object", "properties": {_camel(plural): items,
                                                     "pagination": PAGINATION}}
        else:
            data = {"type": "object", "properties": {_camel(key): schema}}
        return {"type": "object", "required": ["success", "data"], "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": data,
            "message": {"type": "string"},
            "messageAr": {"type": "string"},
        }}

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "DELETE" and set(responses) == {"204"}:
            responses = {"200": {
                "description": "Deleted (or deactivated); the message says which.",
                "content": {"application/json": {"schema": copy.deepcopy(DESTROY_ENVELOPE)}},
            }}
        component = ResolvedComponent(name="ErrorEnvelope", type=ResolvedComponent.SCHEMA,
                                      object="ErrorEnvelope",
                                      schema=copy.deepcopy(ERROR_ENVELOPE))
        self.registry.register_on_missing(component)
        public = not self.get_auth()
        # A view adds the errors only it answers, e.g. the sign-in door's 401 and 429.
        own_errors = getattr(self.view, "schema_errors", {})
        for code, description in {**ERRORS, **own_errors}.items():
            if public and code in ("401", "403") and code not in own_errors:
                continue
            responses.setdefault(code, {
                "description": description,
                "content": {"application/json": {"schema": component.ref}},
            })
        return responses


def _camel(name: str) -> str:
    return camelize_re.sub(underscore_to_camel, name)
