"""Signed identity: short-lived Ed25519 JWTs (PyJWT, algorithm EdDSA) in gRPC metadata.

Whoever calls a service says who the caller is with a token signed by its own key: the gateway
for the people it authenticated, a service for the calls it makes as itself (`system`), the
local "ops" key for seeds and operators' tools. Every service verifies with the public keys in
one directory (`LINLI_IDENTITY_KEYS_DIR`, a Kubernetes Secret later):

- Key files: `<kid>.key.pem` (private, PKCS#8) and `<kid>.pub.pem` (public). The key id is
  `<issuer>.<anything>` (`gateway.1`, `requests.2024-06`); the issuer is the part before the
  first dot and must match the token's `iss` claim.
- Rotation: put the new public key beside the old one, switch the signer to the new private
  key, remove the old public key once no token signed by it can still be valid. `KeyRing`
  notices the directory changing (checked at most once a second, and at once for an unknown
  key id) and reloads.
- Claims: iss, sub, aud, iat, nbf, exp, jti and `roles` (["dispatcher@org_1", ...]); the
  header carries `kid`. Audience and expiry are checked (5 s of leeway for clocks).
- The `system` role (and the subject "system") only from the services' own issuers; the
  gateway, ops and tests issuers may carry every other role.

`python -m linli.common.tokens keys DIR ISSUER...` creates a key pair `<issuer>.1` for each
issuer that has none (`make run` does), `python -m linli.common.tokens mint SUBJECT ROLE...`
prints a token signed with `LINLI_SIGNING_KEY_FILE` for operators' tools.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from linli.common.errors import Unauthenticated
from linli.common.identity import SYSTEM, Identity, RoleGrant

log = logging.getLogger(__name__)

AUTHORIZATION_KEY = "authorization"
DEFAULT_AUDIENCE = "linli-services"
DEFAULT_TTL_SECONDS = 120
ALGORITHM = "EdDSA"
PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"

#: Issuers whose tokens may carry the `system` role: the services themselves.
SERVICE_ISSUERS = frozenset({"organizations", "volunteers", "requests", "notifications"})
#: Every issuer `make run` and the tests create keys for.
LOCAL_ISSUERS = (*sorted(SERVICE_ISSUERS), "gateway", "ops")

MAX_TOKEN_LENGTH = 8192
MAX_ROLES = 256
_KID = re.compile(r"^[a-z][a-z0-9_-]{0,62}\.[A-Za-z0-9_.-]{1,64}$")

Metadata = list[tuple[str, str]]


def issuer_of(kid: str) -> str:
    """The issuer a key id belongs to: the part before the first dot."""
    return kid.partition(".")[0]


def _check_kid(kid: str) -> str:
    if not _KID.match(kid):
        raise ValueError(f"key id {kid!r} is not <issuer>.<name> (lower-case issuer, letters, digits, . _ -)")
    return kid


def generate_keypair(directory: str | os.PathLike[str], kid: str, *, overwrite: bool = False) -> tuple[Path, Path]:
    """Writes `<kid>.key.pem` (mode 0600) and `<kid>.pub.pem` into `directory` (created if
    missing); returns (private, public). An existing pair is kept unless `overwrite`. Each file
    is written whole then renamed, so a `KeyRing` watching the directory never reads half a key."""
    _check_kid(kid)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / f"{kid}{PRIVATE_SUFFIX}", folder / f"{kid}{PUBLIC_SUFFIX}"
    if private_path.exists() and public_path.exists() and not overwrite:
        return private_path, public_path
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_atomically(private_path, private_pem, 0o600)
    _write_atomically(public_path, public_pem, 0o644)
    return private_path, public_path


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def ensure_keys(directory: str | os.PathLike[str], issuers: Iterable[str]) -> list[Path]:
    """A key pair `<issuer>.1` for every issuer without any private key in `directory`;
    returns the private keys it created (none when all were there: keys are kept)."""
    folder = Path(directory)
    created = []
    for issuer in issuers:
        if folder.is_dir() and any(folder.glob(f"{issuer}.*{PRIVATE_SUFFIX}")):
            continue
        created.append(generate_keypair(folder, f"{issuer}.1")[0])
    return created


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


class KeyRing:
    """Public keys by key id, from `<kid>.pub.pem` files in one directory, reloaded when the
    directory's key files change (looked at no more than every `check_seconds`; an unknown key
    id looks again sooner, so a newly added key is found at once)."""

    def __init__(
        self,
        directory: str | os.PathLike[str] | None,
        keys: dict[str, Ed25519PublicKey] | None = None,
        *,
        check_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.check_seconds = check_seconds
        self.clock = clock
        self._keys: dict[str, Ed25519PublicKey] = dict(keys or {})
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self.version = 0
        """Grows on every reload (a verifier's cache of checked tokens is dropped then)."""

    @classmethod
    def load(cls, directory: str | os.PathLike[str], *, check_seconds: float = 1.0) -> KeyRing:
        """The public keys in `directory`, which must exist."""
        folder = Path(directory)
        if not folder.is_dir():
            raise FileNotFoundError(f"identity keys directory {folder} does not exist")
        ring = cls(folder, check_seconds=check_seconds)
        ring.refresh(force=True)
        return ring

    def kids(self) -> list[str]:
        self.refresh()
        return sorted(self._keys)

    def key(self, kid: str) -> Ed25519PublicKey | None:
        self.refresh()
        found = self._keys.get(kid)
        if found is None and self.refresh(min_age=min(self.check_seconds, 0.1)):
            found = self._keys.get(kid)
        return found

    def refresh(self, *, force: bool = False, min_age: float | None = None) -> bool:
        """Looks at the directory when it is due (or `force`); True when keys were reloaded."""
        if self.directory is None:
            return False
        now = self.clock()
        if not force and now - self._checked < (self.check_seconds if min_age is None else min_age):
            return False
        with self._lock:
            self._checked = now
            signature = self._scan()
            if signature == self._signature:
                return False
            keys: dict[str, Ed25519PublicKey] = {}
            for name, _, _ in signature:
                kid = name.removesuffix(PUBLIC_SUFFIX)
                try:
                    keys[_check_kid(kid)] = load_public_key(self.directory / name)
                except (OSError, ValueError) as exc:
                    log.warning("identity key skipped", extra={"file": name, "error": str(exc)})
            added, removed = sorted(keys.keys() - self._keys.keys()), sorted(self._keys.keys() - keys.keys())
            self._keys, self._signature = keys, signature
            self.version += 1
        if added or removed:
            log.info("identity keys loaded", extra={"kids": sorted(keys), "added": added, "removed": removed})
        return True

    def _scan(self) -> tuple[tuple[str, int, int], ...]:
        assert self.directory is not None
        found = []
        try:
            for entry in os.scandir(self.directory):
                if entry.name.endswith(PUBLIC_SUFFIX) and not entry.name.startswith("."):
                    stat = entry.stat()
                    found.append((entry.name, stat.st_mtime_ns, stat.st_size))
        except OSError as exc:
            log.warning("identity keys directory unreadable", extra={"error": str(exc)})
        return tuple(sorted(found))


class Signer:
    """Signs tokens with one private key; its key id names the issuer."""

    def __init__(self, private_key: Ed25519PrivateKey, kid: str, *, clock: Callable[[], float] = time.time) -> None:
        self.private_key = private_key
        self.kid = _check_kid(kid)
        self.issuer = issuer_of(kid)
        self.clock = clock

    @classmethod
    def from_file(cls, private_key_path: str | os.PathLike[str]) -> Signer:
        """The key in `<kid>.key.pem`; the key id comes from the file name."""
        path = Path(private_key_path)
        if not path.name.endswith(PRIVATE_SUFFIX):
            raise ValueError(f"{path}: a signing key file is named <kid>{PRIVATE_SUFFIX}")
        return cls(load_private_key(path), path.name.removesuffix(PRIVATE_SUFFIX))

    def sign(
        self,
        identity: Identity,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        audience: str = DEFAULT_AUDIENCE,
        *,
        not_before: float | None = None,
    ) -> str:
        # iat to the millisecond (a JWT NumericDate may be fractional): revocation "everything
        # issued before this moment" must not spare the tokens of the same second
        issued = round(self.clock(), 3)
        now = int(issued)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": identity.subject,
            "aud": audience,
            "iat": issued,
            "nbf": int(not_before) if not_before is not None else now,
            "exp": now + int(ttl_seconds),
            "jti": uuid.uuid4().hex,
            "roles": [str(grant) for grant in identity.grants],
        }
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def metadata(self, identity: Identity, ttl_seconds: float = DEFAULT_TTL_SECONDS, **kwargs: Any) -> Metadata:
        """gRPC metadata carrying a fresh token for `identity`."""
        return bearer(self.sign(identity, ttl_seconds, **kwargs))


