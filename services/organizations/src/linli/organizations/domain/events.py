"""Domain events: what changed, as typed values; the wire format is the adapters' business.

An aggregate appends its events to ``pending_events``; the repository stores them in the same
document write as the state change (outbox in the aggregate), encoding each through
``adapters.event_payloads`` into the protobuf JSON mapping as the write is made.

An event captures the aggregate as it was when the change happened (``snapshot``: a private
copy whose fields are immutable values, never the live aggregate, which may change again
before the commit). Event ids are derived, not random: ``uuid5(type, subject, aggregate
version)``, so a relay that publishes twice sends the same ``ce_id``.

The event type names, the topic and the message each type carries are the published
contract (the AsyncAPI document reads them here).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

from linli.common.domain_events import DomainEvent, EventContext

from .model import Grid, Organization, RoleAssignment, Station, StationEvent

__all__ = [
    "DomainEvent",
    "EventContext",
    "GridCreated",
    "GridUpdated",
    "OrganizationArchived",
    "OrganizationCreated",
    "OrganizationEvent",
    "OrganizationMoved",
    "OrganizationUpdated",
    "RoleGranted",
    "RoleRevoked",
    "StationCreated",
    "StationEventScheduled",
    "snapshot",
]

#: CloudEvents ``source`` of everything this service publishes.
SOURCE = "/linli/organizations"
#: Kafka topic of this service's events.
TOPIC = "linli.organizations.v1"

ORGANIZATION_CREATED = "org.linli.organization.created.v1"
ORGANIZATION_UPDATED = "org.linli.organization.updated.v1"
ORGANIZATION_MOVED = "org.linli.organization.moved.v1"
ORGANIZATION_ARCHIVED = "org.linli.organization.archived.v1"
GRID_CREATED = "org.linli.grid.created.v1"
GRID_UPDATED = "org.linli.grid.updated.v1"
STATION_CREATED = "org.linli.station.created.v1"
STATION_EVENT_SCHEDULED = "org.linli.station_event.scheduled.v1"
ROLE_GRANTED = "org.linli.role.granted.v1"
ROLE_REVOKED = "org.linli.role.revoked.v1"

#: ce_type -> name of the protobuf message (package linli.v1) carried as the value.
MESSAGE_OF_TYPE: dict[str, str] = {
    ORGANIZATION_CREATED: "OrganizationCreated",
    ORGANIZATION_UPDATED: "OrganizationUpdated",
    ORGANIZATION_MOVED: "OrganizationMoved",
    ORGANIZATION_ARCHIVED: "OrganizationArchived",
    GRID_CREATED: "GridCreated",
    GRID_UPDATED: "GridUpdated",
    STATION_CREATED: "StationCreated",
    STATION_EVENT_SCHEDULED: "StationEventScheduled",
    ROLE_GRANTED: "RoleGranted",
    ROLE_REVOKED: "RoleRevoked",
}

S = TypeVar("S", Organization, Grid, Station, StationEvent, RoleAssignment)


def snapshot(aggregate: S) -> S:
    """A private copy of the aggregate as it is now, without its outbox."""
    copy = dataclasses.replace(aggregate, pending_events=[])
    if isinstance(copy, StationEvent):
        copy.signups = set(copy.signups)
    return copy


@dataclass(frozen=True, slots=True)
class OrganizationEvent:
    type: ClassVar[str]
    organization: Organization
    context: EventContext

    @property
    def subject(self) -> str:
        return self.organization.id


@dataclass(frozen=True, slots=True)
class OrganizationCreated(OrganizationEvent):
    type: ClassVar[str] = ORGANIZATION_CREATED


@dataclass(frozen=True, slots=True)
class OrganizationUpdated(OrganizationEvent):
    type: ClassVar[str] = ORGANIZATION_UPDATED
    changed_fields: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class OrganizationMoved(OrganizationEvent):
    type: ClassVar[str] = ORGANIZATION_MOVED
    old_parent_id: str | None = None
    old_path: Sequence[str] = ()
    moved_descendants: int = 0


@dataclass(frozen=True, slots=True)
class OrganizationArchived(OrganizationEvent):
    type: ClassVar[str] = ORGANIZATION_ARCHIVED
    reason: str = ""
    cascade_root_id: str = ""


@dataclass(frozen=True, slots=True)
class GridCreated:
    type: ClassVar[str] = GRID_CREATED
    grid: Grid
    context: EventContext

    @property
    def subject(self) -> str:
        return self.grid.id


@dataclass(frozen=True, slots=True)
class GridUpdated:
    type: ClassVar[str] = GRID_UPDATED
    grid: Grid
    changed_fields: Sequence[str]
    context: EventContext

    @property
    def subject(self) -> str:
        return self.grid.id


@dataclass(frozen=True, slots=True)
class StationCreated:
    type: ClassVar[str] = STATION_CREATED
    station: Station
    context: EventContext

    @property
    def subject(self) -> str:
        return self.station.id


@dataclass(frozen=True, slots=True)
class StationEventScheduled:
    type: ClassVar[str] = STATION_EVENT_SCHEDULED
    event: StationEvent
    context: EventContext

    @property
    def subject(self) -> str:
        return self.event.id


@dataclass(frozen=True, slots=True)
class RoleGranted:
    type: ClassVar[str] = ROLE_GRANTED
    assignment: RoleAssignment
    context: EventContext
    at: datetime

    @property
    def subject(self) -> str:
        return self.assignment.id


@dataclass(frozen=True, slots=True)
class RoleRevoked:
    type: ClassVar[str] = ROLE_REVOKED
    assignment: RoleAssignment
    context: EventContext
    at: datetime

    @property
    def subject(self) -> str:
        return self.assignment.id


OrganizationsEvent = (
    OrganizationEvent | GridCreated | GridUpdated | StationCreated | StationEventScheduled | RoleGranted | RoleRevoked
)
