"""schemathesis over the gateway's OpenAPI document, against the running gateway: a bounded
number of generated cases per operation (MAX_EXAMPLES, derandomized; anonymous callers: the
access matrix is test_api_*'s job); no 5xx, and every response matches the schema the
document gives for its status (errors: RFC 9457 problems).

The operations are walked in one test (schemathesis' `from_fixture` does not run under this
pytest), each with its own hypothesis run; every failing operation is reported.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.gateway.conftest import Platform

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 5


def test_api_conforms_to_its_document(gateway: Platform) -> None:
    schema = schemathesis.openapi.from_url(f"{gateway.url}/api/v1/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"invalid operation: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=gateway.url, checks=[not_a_server_error, response_schema_conformance], timeout=30
            )

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 0
    assert not failures, "\n\n".join(failures)
