"""Schemathesis fuzzes the API from its own OpenAPI schema: no 5xx, no response off the schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import milex
from milex.web import create_app

# the ASGI test client calls itself "testserver": allowed here as `milex serve --host` would
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(milex.load(), hosts=["testserver"])
)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    """No 5xx; every status, content type, header and body is the one the schema documents.

    (Schema-valid values the data cannot answer, such as a year NATO has no figures for, are a
    documented 422, so the 'positive data acceptance' check does not apply.)
    """
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ]
    )
