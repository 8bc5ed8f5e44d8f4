"""schemathesis over the gateway's OpenAPI document, against the running gateway: a bounded
number of generated cases per operation (anonymous and, when the demo accounts are seeded,
none signed in: the access matrix is test_api_*'s job); no 5xx, and every response matches
the schema the document gives for its status (errors: RFC 9457 problems)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.gateway.conftest import Platform

MAX_EXAMPLES = 5

schema = schemathesis.pytest.from_fixture("gateway_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case: schemathesis.Case[Any], gateway: Platform) -> None:
    case.call_and_validate(
        base_url=gateway.url,
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
