import pytest
import yaml
from openapi_spec_validator import validate


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


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
