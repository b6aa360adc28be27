"""The REST contract every resource honours (docs/api.md). A resource's test class subclasses
ApiContract, names its path, keys and roles, and says how to make rows and payloads."""

import copy
import csv
import datetime
import io
import json
import re
from functools import cache
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from rest_framework.test import APIClient

from core.choices import Role
from tests.conftest import client_for
from tests.contracts import call_factory

OPERATIONS = ("list", "retrieve", "create", "update", "delete")
# What a role may do, for a resource's `permissions`.
ALL = set(OPERATIONS)
READ = {"list", "retrieve"}
WORK = {"list", "retrieve", "create", "update"}  # everything but delete
# A creation time the day before the startDate of the date filter cases.
OLD = datetime.datetime(2025, 1, 15, 12, tzinfo=datetime.UTC)
BAD_LIST_PARAMETERS = [{"page": 0}, {"page": "x"}, {"limit": 0}, {"limit": 101},
                       {"sortBy": "nonsense"}, {"sortOrder": "sideways"},
                       {"search": "a\x00b"}]
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")


def assert_camel_keys(value, path="data") -> None:
    """Every key at every depth is camelCase (error detail paths like items.2.x aside)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert CAMEL.match(key), f"{path}.{key} is not camelCase"
            assert_camel_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_camel_keys(item, f"{path}[{index}]")


def backdate(obj, when=OLD):
    """`obj` as if made at `when` (created_at is set on insert, so the row is updated)."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)
    return obj


def reference_cases(name: str, pk, matching, other) -> list[tuple[dict, object, object]]:
    """The filter cases of a reference, which a list reads by its bare query name and by its
    Id name alike (`?owner=3` and `?ownerId=3`, core.filters.reference_filters)."""
    return [({name: str(pk)}, matching, other), ({f"{name}Id": str(pk)}, matching, other)]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["message"] and body["error"]["messageAr"]
    return body["error"]


def assert_params_refused(api, path: str, params: dict) -> None:
    """A list asked with `params` it cannot read answers 400, the error naming each of them."""
    error = assert_error(api.get(path, params), 400, "validation_error")
    assert set(error["details"]) == set(params)


# The formats the schema uses, "uri" included (jsonschema checks it only with an optional
# package): a blank URL must match only the "blank" branch of its oneOf.
FORMATS = copy.deepcopy(oas30_format_checker)


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


@cache
def served_schema() -> dict:
    """The OpenAPI document as /api/v1/schema/ serves it, generated once per test session."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@cache
def _operations() -> list[tuple[re.Pattern, str]]:
    # Literal segments before templated ones, so /users/me is not read as /users/{id}.
    paths = sorted(served_schema()["paths"], key=lambda path: (path.count("{"), -len(path)))
    return [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+",
                                      re.escape(path.rstrip("/"))) + "/?$"), path)
            for path in paths]


@cache
def _validator(path: str, method: str, status: str) -> OAS30ReadValidator | None:
    responses = served_schema()["paths"][path][method]["responses"]
    response = responses.get(status) or responses.get("default")
    assert response is not None, f"{method.upper()} {path} answered an undocumented {status}"
    body = response.get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return None
    # The response schema inside a document holding the components, so "#/components/..." works.
    # Formats checked: a blank e-mail must match only the schema's "blank" branch of oneOf.
    return OAS30ReadValidator({**body, "components": served_schema()["components"]},
                              format_checker=FORMATS)


def assert_matches_schema(response) -> None:
    """The answer's status is documented for its operation and its JSON body matches."""
    request = response.wsgi_request
    method = request.method.lower()
    found = [path for pattern, path in _operations() if pattern.match(request.path)
             and method in served_schema()["paths"][path]]
    if not found:
        return  # unrouted paths (the 404 envelope)
    if not response.get("Content-Type", "").startswith("application/json"):
        return  # the CSV export streams text, documented by its parameter only
    validator = _validator(found[0], method, str(response.status_code))
    if validator is not None:
        errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
        assert not errors, (f"{method.upper()} {found[0]} {response.status_code}: "
                            + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))


