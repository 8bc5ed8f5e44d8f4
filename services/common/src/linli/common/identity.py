"""Who is calling: the gateway authenticates and forwards the caller in gRPC metadata.

Services trust these headers because only the gateway (and other services) can reach their
gRPC ports; network policy in k8s/ enforces that. Roles are scoped: `dispatcher@org-123`
means dispatcher within the subtree rooted at organisation org-123; a bare role is global.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterable, Sequence

SUBJECT_KEY = "x-linli-subject"
ROLES_KEY = "x-linli-roles"
REQUEST_ID_KEY = "x-request-id"


@dataclasses.dataclass(frozen=True)
class RoleGrant:
    role: str
    scope: str = ""  # organisation id at the root of the subtree; "" means everywhere

    def __str__(self) -> str:
        return f"{self.role}@{self.scope}" if self.scope else self.role

    @classmethod
    def parse(cls, text: str) -> RoleGrant:
        role, _, scope = text.strip().partition("@")
        return cls(role=role, scope=scope)


@dataclasses.dataclass(frozen=True)
class Identity:
    subject: str = ""
    grants: tuple[RoleGrant, ...] = ()

    @property
    def anonymous(self) -> bool:
        return not self.subject

    def has_role(self, *roles: str) -> bool:
        return any(grant.role in roles for grant in self.grants)

    def scopes_for(self, *roles: str) -> set[str]:
        """Organisation ids under which the caller holds one of `roles` ("" = everywhere)."""
        return {grant.scope for grant in self.grants if grant.role in roles}

    def to_metadata(self) -> list[tuple[str, str]]:
        if self.anonymous:
            return []
        return [(SUBJECT_KEY, self.subject), (ROLES_KEY, ",".join(str(g) for g in self.grants))]

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]] | None) -> Identity:
        values = {key: value for key, value in metadata or () if isinstance(value, str)}
        roles = values.get(ROLES_KEY, "")
        return cls(
            subject=values.get(SUBJECT_KEY, ""),
            grants=tuple(RoleGrant.parse(text) for text in roles.split(",") if text.strip()),
        )

    @classmethod
    def of(cls, subject: str, roles: Sequence[str]) -> Identity:
        return cls(subject=subject, grants=tuple(RoleGrant.parse(r) for r in roles))


SYSTEM = Identity(subject="system", grants=(RoleGrant("system"),))

ANONYMOUS = Identity()

current_identity: contextvars.ContextVar[Identity] = contextvars.ContextVar("linli_identity", default=ANONYMOUS)
