"""Signed identity at the services themselves, called directly over gRPC (no gateway between):
forged, expired, tampered and wrong-audience tokens, bare identity headers, and `system`
claimed by the gateway are refused with UNAUTHENTICATED; valid tokens work; the calls
services make to each other (forwarding the caller's token, or as themselves with their own
key) still work."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest

from linli.common.identity import SYSTEM, Identity
from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.tokens import Signer, generate_keypair
from linli.v1 import (
    common_pb2,
    notifications_pb2,
    notifications_pb2_grpc,
    organizations_pb2,
    organizations_pb2_grpc,
    requests_pb2,
    requests_pb2_grpc,
    volunteers_pb2,
    volunteers_pb2_grpc,
)
from tests.support import identity
from tests.support.identity import Metadata, who
from tests.support.infra import Infra
from tests.support.processes import ServiceProcess, start_service

DONGSHAN = common_pb2.GeoPoint(lat=28.660, lng=121.420)  # inside the seeded grid JJ-BY-C1-G1
OPERATOR = Identity.of("op-signed", ["operator"])

Call = Callable[[grpc.Channel, Metadata], Any]

#: One call per service that works for an operator.
CALLS: dict[str, Call] = {
    "organizations": lambda channel, metadata: organizations_pb2_grpc.OrganizationServiceStub(channel).GetOrganization(
        organizations_pb2.GetOrganizationRequest(code="JJ"), metadata=metadata, timeout=10
    ),
    "volunteers": lambda channel, metadata: volunteers_pb2_grpc.VolunteerServiceStub(channel).ListTeams(
        volunteers_pb2.ListTeamsRequest(page=common_pb2.PageRequest(page_size=1)), metadata=metadata, timeout=10
    ),
    "requests": lambda channel, metadata: requests_pb2_grpc.RequestServiceStub(channel).ListRequests(
        requests_pb2.ListRequestsRequest(page=common_pb2.PageRequest(page_size=1)), metadata=metadata, timeout=10
    ),
    "notifications": lambda channel, metadata: notifications_pb2_grpc.NotificationServiceStub(channel).ListInbox(
        notifications_pb2.ListInboxRequest(page=common_pb2.PageRequest(page_size=1)), metadata=metadata, timeout=10
    ),
}


@pytest.fixture(scope="module")
def platform(infra: Infra) -> Iterator[dict[str, ServiceProcess]]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    started: dict[str, ServiceProcess] = {}
    try:
        started["organizations"] = start_service("organizations", infra)
        seeded = started["organizations"].run_module("linli.organizations.seed")  # signed with the ops key
        assert seeded.returncode == 0, seeded.stderr
        orgs = started["organizations"].address
        group = uuid.uuid4().hex[:6]
        started["volunteers"] = start_service(
            "volunteers", infra, LINLI_ORGANIZATIONS_ADDR=orgs, LINLI_VOLUNTEERS_CONSUMER_GROUP=f"signed-{group}"
        )
        vols = started["volunteers"].address
        started["notifications"] = start_service(
            "notifications",
            infra,
            LINLI_ORGANIZATIONS_ADDR=orgs,
            LINLI_VOLUNTEERS_ADDR=vols,
            LINLI_NOTIFICATIONS_CONSUMER_GROUP=f"signed-{group}",
        )
        started["requests"] = start_service(
            "requests", infra, LINLI_ORGANIZATIONS_ADDR=orgs, LINLI_VOLUNTEERS_ADDR=vols
        )
        yield started
    finally:
        for process in reversed(started.values()):
            process.stop()


def bearer(token: str) -> Metadata:
    return [("authorization", f"Bearer {token}")]


def tampered(token: str) -> str:
    """The token with its roles raised to operator, signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["operator"]
    raised = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{raised}.{signature}"


