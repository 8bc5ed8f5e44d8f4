"""Signed identity tokens: what the verifier accepts and the reason it gives for what it refuses."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import jwt
import pytest

from linli.common.errors import Unauthenticated
from linli.common.identity import SYSTEM, Identity, RoleGrant
from linli.common.tokens import (
    KeyRing,
    Signer,
    TokenCache,
    Verifier,
    ensure_keys,
    generate_keypair,
    issuer_of,
    ops_metadata,
    token_from_metadata,
)

DISPATCHER = Identity.of("person-1", ["dispatcher@org_1", "resident"])


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    for kid in ("gateway.1", "requests.1", "ops.1"):
        generate_keypair(tmp_path, kid)
    return tmp_path


def verifier(directory: Path, **kwargs: object) -> Verifier:
    return Verifier(KeyRing.load(directory), **kwargs)  # type: ignore[arg-type]


def refusal(check: Verifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        check.verify(token)
    return refused.value.message


def segments(token: str) -> list[str]:
    return token.split(".")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_valid_token_gives_the_caller_and_its_issuer(keys: Path) -> None:
    token = Signer.from_file(keys / "gateway.1.key.pem").sign(DISPATCHER)
    identity, issuer = verifier(keys).verify_with_issuer(token)
    assert identity == DISPATCHER and issuer == "gateway"
    assert identity.scopes_for("dispatcher") == {"org_1"}
    header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    assert header == {"alg": "EdDSA", "kid": "gateway.1", "typ": "JWT"}
    assert set(claims) == {"iss", "sub", "aud", "iat", "nbf", "exp", "jti", "roles"}
    assert claims["roles"] == ["dispatcher@org_1", "resident"] and claims["aud"] == "linli-services"
    assert claims["exp"] - int(claims["iat"]) == 120


def test_expired_and_not_yet_valid_tokens_are_refused(keys: Path) -> None:
    clock = Clock(time.time())
    signer = Signer(Signer.from_file(keys / "gateway.1.key.pem").private_key, "gateway.1", clock=clock)
    check = verifier(keys)
    clock.now -= 200
    assert refusal(check, signer.sign(DISPATCHER, ttl_seconds=60)) == "token expired"
    clock.now += 200
    assert refusal(check, signer.sign(DISPATCHER, not_before=clock.now + 60)) == "token not yet valid"
    clock.now += 3  # within the leeway for clocks
    assert check.verify(signer.sign(DISPATCHER, not_before=time.time() + 2)) == DISPATCHER


def test_a_cached_token_still_expires(keys: Path) -> None:
    clock = Clock(time.time())
    check = verifier(keys, clock=clock)
    token = Signer.from_file(keys / "gateway.1.key.pem").sign(DISPATCHER, ttl_seconds=10)
    assert check.verify(token) == DISPATCHER
    clock.now += 30
    assert refusal(check, token) == "token expired"


def test_a_tampered_payload_or_signature_is_refused(keys: Path) -> None:
    token = Signer.from_file(keys / "gateway.1.key.pem").sign(Identity.of("person-1", ["resident"]))
    check = verifier(keys)
    header, payload, signature = segments(token)
    claims = json.loads(unb64(payload))
    claims["roles"] = ["operator"]
    assert refusal(check, f"{header}.{b64(json.dumps(claims).encode())}.{signature}") == "token signature invalid"
    flipped = bytearray(unb64(signature))
    flipped[0] ^= 1
    assert refusal(check, f"{header}.{payload}.{b64(bytes(flipped))}") == "token signature invalid"
    assert refusal(check, f"{header}.{payload}").startswith("malformed token")
    assert refusal(check, "not a token").startswith("malformed token")


def test_unknown_key_other_algorithms_and_missing_kid_are_refused(
    keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("forger")
    generate_keypair(elsewhere, "gateway.9")
    forged = Signer.from_file(elsewhere / "gateway.9.key.pem").sign(DISPATCHER)
    check = verifier(keys)
    assert refusal(check, forged) == "unknown signing key 'gateway.9'"
    hmac = jwt.encode(
        {"sub": "x"}, "secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": "gateway.1"}
    )
    assert "algorithm 'HS256' not accepted" in refusal(check, hmac)
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none", headers={"kid": "gateway.1"})  # type: ignore[arg-type]
    assert "algorithm 'none' not accepted" in refusal(check, unsigned)
    private = Signer.from_file(keys / "gateway.1.key.pem").private_key
    assert refusal(check, jwt.encode({"sub": "x"}, private, algorithm="EdDSA")) == "token names no signing key (kid)"


def test_a_key_claiming_another_issuer_and_missing_claims_are_refused(keys: Path) -> None:
    private = Signer.from_file(keys / "gateway.1.key.pem").private_key
    now = int(time.time())
    claims = {"iss": "requests", "sub": "system", "aud": "linli-services", "iat": now, "nbf": now}
    claims |= {"exp": now + 60, "jti": "j", "roles": ["system"]}
    check = verifier(keys)
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "gateway.1"})
    assert refusal(check, token) == "token issuer 'requests' does not own key 'gateway.1'"
    del claims["jti"]
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "gateway.1"})
    assert refusal(check, token) == "token lacks the 'jti' claim"


def test_a_wrong_audience_is_refused(keys: Path) -> None:
    signer = Signer.from_file(keys / "gateway.1.key.pem")
    assert refusal(verifier(keys), signer.sign(DISPATCHER, audience="someone-else")) == (
        "token audience not accepted (expected 'linli-services')"
    )
    assert verifier(keys, audience="someone-else").verify(signer.sign(DISPATCHER, audience="someone-else"))


def test_system_only_from_the_services_own_issuers(keys: Path) -> None:
    check = verifier(keys)
    assert check.verify(Signer.from_file(keys / "requests.1.key.pem").sign(SYSTEM)) == SYSTEM
    gateway = Signer.from_file(keys / "gateway.1.key.pem")
    assert refusal(check, gateway.sign(SYSTEM)) == "issuer 'gateway' may not claim the system role"
    assert refusal(check, gateway.sign(Identity.of("person-1", ["resident", "system@org_1"]))) == (
        "issuer 'gateway' may not claim the system role"
    )
    assert refusal(check, gateway.sign(Identity.of("system", ["operator"]))) == (
        "issuer 'gateway' may not claim the system role"
    )
    ops = Signer.from_file(keys / "ops.1.key.pem")
    assert refusal(check, ops.sign(SYSTEM)) == "issuer 'ops' may not claim the system role"
    assert check.verify(ops.sign(Identity.of("seed", ["operator"]))).has_role("operator")


def test_rotation_old_and_new_keys_are_valid_while_both_public_keys_are_present(keys: Path) -> None:
    check = Verifier(KeyRing.load(keys, check_seconds=0.0))
    old = Signer.from_file(keys / "gateway.1.key.pem")
    before = old.sign(DISPATCHER)
    assert check.verify(before) == DISPATCHER
    generate_keypair(keys, "gateway.2")  # the new public key appears beside the old one
    new = Signer.from_file(keys / "gateway.2.key.pem")
    assert check.verify(new.sign(DISPATCHER)) == DISPATCHER
    assert check.verify(old.sign(DISPATCHER)) == DISPATCHER
    assert check.keyring.kids() == ["gateway.1", "gateway.2", "ops.1", "requests.1"]
    (keys / "gateway.1.pub.pem").unlink()  # the old key retires
    assert refusal(check, old.sign(DISPATCHER)) == "unknown signing key 'gateway.1'"
    assert refusal(check, before) == "unknown signing key 'gateway.1'"  # remembered tokens are forgotten
    assert check.verify(new.sign(DISPATCHER)) == DISPATCHER


def test_a_new_key_is_found_at_once_even_between_directory_checks(keys: Path) -> None:
    check = Verifier(KeyRing.load(keys, check_seconds=3600))
    generate_keypair(keys, "gateway.3")
    time.sleep(0.15)
    assert check.verify(Signer.from_file(keys / "gateway.3.key.pem").sign(DISPATCHER)) == DISPATCHER


def test_a_missing_keys_directory_is_an_error_and_a_bad_key_file_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KeyRing.load(tmp_path / "absent")
    (tmp_path / "broken.1.pub.pem").write_text("not a key")
    generate_keypair(tmp_path, "gateway.1")
    assert KeyRing.load(tmp_path).kids() == ["gateway.1"]


def test_key_files_kids_and_ensure_keys(tmp_path: Path) -> None:
    private, public = generate_keypair(tmp_path, "ops.1")
    assert (private.name, public.name) == ("ops.1.key.pem", "ops.1.pub.pem")
    assert oct(os.stat(private).st_mode & 0o777) == "0o600"
    content = private.read_bytes()
    assert generate_keypair(tmp_path, "ops.1")[0].read_bytes() == content  # kept
    assert [p.name for p in ensure_keys(tmp_path, ["ops", "gateway"])] == ["gateway.1.key.pem"]
    assert ensure_keys(tmp_path, ["ops", "gateway"]) == []
    assert issuer_of("requests.2024.06") == "requests"
    for bad in ("Gateway.1", "gateway", "../x.1", "gateway./"):
        with pytest.raises(ValueError):
            generate_keypair(tmp_path, bad)


def test_the_token_cache_reuses_a_token_until_30_seconds_before_it_expires(keys: Path) -> None:
    clock = Clock()
    cache = TokenCache(Signer.from_file(keys / "requests.1.key.pem"), clock=clock)
    first = cache.token(SYSTEM)
    clock.now += 89
    assert cache.token(SYSTEM) == first
    assert cache.token(DISPATCHER) != first
    clock.now += 2
    assert cache.token(SYSTEM) != first


def test_authorization_metadata(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert token_from_metadata([("x-request-id", "r")]) is None
    assert token_from_metadata([("authorization", "Bearer abc")]) == "abc"
    assert token_from_metadata([("authorization", "bearer  abc ")]) == "abc"
    for bad in ("Basic abc", "Bearer", "abc"):
        with pytest.raises(Unauthenticated, match="expected 'Bearer <token>'"):
            token_from_metadata([("authorization", bad)])
    monkeypatch.setenv("LINLI_SIGNING_KEY_FILE", str(keys / "ops.1.key.pem"))
    metadata = ops_metadata("seed", "operator")
    assert metadata == ops_metadata("seed", "operator")  # reused
    identity = verifier(keys).verify(str(token_from_metadata(metadata)))
    assert identity == Identity(subject="seed", grants=(RoleGrant("operator"),))
    monkeypatch.delenv("LINLI_SIGNING_KEY_FILE")
    with pytest.raises(RuntimeError, match="LINLI_SIGNING_KEY_FILE"):
        ops_metadata("seed", "operator")
