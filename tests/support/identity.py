"""Signed identity for tests: one key directory per test session (created on first use and
removed when the process exits), a key pair for every issuer (each service, the gateway, ops,
and "tests" for the tests themselves).

`who(subject, *roles)` is the gRPC metadata of a caller, signed by the "tests" issuer;
`start_service` gives each process the directory and its own signing key (`service_env`);
services built in-process get `service_settings(name)` as config overrides.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from linli.common.identity import Identity
from linli.common.tokens import (
    LOCAL_ISSUERS,
    PRIVATE_SUFFIX,
    KeyRing,
    Signer,
    Verifier,
    generate_keypair,
    token_from_metadata,
)

Metadata = list[tuple[str, str]]

TEST_ISSUER = "tests"
ISSUERS = (*LOCAL_ISSUERS, TEST_ISSUER)
#: Long enough for module-level constants to outlive the whole session.
TTL_SECONDS = 6 * 3600

_lock = threading.Lock()
_keys: list[Path] = []


def keys_dir() -> Path:
    """The session's key directory: `<issuer>.1.key.pem` and `<issuer>.1.pub.pem` for every
    issuer in ISSUERS."""
    with _lock:
        if not _keys:
            folder = Path(tempfile.mkdtemp(prefix="linli-keys-"))
            atexit.register(shutil.rmtree, folder, True)
            for issuer in ISSUERS:
                generate_keypair(folder, f"{issuer}.1")
            _keys.append(folder)
        return _keys[0]


def key_file(issuer: str) -> Path:
    """The private key of `issuer` in the session's directory."""
    return keys_dir() / f"{issuer}.1{PRIVATE_SUFFIX}"


@functools.cache
def signer(issuer: str = TEST_ISSUER) -> Signer:
    return Signer.from_file(key_file(issuer))


def verifier() -> Verifier:
    """A verifier over the session's keys."""
    return Verifier(KeyRing.load(keys_dir()))


def token(subject: str, *roles: str, issuer: str = TEST_ISSUER, ttl_seconds: float = TTL_SECONDS) -> str:
    return signer(issuer).sign(Identity.of(subject, roles), ttl_seconds)


def who(subject: str, *roles: str) -> Metadata:
    """gRPC metadata of the caller `subject` holding `roles` ("dispatcher@org_1"), signed."""
    return [("authorization", f"Bearer {token(subject, *roles)}")]


def anonymous() -> Metadata:
    return []


def identity_of(metadata: Sequence[tuple[str, str]]) -> Identity:
    """The caller signed metadata (`who`) names, verified with the session's keys."""
    token = token_from_metadata(metadata)
    return verifier().verify(token) if token is not None else Identity()


def service_env(name: str) -> dict[str, str]:
    """Environment of a service process: the session's keys and its own signing key."""
    return {"LINLI_IDENTITY_KEYS_DIR": str(keys_dir()), "LINLI_SIGNING_KEY_FILE": str(key_file(name))}


def ops_env() -> dict[str, str]:
    """Environment of a seed or an operator's tool: signs with the ops key."""
    return {"LINLI_IDENTITY_KEYS_DIR": str(keys_dir()), "LINLI_SIGNING_KEY_FILE": str(key_file("ops"))}


def service_settings(name: str) -> dict[str, str]:
    """`ServiceConfig.from_env` overrides for a service built in-process."""
    return {"identity_keys_dir": str(keys_dir()), "signing_key_file": str(key_file(name))}
