"""Event payloads: the domain's typed events in protobuf's JSON mapping, built when the
repository writes them to the outbox (``encode``), and the aggregates in the same mapping.

Events go to Kafka as their protobuf message (``organizations.proto``) in the canonical JSON
mapping: lowerCamelCase names, enums by name, int64 as strings, timestamps as RFC 3339 UTC;
fields left at their default are omitted, as the canonical mapping does. gRPC responses are
the same JSON parsed into the message (``entrypoints.convert``): one mapping for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from linli.common.domain_events import DomainEvent, EventContext, JsonDict, derived_event_id
from linli.common.domain_events import address_json as address
from linli.common.domain_events import compact as _compact
from linli.common.domain_events import event_header as header
from linli.common.domain_events import point_json as point
from linli.common.domain_events import timestamp_json as timestamp
from linli.organizations.domain import events as ev
from linli.organizations.domain.model import (
    Contact,
    DutyRosterEntry,
    Grid,
    GridShape,
    LocalizedText,
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
    Station,
    StationEvent,
    StationKind,
    TimeWindow,
)

#: Namespace for event ids (uuid5); fixed forever so ids stay stable across deployments.
EVENT_ID_NAMESPACE = uuid.UUID("6f0f3c8e-3b1c-5d0a-9a4f-0c7e2b1d9e55")


def event_id(event_type: str, subject: str, aggregate_version: int) -> str:
    """Deterministic event id: the same change always gets the same ``ce_id``."""
    return derived_event_id(EVENT_ID_NAMESPACE, event_type, subject, aggregate_version)


def make_event(event_type: str, subject: str, aggregate_version: int, time: datetime, payload: JsonDict) -> DomainEvent:
    """Builds an event with its derived id; ``event_type`` must be one of the domain's types."""
    if event_type not in ev.MESSAGE_OF_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    return DomainEvent(
        id=event_id(event_type, subject, aggregate_version),
        type=event_type,
        subject=subject,
        time=time,
        payload=payload,
        topic=ev.TOPIC,
        message_name=ev.MESSAGE_OF_TYPE[event_type],
    )


# -- enums by their protobuf value names ---------------------------------------------------------
def organization_kind_name(kind: OrganizationKind) -> str:
    return f"ORGANIZATION_KIND_{kind.name}"


def role_name(role: Role) -> str:
    return f"ORGANIZATION_ROLE_{role.name}"


def station_kind_name(kind: StationKind) -> str:
    return f"STATION_KIND_{kind.name}"


# -- aggregates ----------------------------------------------------------------------------------
def localized(text: LocalizedText) -> JsonDict:
    return _compact({"zh": text.zh, "en": text.en})


def contact(value: Contact) -> JsonDict:
    return _compact({"name": value.name, "phone": value.phone, "email": value.email, "role": value.role})


def time_window(value: TimeWindow) -> JsonDict:
    return _compact({"weekday": value.weekday, "start": value.start, "end": value.end})


def duty_entry(value: DutyRosterEntry) -> JsonDict:
    return _compact(
        {
            "personId": value.person_id,
            "name": value.name,
            "phone": value.phone,
            "window": time_window(value.window),
        }
    )


def organization(org: Organization) -> JsonDict:
    """``linli.v1.Organization``."""
    return _compact(
        {
            "id": org.id,
            "kind": organization_kind_name(org.kind),
            "code": org.code,
            "name": localized(org.name),
            "parentId": org.parent_id or "",
            "path": list(org.path),
            "depth": org.depth,
            "address": address(org.address),
            "location": point(org.location),
            "contacts": [contact(c) for c in org.contacts],
            "servedOrgIds": list(org.served_org_ids),
            "acceptedCategories": list(org.accepted_categories),
            "responseDeadlineMinutes": org.response_deadline_minutes,
            "archived": org.archived,
            "version": str(org.version),
            "createdAt": timestamp(org.created_at),
            "updatedAt": timestamp(org.updated_at),
            "archivedAt": timestamp(org.archived_at) if org.archived_at else None,
        }
    )


def grid_shape(shape: GridShape) -> JsonDict:
    """``linli.v1.GridShape``: the cell when the grid was drawn as one, else the polygon."""
    if shape.cell is not None:
        return {
            "cell": {
                "southWest": {"lat": shape.cell.min_lat, "lng": shape.cell.min_lng},
                "northEast": {"lat": shape.cell.max_lat, "lng": shape.cell.max_lng},
            }
        }
    return {"polygon": {"vertices": [point(v) for v in shape.polygon.vertices]}}


def grid(value: Grid) -> JsonDict:
    """``linli.v1.Grid``."""
    return _compact(
        {
            "id": value.id,
            "organizationId": value.organization_id,
            "code": value.code,
            "name": localized(value.name),
            "shape": grid_shape(value.shape),
            "householdsCount": value.households_count,
            "leaderPersonId": value.leader_person_id,
            "workerPersonIds": list(value.worker_person_ids),
            "communityId": value.community_id or "",
            "streetId": value.street_id or "",
            "archived": value.archived,
            "version": str(value.version),
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
        }
    )


def station(value: Station) -> JsonDict:
    """``linli.v1.Station``."""
    return _compact(
        {
            "id": value.id,
            "organizationId": value.organization_id,
            "kind": station_kind_name(value.kind),
            "code": value.code,
            "name": localized(value.name),
            "address": address(value.address),
            "location": point(value.location),
            "openingHours": [time_window(w) for w in value.opening_hours],
            "capacity": value.capacity,
            "dutyRoster": [duty_entry(d) for d in value.duty_roster],
            "contacts": [contact(c) for c in value.contacts],
            "archived": value.archived,
            "version": str(value.version),
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
        }
    )


