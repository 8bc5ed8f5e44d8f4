"""People's roles in organisations and what they may see.

A role held in an organisation applies to its whole subtree, so "what may this person see"
is a set of subtree roots. There is one assignment per (person, organisation, role) with a
derived id: granting twice is naturally idempotent, a re-grant after a revocation
reactivates the same aggregate, and its events share one Kafka key so grant and revoke of
the same role stay in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from . import events, rules
from .errors import PreconditionError
from .events import EventContext, snapshot
from .model import Organization, Role, RoleAssignment

#: Namespace of assignment ids (uuid5); fixed forever.
ROLE_ID_NAMESPACE = uuid.UUID("0b8f6a52-8d0e-5c1f-bb3e-5a2f7d4c9e11")


def role_assignment_id(person_id: str, organization_id: str, role: Role) -> str:
    """The id of the (person, organisation, role) assignment."""
    return str(uuid.uuid5(ROLE_ID_NAMESPACE, f"{person_id}|{organization_id}|{role.name}"))


def grant_role(
    existing: RoleAssignment | None,
    *,
    person_id: str,
    organization: Organization,
    role: Role,
    granted_by: str,
    now: datetime,
    ctx: EventContext | None = None,
) -> tuple[RoleAssignment, bool]:
    """Grants ``role``; returns (assignment, changed). ``existing`` is the stored assignment
    with ``role_assignment_id`` (None if never granted). Granting an active role changes
    nothing; roles are not granted in archived organisations (FAILED_PRECONDITION)."""
    person = rules.validate_id(person_id, "person_id")
    if organization.archived:
        raise PreconditionError("organization_id", f"organisation {organization.id} is archived")
    if existing is not None:
        if existing.active:
            return existing, False
        existing.active = True
        existing.granted_by = granted_by
        existing.granted_at = now
        existing.revoked_by = ""
        existing.revoked_at = None
        existing.version += 1
        existing.pending_events.append(events.RoleGranted(snapshot(existing), ctx or EventContext(), now))
        return existing, True
    assignment = RoleAssignment(
        id=role_assignment_id(person, organization.id, role),
        person_id=person,
        organization_id=organization.id,
        role=role,
        granted_by=granted_by,
        granted_at=now,
    )
    assignment.pending_events.append(events.RoleGranted(snapshot(assignment), ctx or EventContext(), now))
    return assignment, True


def revoke_role(assignment: RoleAssignment, *, revoked_by: str, now: datetime, ctx: EventContext | None = None) -> bool:
    """Revokes an assignment; False (nothing changes) when it was not active."""
    if not assignment.active:
        return False
    assignment.active = False
    assignment.revoked_by = revoked_by
    assignment.revoked_at = now
    assignment.version += 1
    assignment.pending_events.append(events.RoleRevoked(snapshot(assignment), ctx or EventContext(), now))
    return True


@dataclass(frozen=True, slots=True)
class Scope:
    """A subtree a person holds roles in: its root and the roles held there. ``nested``
    when an ancestor of the root is itself one of the person's scopes."""

    root: Organization
    roles: frozenset[Role]
    nested: bool

    def sorted_roles(self) -> list[Role]:
        return sorted(self.roles, key=lambda r: r.value)


def visible_scopes(assignments: Iterable[RoleAssignment], organizations: Mapping[str, Organization]) -> list[Scope]:
    """The person's scopes from their assignments (inactive ones ignored), ordered by depth
    then code. ``organizations`` holds the organisations the assignments name; an
    assignment to an unknown organisation is skipped (it was never created or is gone)."""
    roles_at: dict[str, set[Role]] = {}
    for a in assignments:
        if a.active and a.organization_id in organizations:
            roles_at.setdefault(a.organization_id, set()).add(a.role)
    roots = set(roles_at)
    scopes = [
        Scope(
            root=organizations[org_id],
            roles=frozenset(roles),
            nested=any(ancestor in roots for ancestor in organizations[org_id].path),
        )
        for org_id, roles in roles_at.items()
    ]
    scopes.sort(key=lambda s: (s.root.depth, s.root.code, s.root.id))
    return scopes


def root_ids(scopes: Sequence[Scope]) -> list[str]:
    """The smallest set of roots covering every visible organisation."""
    return [s.root.id for s in scopes if not s.nested]


def can_see(scopes: Sequence[Scope], org: Organization) -> bool:
    """True when ``org`` lies in one of the subtrees."""
    return any(org.is_in_subtree_of(s.root.id) for s in scopes)


def effective_roles(scopes: Sequence[Scope], org: Organization) -> frozenset[Role]:
    """Roles the person holds over ``org``: those held at it or at any of its ancestors."""
    result: set[Role] = set()
    for s in scopes:
        if org.is_in_subtree_of(s.root.id):
            result |= s.roles
    return frozenset(result)