def bearer(token: str) -> Metadata:
    return [(AUTHORIZATION_KEY, f"Bearer {token}")]


class Verifier:
    """Checks tokens against a key ring; `verify` gives the caller or raises Unauthenticated
    saying what is wrong. Tokens already checked are remembered (until they expire or the
    keys change), so a token forwarded on every call is verified once."""

    def __init__(
        self,
        keyring: KeyRing,
        audience: str = DEFAULT_AUDIENCE,
        *,
        leeway_seconds: float = 5.0,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keyring = keyring
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self.cache_size = cache_size
        self.clock = clock
        self._checked: OrderedDict[str, tuple[float, Identity, str]] = OrderedDict()
        self._checked_version = -1
        self._lock = threading.Lock()

    def verify(self, token: str) -> Identity:
        return self.verify_with_issuer(token)[0]

    def verify_with_issuer(self, token: str) -> tuple[Identity, str]:
        """(the caller, the issuer that vouches for them)."""
        self.keyring.refresh()
        with self._lock:
            if self._checked_version != self.keyring.version:
                self._checked.clear()
                self._checked_version = self.keyring.version
            cached = self._checked.get(token)
            if cached is not None:
                if cached[0] > self.clock():
                    self._checked.move_to_end(token)
                    return cached[1], cached[2]
                del self._checked[token]
        expires, identity, issuer = self._verify(token)
        with self._lock:
            self._checked[token] = (expires, identity, issuer)
            while len(self._checked) > self.cache_size:
                self._checked.popitem(last=False)
        return identity, issuer

    def _verify(self, token: str) -> tuple[float, Identity, str]:
        if not token:
            raise Unauthenticated("empty token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated(f"token longer than {MAX_TOKEN_LENGTH} characters")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"malformed token: {exc}") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token names no signing key (kid)")
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"token algorithm {header.get('alg')!r} not accepted (expected {ALGORITHM})")
        key = self.keyring.key(kid)
        if key is None:
            raise Unauthenticated(f"unknown signing key {kid[:80]!r}")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                # Times are checked below against this verifier's clock.
                options={
                    "require": ["iss", "sub", "aud", "iat", "nbf", "exp", "jti"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise Unauthenticated(f"token audience not accepted (expected {self.audience!r})") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature invalid") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"token lacks the {exc.claim!r} claim") from None
        except jwt.DecodeError as exc:
            raise Unauthenticated(f"malformed token: {exc}") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        expires = self._check_times(claims)
        issuer = claims["iss"]
        if issuer != issuer_of(kid):
            raise Unauthenticated(f"token issuer {str(issuer)[:40]!r} does not own key {kid!r}")
        identity = _identity_of(claims)
        if issuer not in SERVICE_ISSUERS and (identity.has_role(SYSTEM.subject) or identity.subject == SYSTEM.subject):
            raise Unauthenticated(f"issuer {issuer!r} may not claim the system role")
        return expires, identity, issuer

    def _check_times(self, claims: dict[str, Any]) -> float:
        """The time the token stops being valid (with the leeway); refuses it outside it."""
        times = [claims[name] for name in ("iat", "nbf", "exp")]
        if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in times):
            raise Unauthenticated("malformed token: iat, nbf and exp must be numbers")
        issued, not_before, expires = (float(t) for t in times)
        now = self.clock()
        if expires + self.leeway_seconds <= now:
            raise Unauthenticated("token expired")
        if max(issued, not_before) - self.leeway_seconds > now:
            raise Unauthenticated("token not yet valid")
        return expires + self.leeway_seconds


def _identity_of(claims: dict[str, Any]) -> Identity:
    subject, roles = claims.get("sub"), claims.get("roles", [])
    if not isinstance(subject, str) or not subject or len(subject) > 256:
        raise Unauthenticated("token subject (sub) must be a non-empty string")
    if not isinstance(roles, list) or len(roles) > MAX_ROLES or not all(isinstance(r, str) for r in roles):
        raise Unauthenticated(f"token roles must be a list of at most {MAX_ROLES} strings")
    return Identity(subject=subject, grants=tuple(RoleGrant.parse(r) for r in roles if r.strip()))


class TokenCache:
    """Tokens a signer made, reused until `refresh_seconds` before they expire (the calls a
    service makes as itself send the same token for a while instead of signing each time)."""

    def __init__(
        self,
        signer: Signer,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        refresh_seconds: float = 30.0,
        audience: str = DEFAULT_AUDIENCE,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.signer = signer
        self.ttl_seconds = ttl_seconds
        self.refresh_seconds = min(refresh_seconds, ttl_seconds / 2)
        self.audience = audience
        self.max_entries = max_entries
        self.clock = clock
        self._tokens: OrderedDict[Identity, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def token(self, identity: Identity) -> str:
        now = self.clock()
        with self._lock:
            cached = self._tokens.get(identity)
            if cached is not None and cached[0] > now:
                return cached[1]
        token = self.signer.sign(identity, self.ttl_seconds, self.audience)
        with self._lock:
            self._tokens[identity] = (now + self.ttl_seconds - self.refresh_seconds, token)
            self._tokens.move_to_end(identity)
            while len(self._tokens) > self.max_entries:
                self._tokens.popitem(last=False)
        return token

    def metadata(self, identity: Identity) -> Metadata:
        return bearer(self.token(identity))


_ops_lock = threading.Lock()
_ops_caches: dict[tuple[str, str], TokenCache] = {}


def ops_metadata(subject: str, *roles: str, ttl_seconds: float = 300.0) -> Metadata:
    """gRPC metadata for seeds and operators' tools: a token for `subject` with `roles`, signed
    with the key in `LINLI_SIGNING_KEY_FILE` (the local "ops" key under `make run`), for the
    audience `LINLI_TOKEN_AUDIENCE` (default linli-services). Reused until near its expiry."""
    path = os.environ.get("LINLI_SIGNING_KEY_FILE", "")
    if not path:
        raise RuntimeError("LINLI_SIGNING_KEY_FILE is not set: an operator's tool signs its calls with the ops key")
    audience = os.environ.get("LINLI_TOKEN_AUDIENCE") or DEFAULT_AUDIENCE
    with _ops_lock:
        cache = _ops_caches.get((path, audience))
        if cache is None:
            cache = TokenCache(Signer.from_file(path), ttl_seconds=ttl_seconds, audience=audience)
            _ops_caches[(path, audience)] = cache
    return cache.metadata(Identity.of(subject, roles))


def token_from_metadata(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """The bearer token in `authorization` metadata; None without the header.
    Raises Unauthenticated when the header is not `Bearer <token>`."""
    for key, value in metadata or ():
        if key == AUTHORIZATION_KEY:
            text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization: expected 'Bearer <token>'")
            return token.strip()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linli.common.tokens")
    sub = parser.add_subparsers(dest="command", required=True)
    keys = sub.add_parser("keys", help="create a key pair <issuer>.1 for every issuer without a key")
    keys.add_argument("directory")
    keys.add_argument("issuers", nargs="*", default=list(LOCAL_ISSUERS))
    mint = sub.add_parser("mint", help="print a token signed with LINLI_SIGNING_KEY_FILE")
    mint.add_argument("subject")
    mint.add_argument("roles", nargs="*")
    mint.add_argument("--ttl", type=float, default=300.0)
    args = parser.parse_args(argv)
    if args.command == "keys":
        for created in ensure_keys(args.directory, args.issuers):
            print(f"created {created.name.removesuffix(PRIVATE_SUFFIX)} in {args.directory}")
        return 0
    print(ops_metadata(args.subject, *args.roles, ttl_seconds=args.ttl)[0][1].removeprefix("Bearer "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
