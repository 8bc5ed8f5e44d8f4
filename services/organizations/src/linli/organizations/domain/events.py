"""Domain events: what changed, ready for the outbox.

An aggregate appends its events to ``pending_events``; the repository stores them in the same
document write as the state change (outbox in the aggregate), and the relay publishes them
as CloudEvents. The payload is the event's protobuf message in protobuf's JSON mapping
(built in ``wire``), so the adapter only parses it into the message, never re-derives it.

Event ids are derived, not random: ``uuid5(type, subject, aggregate version)``. A relay that
crashes after publishing and publishes again sends the same ``ce_id``, which is what lets
consumers deduplicate; and the domain needs no id generator.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from linli.common.domain_events import DomainEvent, EventContext, JsonDict, derived_event_id

__all__ = ["DomainEvent", "EventContext", "JsonDict", "event_id", "make_event"]

#: Namespace for event ids (uuid5); fixed forever so ids stay stable across deployments.
EVENT_ID_NAMESPACE = uuid.UUID("6f0f3c8e-3b1c-5d0a-9a4f-0c7e2b1d9e55")

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


def event_id(event_type: str, subject: str, aggregate_version: int) -> str:
    """Deterministic event id: the same change always gets the same ``ce_id``."""
    return derived_event_id(EVENT_ID_NAMESPACE, event_type, subject, aggregate_version)


def make_event(
    event_type: str, subject: str, aggregate_version: int, time: datetime, payload: JsonDict
) -> DomainEvent:
    """Builds an event with its derived id; ``event_type`` must be one of the constants."""
    if event_type not in MESSAGE_OF_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    return DomainEvent(id=event_id(event_type, subject, aggregate_version), type=event_type, subject=subject,
                       time=time, payload=payload, topic=TOPIC, message_name=MESSAGE_OF_TYPE[event_type])
