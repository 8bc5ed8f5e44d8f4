from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest

from linli.common.config import ServiceConfig
from linli.common.errors import ALL_ERRORS, Conflict, InvalidArgument, NotFound, Unauthenticated, error_for_status
from linli.common.grpc_interceptors import IdentityInterceptor
from linli.common.identity import Identity, RoleGrant
from linli.common.ids import idempotent_id, new_id
from linli.common.tokens import KeyRing, Signer, Verifier, generate_keypair


def test_problem_details_follow_rfc_9457() -> None:
    problem = InvalidArgument("name must not be empty", field="name").problem(instance="/api/v1/orgs")
    assert problem == {
        "type": "https://linli.dev/problems/invalid-argument",
        "title": "Invalid argument",
        "status": 400,
        "detail": "name must not be empty",
        "field": "name",
        "instance": "/api/v1/orgs",
    }


def test_status_codes_map_both_ways() -> None:
    assert grpc.StatusCode[NotFound("x").status_name] is grpc.StatusCode.NOT_FOUND
    assert Conflict("x").status_name == "ABORTED" and Conflict.http_status == 409
    assert error_for_status("INVALID_ARGUMENT") is InvalidArgument
    assert error_for_status("DATA_LOSS").http_status == 500
    for error in ALL_ERRORS:
        assert error.status_name in grpc.StatusCode.__members__


def test_identity_travels_in_a_signed_token(tmp_path: Path) -> None:
    who = Identity.of("p-1", ["dispatcher@org-7", "resident"])
    private, _ = generate_keypair(tmp_path, "gateway.1")
    served = IdentityInterceptor(Verifier(KeyRing.load(tmp_path))).caller(Signer.from_file(private).metadata(who))
    back = served.identity
    assert back == who and served.token
    assert back.has_role("dispatcher") and not back.has_role("operator")
    assert back.scopes_for("dispatcher") == {"org-7"}
    assert RoleGrant.parse("operator") == RoleGrant("operator", "")
    assert IdentityInterceptor().caller(None).identity.anonymous
    with pytest.raises(Unauthenticated, match="unsigned identity"):
        IdentityInterceptor().caller([("x-linli-subject", "p-1"), ("x-linli-roles", "operator")])
    with pytest.raises(Unauthenticated, match="no identity keys"):
        IdentityInterceptor().caller(Signer.from_file(private).metadata(who))


def test_config_reads_environment_with_typed_defaults() -> None:
    config = ServiceConfig.from_env(
        {"LINLI_GRPC_PORT": "6000", "LINLI_SERVICE_NAME": "requests", "LINLI_DRAIN_SECONDS": "2.5"}
    )
    assert config.grpc_port == 6000 and config.drain_seconds == 2.5
    assert config.database == "linli_requests"
    assert ServiceConfig.from_env({}).kafka_bootstrap == "127.0.0.1:9092"
    assert ("LINLI_GRPC_PORT", "50050", "gRPC port; 0 picks a free one.") in ServiceConfig.describe()
    settings = {env for env, _, _ in ServiceConfig.describe()}
    assert {"LINLI_IDENTITY_KEYS_DIR", "LINLI_SIGNING_KEY_FILE", "LINLI_TOKEN_AUDIENCE"} <= settings
    assert ServiceConfig.from_env({}).token_audience == "linli-services"


def test_config_rejects_bad_values_naming_the_variable() -> None:
    with pytest.raises(InvalidArgument) as caught:
        ServiceConfig.from_env({"LINLI_GRPC_PORT": "lots"})
    assert caught.value.field == "LINLI_GRPC_PORT"


def test_ids_sort_by_time_and_idempotent_ids_are_stable() -> None:
    first = new_id("org")
    time.sleep(0.002)
    second = new_id("org")
    assert first.startswith("org_") and len(first) == 26 and first < second
    assert idempotent_id("req", "person-1", "k-1") == idempotent_id("req", "person-1", "k-1")
    assert idempotent_id("req", "person-1", "k-1") != idempotent_id("req", "person-2", "k-1")
