"""Generated requests against every operation of the published schema: the API never answers
500, and its responses (success and error envelopes) match what the schema documents."""

import pytest
import schemathesis
import yaml
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from core import services
from core.choices import Role


@pytest.fixture
def api_schema(api, users):
    raw = yaml.safe_load(api.get("/api/v1/schema/").content)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    return schema


@pytest.fixture
def auth_headers(users):
    _token, key = services.api_token_issue(user=users[Role.ADMIN])
    return {"Authorization": f"Token {key}", "Host": "testserver"}


@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(api_schema, auth_headers):
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15  # every operation of the schema, not a silent subset

    for operation in operations:

        @given(case=operation.as_strategy())
        # derandomize: the same inputs every run, so CI is reproducible (see docs/decisions.md).
        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            case.call_and_validate(headers=auth_headers, checks=checks)

        exercise()