class SchemaCheckingClient(APIClient):
    """An API client whose every answer is checked against the served schema."""

    def request(self, **kwargs):
        response = super().request(**kwargs)
        assert_matches_schema(response)
        return response


@pytest.mark.django_db
class ApiContract:
    path: str
    key: str
    plural: str
    model: type
    sort_fields: list[str] = ["createdAt"]
    # role -> operations the role may perform; the others must answer 403.
    permissions: dict[str, set[str]] = {Role.ADMIN: set(OPERATIONS)}
    # A list of N rows must never cost more queries than a list of a few.
    query_rows = (3, 30)

    # --- what a resource provides -----------------------------------------------------------
    # The factory make() calls: make_<row>(firm, **fields). A resource whose rows need more
    # than that overrides make instead.
    factory = None

    def make(self, firm, **overrides):
        return call_factory(self, firm, **overrides)

    def create_payload(self, firm) -> dict:
        raise NotImplementedError

    def invalid_payload(self, firm) -> tuple[dict, str]:
        """A payload the API must refuse, and the camelCase field the error names."""
        raise NotImplementedError

    def update_payload(self, obj) -> dict:
        raise NotImplementedError

    # The fields of a row and a search text that finds it and no plain row: the default
    # search_case makes a plain row, then one with these fields.
    search: tuple[dict, str] | None = None

    def search_case(self, firm) -> tuple[object, str]:
        """A row and a search text that finds it and no other row."""
        if self.search is None:
            raise NotImplementedError
        fields, text = self.search
        self.make(firm)
        return self.make(firm, **fields), text

    def filter_cases(self, firm) -> list[tuple[dict, object, object]]:
        """(query params, a row they match, a row they do not), one per filter."""
        raise NotImplementedError

    def date_cases(self, firm) -> list[tuple[dict, object, object]]:
        """The filter cases of startDate/endDate on createdAt: an old row and a new one."""
        old, new = backdate(self.make(firm)), self.make(firm)
        return [({"startDate": "2025-01-16"}, new, old), ({"endDate": "2025-01-15"}, old, new)]

    def assert_deleted(self, obj) -> None:
        assert not self.model._default_manager.filter(pk=obj.pk).exists()

    # --- helpers ----------------------------------------------------------------------------
    @pytest.fixture
    def api(self, admin_user):
        """The firm's admin, with every answer of the contract checked against the schema."""
        client = SchemaCheckingClient()
        client.force_authenticate(user=admin_user)
        return client

    def url(self, obj=None) -> str:
        return f"{self.path}/{obj.pk}" if obj is not None else self.path

    def firm_rows(self, firm):
        return self.model._default_manager.filter(firm=firm)

    # --- the contract -----------------------------------------------------------------------
    def test_list_envelope(self, api, firm):
        self.make(firm)
        response = api.get(self.url())
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert set(body["data"]) == {self.plural, "pagination"}
        assert body["data"]["pagination"]["total"] == self.firm_rows(firm).count()
        assert_camel_keys(body)

    def test_pagination(self, api, firm):
        for _ in range(3):
            self.make(firm)
        total = self.firm_rows(firm).count()
        response = api.get(self.url(), {"page": 2, "limit": 2})
        pagination = response.json()["data"]["pagination"]
        assert pagination == {"page": 2, "limit": 2, "total": total,
                              "totalPages": -(-total // 2)}
        assert len(response.json()["data"][self.plural]) == min(2, total - 2)
        pages = [api.get(self.url(), {"page": page, "limit": 2}).json()["data"][self.plural]
                 for page in range(1, pagination["totalPages"] + 1)]
        ids = [row["id"] for page in pages for row in page]
        assert sorted(ids) == sorted(self.firm_rows(firm).values_list("pk", flat=True))

    def test_page_far_past_the_end_is_empty(self, api, firm):
        self.make(firm)
        response = api.get(self.url(), {"page": 10**15})
        assert response.status_code == 200
        assert response.json()["data"][self.plural] == []

    @pytest.mark.parametrize("params", BAD_LIST_PARAMETERS)
    def test_bad_list_parameters(self, api, params):
        assert_params_refused(api, self.url(), params)

    @pytest.mark.parametrize("params", BAD_LIST_PARAMETERS)
    def test_csv_refuses_what_the_list_refuses(self, api, firm, params):
        # Refused before the download starts: a JSON envelope, never a CSV broken midway.
        self.make(firm)
        response = api.get(self.url(), {**params, "format": "csv"})
        assert response["Content-Type"].startswith("application/json")
        error = assert_error(response, 400, "validation_error")
        assert set(error["details"]) == set(params)

    def test_unknown_parameter_ignored(self, api, firm):
        self.make(firm)
        assert api.get(self.url(), {"colour": "blue"}).status_code == 200

    def test_sort(self, api, firm):
        for _ in range(3):
            self.make(firm)
        for field in self.sort_fields:
            ascending = api.get(self.url(), {"sortBy": field, "sortOrder": "asc", "limit": 100})
            descending = api.get(self.url(), {"sortBy": field, "sortOrder": "desc",
                                              "limit": 100})
            assert ascending.status_code == descending.status_code == 200, field
            up = [row[field] for row in ascending.json()["data"][self.plural]]
            down = [row[field] for row in descending.json()["data"][self.plural]]
            assert up == sorted(up, key=_sort_key), field
            assert down == sorted(down, key=_sort_key, reverse=True), field

    def test_search(self, api, firm):
        row, text = self.search_case(firm)
        found = api.get(self.url(), {"search": text}).json()["data"][self.plural]
        assert [item["id"] for item in found] == [row.pk]

    def test_filters(self, api, firm):
        cases = self.filter_cases(firm)
        assert cases, "every list declares at least one filter"
        for params, matching, other in cases:
            ids = [item["id"] for item in
                   api.get(self.url(), {**params, "limit": 100}).json()["data"][self.plural]]
            assert matching.pk in ids, params
            assert other.pk not in ids, params

    def test_csv_export(self, api, firm):
        self.make(firm)
        response = api.get(self.url(), {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == self.firm_rows(firm).count()
        assert "id" in rows[0] and "password" not in rows[0]

    def test_csv_errors_and_writes_answer_json(self, api, firm):
        bad = api.get(self.url(), {"format": "csv", "sortBy": "nonsense"})
        assert bad["Content-Type"].startswith("application/json")
        assert_error(bad, 400, "validation_error")
        created = api.post(f"{self.url()}?format=csv", self.create_payload(firm), format="json")
        assert created.status_code == 201
        assert created["Content-Type"].startswith("application/json")

    def test_retrieve(self, api, firm):
        obj = self.make(firm)
        response = api.get(self.url(obj))
        assert response.status_code == 200
        assert response.json()["data"][self.key]["id"] == obj.pk
        assert_camel_keys(response.json())

    def test_other_firm_is_not_found(self, api, other_firm):
        foreign = self.make(other_firm)
        history_before = foreign.history.count()
        assert_error(api.get(self.url(foreign)), 404, "not_found")
        assert_error(api.patch(self.url(foreign), self.update_payload(foreign), format="json"),
                     404, "not_found")
        assert_error(api.delete(self.url(foreign)), 404, "not_found")
        listed = [row["id"] for row in api.get(self.url(), {"limit": 100}).json()["data"][
            self.plural]]
        assert foreign.pk not in listed
        assert self.model._default_manager.filter(pk=foreign.pk).exists()
        assert foreign.history.count() == history_before  # nothing written to it

    def test_missing_is_not_found(self, api):
        assert_error(api.get(f"{self.path}/987654321"), 404, "not_found")

    def test_create(self, api, firm, admin_user):
        before = self.firm_rows(firm).count()
        response = api.post(self.url(), self.create_payload(firm), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["message"] and body["messageAr"]
        created = self.model._default_manager.get(pk=body["data"][self.key]["id"])
        assert created.firm_id == firm.pk
        assert self.firm_rows(firm).count() == before + 1
        assert created.history.latest().history_user_id == admin_user.pk

    def test_create_ignores_firm_in_request(self, api, firm, other_firm):
        payload = {**self.create_payload(firm), "firmId": other_firm.pk, "firm": other_firm.pk}
        response = api.post(self.url(), payload, format="json")
        assert response.status_code == 201, response.content
        created = self.model._default_manager.get(pk=response.json()["data"][self.key]["id"])
        assert created.firm_id == firm.pk

    def test_create_invalid(self, api, firm):
        before = self.firm_rows(firm).count()
        payload, field = self.invalid_payload(firm)
        error = assert_error(api.post(self.url(), payload, format="json"), 400,
                             "validation_error")
        assert field in error["details"]
        assert self.firm_rows(firm).count() == before

    def test_update_writes_history_with_actor(self, api, firm, admin_user):
        obj = self.make(firm)
        rows_before = obj.history.count()
        payload = self.update_payload(obj)
        response = api.patch(self.url(obj), payload, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["messageAr"]
        shown = response.json()["data"][self.key]
        for key, value in payload.items():
            if key in shown and not isinstance(value, list | dict):
                assert shown[key] == value, key
        again = api.get(self.url(obj)).json()["data"][self.key]
        assert {key: again[key] for key in shown if key in payload} == {
            key: shown[key] for key in shown if key in payload}
        assert obj.history.count() == rows_before + 1
        assert obj.history.latest().history_user_id == admin_user.pk

    def test_delete(self, api, firm):
        obj = self.make(firm)
        response = api.delete(self.url(obj))
        assert response.status_code == 200, response.content
        assert response.json()["message"]
        self.assert_deleted(obj)

    def test_unauthenticated(self, firm):
        obj = self.make(firm)
        client = client_for(None)
        for response in (client.get(self.url()), client.get(self.url(obj)),
                         client.post(self.url(), {}, format="json")):
            assert_error(response, 401, "not_authenticated")

    @pytest.mark.parametrize("role", Role.values)
    def test_role_permissions(self, role, users, firm):
        client = client_for(users[role])
        allowed = self.permissions.get(role, set())
        target = self.make(firm)
        attempts = {
            "list": lambda: client.get(self.url()),
            "retrieve": lambda: client.get(self.url(target)),
            "create": lambda: client.post(self.url(), self.create_payload(firm), format="json"),
            "update": lambda: client.patch(self.url(target), self.update_payload(target),
                                           format="json"),
            "delete": lambda: client.delete(self.url(target)),
        }
        for operation, attempt in attempts.items():
            response = attempt()
            if operation in allowed:
                assert response.status_code < 300, (role, operation, response.content)
            else:
                assert_error(response, 403, "permission_denied")

    def test_list_queries_do_not_grow(self, api, firm):
        few, many = self.query_rows
        api.get(self.url())  # warm the per-request caches (the caller's permissions)
        counts = []
        for target in (few, many):
            while self.firm_rows(firm).count() < target:
                self.make(firm)
            with CaptureQueriesContext(connection) as queries:
                response = api.get(self.url(), {"limit": 100})
            assert response.status_code == 200
            assert len(response.json()["data"][self.plural]) == self.firm_rows(firm).count()
            counts.append(len(queries))
        assert counts[0] == counts[1], f"{counts[0]} queries for {few} rows, {counts[1]} for {many}"


def _sort_key(value):
    # PostgreSQL puts NULLs last in ascending order (and first in descending).
    return (value is None, value.casefold() if isinstance(value, str) else value)
