"""What handlers return when a command has more to say than the aggregate it changed."""

from __future__ import annotations

from dataclasses import dataclass

from linli.organizations.domain.model import Grid, Organization, RoleAssignment, StationEvent


@dataclass(frozen=True)
class Moved:
    organization: Organization
    moved_descendants: int


@dataclass(frozen=True)
class Archived:
    organization: Organization
    archived_ids: list[str]


@dataclass(frozen=True)
class SignedUp:
    event: StationEvent
    already_signed_up: bool


@dataclass(frozen=True)
class Revoked:
    assignment: RoleAssignment
    was_active: bool


@dataclass(frozen=True)
class Located:
    grid: Grid
    owner: Organization
    community: Organization | None
    street: Organization | None
