"""Settings of accounts and sign-in, read from `LINLI_*` variables like every kit setting.

`GatewayConfig` may inherit these (a mixin dataclass); `AccountSettings.from_env()` reads
them on its own otherwise.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from typing import Any, Self

from linli.common import config as kit_config
from linli.common.config import setting


@dataclasses.dataclass(frozen=True)
class AccountSettings:
    argon2_time_cost: int = setting("LINLI_ARGON2_TIME_COST", 3, "argon2id passes per password hash.")
    argon2_memory_kib: int = setting("LINLI_ARGON2_MEMORY_KIB", 65536, "argon2id memory per password hash (KiB).")
    argon2_parallelism: int = setting("LINLI_ARGON2_PARALLELISM", 4, "argon2id lanes per password hash.")
    lockout_failures: int = setting(
        "LINLI_LOCKOUT_FAILURES", 5, "Failed sign-ins of one login before it is locked (known or unknown login)."
    )
    lockout_minutes: float = setting(
        "LINLI_LOCKOUT_MINUTES", 15.0, "First lock of a login; each further lockout doubles it (up to a day)."
    )
    session_days: float = setting("LINLI_SESSION_DAYS", 7.0, "Lifetime of a browser session cookie.")
    refresh_days: float = setting("LINLI_REFRESH_DAYS", 30.0, "Lifetime of an API client's refresh token.")
    access_token_seconds: int = setting(
        "LINLI_ACCESS_TOKEN_SECONDS", 600, "Lifetime of an API client's access token (JWT, audience linli-gateway)."
    )
    service_token_seconds: int = setting(
        "LINLI_SERVICE_TOKEN_SECONDS", 60, "Lifetime of the token the gateway signs for each gRPC call's caller."
    )
    roles_cache_seconds: float = setting(
        "LINLI_ROLES_CACHE_SECONDS", 30.0, "How long a person's roles from organizations are reused."
    )
    operator_person_ids: str = setting(
        "LINLI_OPERATOR_PERSON_IDS",
        "person-operator",
        "Comma-separated person ids that hold the platform-wide `operator` role (organizations grants no such role).",
    )
    sign_in_rate_limit: str = setting(
        "LINLI_SIGN_IN_RATE_LIMIT",
        "60/minute;600/hour",
        "Sign-in, sign-up and refresh attempts per client address (generous: many homes share a carrier's "
        "address; the per-login lockout is what stops guessing one account).",
    )
    api_key_rate_limit: str = setting(
        "LINLI_API_KEY_RATE_LIMIT", "600/minute", "Default rate limit of a new API key (each key has its own)."
    )
    session_cookie_name: str = setting("LINLI_SESSION_COOKIE", "linli_session", "Name of the session cookie.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        source = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            env = field.metadata.get("env")
            if env and env in source:
                values[field.name] = kit_config._parse(source[env], hints[field.name], env)
        values.update(overrides)
        return cls(**values)

    @classmethod
    def of(cls, config: object | None) -> AccountSettings:
        """These settings from a config object that carries them (GatewayConfig), else from the
        environment."""
        if isinstance(config, AccountSettings):
            return config
        return cls.from_env()

    @property
    def operators(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.operator_person_ids.split(",") if p.strip())