def station_event(value: StationEvent, *, include_person_ids: bool = True) -> JsonDict:
    """``linli.v1.StationEvent``; person ids are personal data, left out on request."""
    return _compact(
        {
            "id": value.id,
            "stationId": value.station_id,
            "title": localized(value.title),
            "description": value.description,
            "startsAt": timestamp(value.starts_at),
            "endsAt": timestamp(value.ends_at),
            "capacity": value.capacity,
            "signupCount": value.signup_count,
            "attendanceCount": value.attendance_count,
            "signedUpPersonIds": sorted(value.signups if value.visible_signups is None else value.visible_signups)
            if include_person_ids
            else [],
            "cancelled": value.cancelled,
            "version": str(value.version),
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
        }
    )


def role_assignment(value: RoleAssignment) -> JsonDict:
    """``linli.v1.RoleAssignment``."""
    return _compact(
        {
            "id": value.id,
            "personId": value.person_id,
            "organizationId": value.organization_id,
            "role": role_name(value.role),
            "grantedBy": value.granted_by,
            "grantedAt": timestamp(value.granted_at),
            "active": value.active,
            "revokedBy": value.revoked_by,
            "revokedAt": timestamp(value.revoked_at) if value.revoked_at else None,
            "version": str(value.version),
        }
    )


# -- events --------------------------------------------------------------------------------------
def _organization_event(event: ev.OrganizationEvent, ctx: EventContext, **details: Any) -> DomainEvent:
    org = event.organization
    payload = {"header": header(org.version, ctx), "organization": organization(org), **details}
    return make_event(event.type, org.id, org.version, org.updated_at, payload)


def organization_created(event: ev.OrganizationCreated) -> DomainEvent:
    return _organization_event(event, event.context)


def organization_updated(event: ev.OrganizationUpdated) -> DomainEvent:
    org = event.organization
    payload = _compact(
        {
            "header": header(org.version, event.context),
            "organization": organization(org),
            "changedFields": list(event.changed_fields),
        }
    )
    return make_event(event.type, org.id, org.version, org.updated_at, payload)


def organization_moved(event: ev.OrganizationMoved) -> DomainEvent:
    org = event.organization
    payload = _compact(
        {
            "header": header(org.version, event.context),
            "organization": organization(org),
            "oldParentId": event.old_parent_id or "",
            "newParentId": org.parent_id or "",
            "oldPath": list(event.old_path),
            "newPath": list(org.path),
            "movedDescendants": event.moved_descendants,
        }
    )
    return make_event(event.type, org.id, org.version, org.updated_at, payload)


def organization_archived(event: ev.OrganizationArchived) -> DomainEvent:
    org = event.organization
    payload = _compact(
        {
            "header": header(org.version, event.context),
            "organization": organization(org),
            "reason": event.reason,
            "cascadeRootId": event.cascade_root_id,
        }
    )
    return make_event(event.type, org.id, org.version, org.updated_at, payload)


def grid_created(event: ev.GridCreated) -> DomainEvent:
    value = event.grid
    payload = {"header": header(value.version, event.context), "grid": grid(value)}
    return make_event(event.type, value.id, value.version, value.updated_at, payload)


def grid_updated(event: ev.GridUpdated) -> DomainEvent:
    value = event.grid
    payload = _compact(
        {
            "header": header(value.version, event.context),
            "grid": grid(value),
            "changedFields": list(event.changed_fields),
        }
    )
    return make_event(event.type, value.id, value.version, value.updated_at, payload)


def station_created(event: ev.StationCreated) -> DomainEvent:
    value = event.station
    payload = {"header": header(value.version, event.context), "station": station(value)}
    return make_event(event.type, value.id, value.version, value.updated_at, payload)


def station_event_scheduled(event: ev.StationEventScheduled) -> DomainEvent:
    value = event.event
    payload = {"header": header(value.version, event.context), "event": station_event(value)}
    return make_event(event.type, value.id, value.version, value.updated_at, payload)


def role_granted(event: ev.RoleGranted) -> DomainEvent:
    value = event.assignment
    payload = {"header": header(value.version, event.context), "assignment": role_assignment(value)}
    return make_event(event.type, value.id, value.version, event.at, payload)


def role_revoked(event: ev.RoleRevoked) -> DomainEvent:
    value = event.assignment
    payload = {"header": header(value.version, event.context), "assignment": role_assignment(value)}
    return make_event(event.type, value.id, value.version, event.at, payload)


_ENCODERS: dict[type[Any], Callable[[Any], DomainEvent]] = {
    ev.OrganizationCreated: organization_created,
    ev.OrganizationUpdated: organization_updated,
    ev.OrganizationMoved: organization_moved,
    ev.OrganizationArchived: organization_archived,
    ev.GridCreated: grid_created,
    ev.GridUpdated: grid_updated,
    ev.StationCreated: station_created,
    ev.StationEventScheduled: station_event_scheduled,
    ev.RoleGranted: role_granted,
    ev.RoleRevoked: role_revoked,
}


def encode(event: Any) -> DomainEvent:
    """The outbox form of a domain event (the repository's ``encode``)."""
    if isinstance(event, DomainEvent):
        return event
    try:
        encoder = _ENCODERS[type(event)]
    except KeyError:
        raise TypeError(f"no payload for event {type(event).__name__}") from None
    return encoder(event)
