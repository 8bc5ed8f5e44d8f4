"""Who is calling: the caller of a gRPC call, as a signed token in its metadata vouches.

The gateway authenticates people and puts a short-lived signed token (`authorization: Bearer
<jwt>`, see `tokens`) into every call; services calling services sign with their own key. The
kit's identity interceptor verifies it and sets `current_identity`; unsigned identity headers
(`x-linli-subject`, `x-linli-roles`) are refused. Roles are scoped: `dispatcher@org-123` means
dispatcher within the subtree rooted at organisation org-123; a bare role is global.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Sequence

#: Unsigned identity headers from before signed tokens: a call carrying them without a token
#: is refused.
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

    @classmethod
    def of(cls, subject: str, roles: Sequence[str]) -> Identity:
        return cls(subject=subject, grants=tuple(RoleGrant.parse(r) for r in roles))


SYSTEM = Identity(subject="system", grants=(RoleGrant("system"),))

ANONYMOUS = Identity()

current_identity: contextvars.ContextVar[Identity] = contextvars.ContextVar("linli_identity", default=ANONYMOUS)


@dataclasses.dataclass(frozen=True)
class ServedCall:
    """The call being served: the caller as verified and the token that said so ("" when the
    caller is anonymous). Outgoing calls forward the token while `current_identity` is still
    this caller."""

    identity: Identity
    token: str = ""


current_call: contextvars.ContextVar[ServedCall | None] = contextvars.ContextVar("linli_served_call", default=None)
"""None outside a served gRPC call (timers, consumers, start-up)."""
