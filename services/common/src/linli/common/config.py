"""Service configuration read from `LINLI_*` environment variables.

Each setting is a dataclass field whose metadata names its variable and documents it, so
the documented defaults and the code cannot drift: `describe()` renders the table the README
shows. Services subclass `ServiceConfig` to add their own settings.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, Self

from linli.common.errors import InvalidArgument


def setting(env: str, default: Any, doc: str) -> Any:
    """Declares a dataclass field read from the environment variable `env`."""
    return dataclasses.field(default=default, metadata={"env": env, "doc": doc})


def _parse(raw: str, kind: Any, env: str) -> Any:
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError("expected true/false")
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return raw
    except ValueError as exc:
        raise InvalidArgument(
            f"environment variable {env}={raw!r} is not a valid {kind.__name__}: {exc}", field=env
        ) from exc


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """Settings every service reads. Ports follow ARCHITECTURE.md; tests override them."""

    service_name: str = setting("LINLI_SERVICE_NAME", "linli", "Name used in logs, metrics and ce_source.")
    service_version: str = setting("LINLI_SERVICE_VERSION", "0.1.0", "Version reported by Ping.")
    grpc_host: str = setting("LINLI_GRPC_HOST", "127.0.0.1", "Address the gRPC server binds to.")
    grpc_port: int = setting("LINLI_GRPC_PORT", 50050, "gRPC port; 0 picks a free one.")
    grpc_workers: int = setting("LINLI_GRPC_WORKERS", 16, "Threads serving gRPC calls.")
    drain_seconds: float = setting("LINLI_DRAIN_SECONDS", 20.0, "Grace period for in-flight calls on SIGTERM.")
    metrics_host: str = setting("LINLI_METRICS_HOST", "127.0.0.1", "Address of the /metrics server.")
    metrics_port: int = setting("LINLI_METRICS_PORT", 9100, "Prometheus /metrics port; 0 picks a free one.")
    mongo_uri: str = setting("LINLI_MONGO_URI", "mongodb://127.0.0.1:27017/", "MongoDB-compatible server URI.")
    mongo_db: str = setting("LINLI_MONGO_DB", "", "Database name; empty means linli_<service>.")
    mongo_max_pool_size: int = setting("LINLI_MONGO_MAX_POOL_SIZE", 8, "MongoDB connections per process.")
    kafka_bootstrap: str = setting("LINLI_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "Kafka bootstrap servers.")
    kafka_security_protocol: str = setting(
        "LINLI_KAFKA_SECURITY_PROTOCOL",
        "PLAINTEXT",
        "PLAINTEXT, or SSL for TLS to the brokers (Strimzi's tls listener).",
    )
    kafka_ssl_cafile: str = setting(
        "LINLI_KAFKA_SSL_CAFILE",
        "",
        "CA certificate (PEM) the brokers' certificates are checked against; empty: the system's.",
    )
    kafka_ssl_certfile: str = setting(
        "LINLI_KAFKA_SSL_CERTFILE", "", "Client certificate (PEM) for TLS client authentication; empty: none."
    )
    kafka_ssl_keyfile: str = setting("LINLI_KAFKA_SSL_KEYFILE", "", "Private key (PEM) of that client certificate.")
    outbox_poll_seconds: float = setting(
        "LINLI_OUTBOX_POLL_SECONDS", 0.5, "Outbox relay's sleep when idle, and first back-off after a failure."
    )
    consumer_max_attempts: int = setting(
        "LINLI_CONSUMER_MAX_ATTEMPTS", 5, "Tries before a failing event goes to the dead-letter topic."
    )
    health_interval_seconds: float = setting(
        "LINLI_HEALTH_INTERVAL_SECONDS", 5.0, "How often dependencies (database, broker) are checked."
    )
    log_level: str = setting("LINLI_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR.")
    identity_keys_dir: str = setting(
        "LINLI_IDENTITY_KEYS_DIR",
        "",
        "Directory of the public keys (`<kid>.pub.pem`) whose tokens the service accepts; reloaded "
        "when it changes. Empty: every token is refused (anonymous calls only).",
    )
    signing_key_file: str = setting(
        "LINLI_SIGNING_KEY_FILE",
        "",
        "The service's own private key (`<kid>.key.pem`) for the calls it makes as itself. "
        "Empty: those calls go anonymous.",
    )
    token_audience: str = setting(
        "LINLI_TOKEN_AUDIENCE", "linli-services", "Audience (`aud`) tokens must name, and the one it signs for."
    )

    @property
    def database(self) -> str:
        return self.mongo_db or f"linli_{self.service_name}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Reads every setting from `environ` (default: os.environ); `overrides` win."""
        source = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            env = field.metadata.get("env")
            if env and env in source:
                values[field.name] = _parse(source[env], hints[field.name], env)
        values.update(overrides)
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, meaning) for every setting, for documentation."""
        return [
            (f.metadata["env"], repr(f.default), f.metadata["doc"])
            for f in dataclasses.fields(cls)
            if "env" in f.metadata
        ]