@pytest.fixture(scope="module")
def forger(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    """A key made by someone else, under the gateway's own key id: not the key in the ring."""
    directory = tmp_path_factory.mktemp("forger")
    return Signer.from_file(generate_keypair(directory, "gateway.1")[0])


def bad_callers(forger: Signer) -> dict[str, tuple[Metadata, str]]:
    """Metadata that must be refused, and what the refusal says."""
    gateway, tests = identity.signer("gateway"), identity.signer()
    resident = Identity.of("resident-7", ["resident"])
    return {
        "forged": (forger.metadata(OPERATOR), "token signature invalid"),
        "forged kid": (
            Signer(forger.private_key, "gateway.forged").metadata(OPERATOR),
            "unknown signing key 'gateway.forged'",
        ),
        "expired": (tests.metadata(OPERATOR, ttl_seconds=-60), "token expired"),
        "tampered": (bearer(tampered(tests.sign(resident))), "token signature invalid"),
        "wrong audience": (
            tests.metadata(OPERATOR, audience="someone-else"),
            "token audience not accepted (expected 'linli-services')",
        ),
        "bare headers": (
            [("x-linli-subject", "op-signed"), ("x-linli-roles", "operator")],
            "unsigned identity (x-linli-subject, x-linli-roles) is refused",
        ),
        "gateway claims system": (gateway.metadata(SYSTEM), "issuer 'gateway' may not claim the system role"),
        "not a bearer": ([("authorization", "Basic b3A6b3A=")], "authorization: expected 'Bearer <token>'"),
        "garbage": (bearer("a.b.c"), "malformed token"),
    }


def test_service_to_service_calls_carry_the_caller_s_token_or_the_service_s_own(
    platform: dict[str, ServiceProcess],
) -> None:
    """Runs first: until here no call was refused anywhere."""
    with grpc.insecure_channel(platform["requests"].address) as channel:
        submitted = requests_pb2_grpc.RequestServiceStub(channel).SubmitRequest(
            requests_pb2.SubmitRequestRequest(
                category="repairs", title="楼道灯坏了", description="三楼楼道灯不亮", point=DONGSHAN
            ),
            metadata=who("resident-signed", "resident"),
            timeout=30,
        )
    assert submitted.request.community_id  # routed through organizations
    organizations = platform["organizations"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not system_calls(organizations):
        time.sleep(0.5)
    assert system_calls(organizations), "no service called organizations as itself"
    for process in platform.values():
        assert '"code": "UNAUTHENTICATED"' not in process.logs(), process.name
        assert "tokens are refused" not in process.logs(), process.name


def system_calls(process: ServiceProcess) -> list[str]:
    return [
        line
        for line in process.logs().splitlines()
        if '"msg": "grpc call"' in line and '"caller": "system"' in line and '"code": "OK"' in line
    ]


@pytest.mark.parametrize("service", sorted(CALLS))
def test_each_service_refuses_bad_identity_and_accepts_a_valid_token(
    platform: dict[str, ServiceProcess], forger: Signer, service: str
) -> None:
    call = CALLS[service]
    with grpc.insecure_channel(platform[service].address) as channel:
        for case, (metadata, reason) in bad_callers(forger).items():
            with pytest.raises(grpc.RpcError) as refused:
                call(channel, metadata)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, (service, case)
            assert reason in (refused.value.details() or ""), (service, case, refused.value.details())
        assert call(channel, identity.signer().metadata(OPERATOR)) is not None
        assert call(channel, identity.signer("ops").metadata(OPERATOR)) is not None
        assert call(channel, identity.signer("gateway").metadata(Identity.of("resident-8", ["resident"]))) is not None
    log = platform[service].logs()
    assert '"refused": "token expired"' in log  # refusals are logged with their reason


def test_a_service_s_own_key_may_claim_system_but_not_another_s_kid(platform: dict[str, ServiceProcess]) -> None:
    with grpc.insecure_channel(platform["organizations"].address) as channel:
        assert CALLS["organizations"](channel, identity.signer("requests").metadata(SYSTEM)) is not None
        private = identity.signer("requests").private_key
        impostor = Signer(private, "notifications.1")  # the requests key under notifications' key id
        with pytest.raises(grpc.RpcError) as refused:
            CALLS["organizations"](channel, impostor.metadata(SYSTEM))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "token signature invalid"
