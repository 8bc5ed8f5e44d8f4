"""What identity an outgoing call carries: the served caller's own token, or a token the service
signs for itself (`system`), or nothing for an anonymous caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import Token
from pathlib import Path

import pytest

from linli.common import grpc_client
from linli.common.grpc_client import identity_metadata, use_service_signer
from linli.common.identity import ANONYMOUS, SYSTEM, Identity, ServedCall, current_call, current_identity
from linli.common.tokens import KeyRing, Signer, TokenCache, Verifier, generate_keypair

PERSON = Identity.of("person-1", ["dispatcher@org_1"])


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[Path]:
    for kid in ("requests.1", "tests.1"):
        generate_keypair(tmp_path, kid)
    use_service_signer(Signer.from_file(tmp_path / "requests.1.key.pem"))
    try:
        yield tmp_path
    finally:
        use_service_signer(None)


def caller_of(keys: Path, metadata: list[tuple[str, str]]) -> tuple[Identity, str]:
    ((key, value),) = metadata
    assert key == "authorization"
    return Verifier(KeyRing.load(keys)).verify_with_issuer(value.removeprefix("Bearer "))


def serving(identity: Identity, token: str) -> tuple[Token[Identity], Token[ServedCall | None]]:
    return current_identity.set(identity), current_call.set(ServedCall(identity, token))


def test_outside_a_served_call_the_service_signs_as_system_and_reuses_the_token(keys: Path) -> None:
    first = identity_metadata()
    assert caller_of(keys, first) == (SYSTEM, "requests")
    assert identity_metadata() == first


def test_a_served_caller_s_token_is_forwarded_unchanged(keys: Path) -> None:
    token = Signer.from_file(keys / "tests.1.key.pem").sign(PERSON)
    identity_token, call_token = serving(PERSON, token)
    try:
        assert identity_metadata() == [("authorization", f"Bearer {token}")]
        system = current_identity.set(SYSTEM)  # work done as the service while serving
        try:
            assert caller_of(keys, identity_metadata()) == (SYSTEM, "requests")
        finally:
            current_identity.reset(system)
    finally:
        current_call.reset(call_token)
        current_identity.reset(identity_token)


def test_an_anonymous_caller_stays_anonymous_downstream(keys: Path) -> None:
    identity_token, call_token = serving(ANONYMOUS, "")
    try:
        assert identity_metadata() == []
    finally:
        current_call.reset(call_token)
        current_identity.reset(identity_token)


def test_a_client_that_is_no_service_asks_anonymously_or_signs_what_it_was_given(keys: Path) -> None:
    tests = TokenCache(Signer.from_file(keys / "tests.1.key.pem"))
    assert identity_metadata(tests) == []  # "tests" may not claim system
    token = current_identity.set(PERSON)
    try:
        assert caller_of(keys, identity_metadata(tests)) == (PERSON, "tests")
    finally:
        current_identity.reset(token)


def test_without_a_signing_key_calls_as_the_service_go_anonymous() -> None:
    use_service_signer(None)
    assert grpc_client.service_signer() is None
    assert identity_metadata() == []
