import json
import re

import pytest
import yaml
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_spec_validator import validate


def generate_strictly() -> tuple[dict, set[str], set[str]]:
    """The schema as `manage.py spectacular --fail-on-warn` builds it, with its warnings and
    errors (without the machine-dependent source path drf-spectacular may put in front)."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    found = ({re.sub(r"^.*?(?=(Warning|Error)\b)", "", message, count=1)
              for message in cache} for cache in (GENERATOR_STATS._warn_cache,
                                                  GENERATOR_STATS._error_cache))
    warnings, errors = found
    GENERATOR_STATS.reset()
    return schema, warnings, errors


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_generates_without_warnings(db):
    schema, warnings, errors = generate_strictly()
    # Any warning fails: a colliding component or enum name gives clients a wrong schema.
    assert not errors, sorted(errors)
    assert not warnings, sorted(warnings)
    validate(json.loads(OpenApiJsonRenderer().render(schema)))  # as served: decimals as numbers


def _refs(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_reference_resolves_in_every_generation(db, api):
    # A second generation in one process once lost SuccessEnum inside the error envelope.
    for schema in (generate_strictly()[0], yaml.safe_load(api.get("/api/v1/schema/").content),
                   generate_strictly()[0]):
        components = schema["components"]["schemas"]
        assert components["ErrorEnvelope"]["properties"]["success"] == {
            "$ref": "#/components/schemas/SuccessEnum"}
        missing = {ref for ref in _refs(schema)
                   if ref.removeprefix("#/components/schemas/") not in components}
        assert not missing


# DELETE operations whose own @extend_schema documents a 200 without a body (pricing).
DELETE_WITHOUT_BODY = {"/api/v1/price-lists/{id}/items/{item_id}/"}


def test_delete_documents_the_200_envelope_it_answers(schema):
    without_body = set()
    for path, operations in schema["paths"].items():
        if "delete" in operations:
            responses = operations["delete"]["responses"]
            assert "204" not in responses, path
            if "content" not in responses["200"]:
                without_body.add(path)
                continue
            body = responses["200"]["content"]["application/json"]["schema"]
            assert body["required"] == ["success", "data", "message", "messageAr"], path
    assert without_body == DELETE_WITHOUT_BODY


def test_sign_in_documents_its_401_and_429(schema):
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    for code in ("401", "429", "400"):
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"}
    assert "403" not in responses


def test_schema_documents_envelopes_errors_and_camel_case(schema):
    users = schema["paths"]["/api/v1/users/"]["get"]
    success = users["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(success["properties"]["data"]["properties"]) == {"users", "pagination"}
    for code in ("400", "401", "403", "404"):
        assert users["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorEnvelope"}
    parameters = {parameter["name"] for parameter in users["parameters"]}
    assert {"page", "limit", "sortBy", "sortOrder", "search", "format", "role",
            "isActive"} <= parameters
    user_fields = schema["components"]["schemas"]["User"]["properties"]
    assert "firstName" in user_fields and "first_name" not in user_fields
    settings = schema["paths"]["/api/v1/settings/sales/"]["get"]["responses"]["200"]
    data = settings["content"]["application/json"]["schema"]["properties"]["data"]
    assert "settings" in data["properties"]


def test_schema_needs_login(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/schema/").status_code == 401


def test_docs_page_uses_vendored_assets(admin_user, client):
    client.force_login(admin_user)
    html = client.get("/api/v1/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_contract_client_checks_answers_against_the_schema(db):
    from tests.contracts.api import _validator

    validator = _validator("/api/v1/users/", "get", "200")
    good = {"success": True, "data": {"users": [], "pagination": {
        "page": 1, "limit": 20, "total": 0, "totalPages": 0}}}
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({"success": True, "data": {"users": [{"id": "x"}]}}))
    with pytest.raises(AssertionError, match="undocumented 418"):
        _validator("/api/v1/users/", "get", "418")


@pytest.mark.parametrize(("path", "keys"), [
    ("/api/v1/sales-orders/{id}/invoice/", {"invoice"}),
    ("/api/v1/invoices/{id}/payments/", {"payment", "invoice"}),
    ("/api/v1/quotes/{id}/convert/", {"order", "invoice"}),
])
def test_answers_with_several_objects_document_each_key(schema, path, keys):
    components = schema["components"]["schemas"]

    def resolved(node: dict) -> dict:
        return components[node["$ref"].split("/")[-1]] if "$ref" in node else node

    answer = resolved(schema["paths"][path]["post"]["responses"]["201"]["content"][
        "application/json"]["schema"])
    assert set(resolved(answer["properties"]["data"])["properties"]) == keys
