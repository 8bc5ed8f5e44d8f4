"""schemathesis over the gateway's OpenAPI document, against the running gateway: a bounded
number of generated cases per operation (derandomized) for an anonymous caller, a signed-in
resident and a dispatcher of a community (bearer access tokens, the API's `bearerAuth`
scheme); no 5xx, and every response matches the schema the document gives for its status
(errors: RFC 9457 problems). Which caller may do what is the access matrix's job.

The operations are walked in one test per caller (schemathesis' `from_fixture` does not run
under this pytest), each with its own hypothesis run; every failing operation is reported.
Signed-in runs use test_api_journeys' `world` (its own gateway, roles granted over gRPC).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.integration.gateway import test_api_journeys as journeys
from tests.integration.gateway.conftest import Platform
from tests.integration.gateway.test_api_journeys import World

pytestmark = pytest.mark.integration

world = journeys.world

MAX_EXAMPLES = 5
#: Fewer per signed-in caller: the three runs together stay within about three minutes.
SIGNED_IN_EXAMPLES = 3


def _walk(url: str, headers: dict[str, str], max_examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
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
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=url,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 0
    return failures


def test_api_conforms_to_its_document(gateway: Platform) -> None:
    failures = _walk(gateway.url, {}, MAX_EXAMPLES)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("caller", ["resident", "dispatcher_a"])
def test_api_conforms_to_its_document_signed_in(world: World, caller: str) -> None:
    token = getattr(world, caller).token
    failures = _walk(world.url, {"Authorization": f"Bearer {token}"}, SIGNED_IN_EXAMPLES)
    assert not failures, "\n\n".join(failures)
