"""Aggregates in protobuf's JSON mapping, and the builders of their events.

Events go to Kafka as their protobuf message (``organizations.proto``) in the canonical JSON
mapping: lowerCamelCase names, enums by name, int64 as strings, timestamps as RFC 3339 UTC.
Building that shape here, from the domain, means the outbox stores exactly what will be
published and the adapter can check it with ``json_format.ParseDict`` into the message
(``tests/unit/organizations/test_wire.py`` does so when the generated code is present).
Fields left at their default are omitted, as the canonical mapping does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from linli.common.domain_events import address_json as address
from linli.common.domain_events import compact as _compact
from linli.common.domain_events import event_header as header
from linli.common.domain_events import point_json as point
from linli.common.domain_events import timestamp_json as timestamp

from . import events as ev
from .events import DomainEvent, EventContext, JsonDict
from .model import (
    Contact,
    DutyRosterEntry,
    Grid,
    GridShape,
    LocalizedText,
    Organization,
    RoleAssignment,
    Station,
    StationEvent,
    TimeWindow,
)


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
            "kind": org.kind.wire_name,
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
            "kind": value.kind.wire_name,
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
            "signedUpPersonIds": sorted(value.signups) if include_person_ids else [],
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
            "role": value.role.wire_name,
            "grantedBy": value.granted_by,
            "grantedAt": timestamp(value.granted_at),
            "active": value.active,
            "revokedBy": value.revoked_by,
            "revokedAt": timestamp(value.revoked_at) if value.revoked_at else None,
            "version": str(value.version),
        }
    )


# --------------------------------------------------------------------------- event builders


def organization_created(org: Organization, ctx: EventContext) -> DomainEvent:
    payload = {"header": header(org.version, ctx), "organization": organization(org)}
    return ev.make_event(ev.ORGANIZATION_CREATED, org.id, org.version, org.updated_at, payload)


def organization_updated(org: Organization, changed: Sequence[str], ctx: EventContext) -> DomainEvent:
    payload = _compact(
        {
            "header": header(org.version, ctx),
            "organization": organization(org),
            "changedFields": list(changed),
        }
    )
    return ev.make_event(ev.ORGANIZATION_UPDATED, org.id, org.version, org.updated_at, payload)


def organization_moved(
    org: Organization,
    *,
    old_parent_id: str | None,
    old_path: Sequence[str],
    moved_descendants: int,
    ctx: EventContext,
) -> DomainEvent:
    payload = _compact(
        {
            "header": header(org.version, ctx),
            "organization": organization(org),
            "oldParentId": old_parent_id or "",
            "newParentId": org.parent_id or "",
            "oldPath": list(old_path),
            "newPath": list(org.path),
            "movedDescendants": moved_descendants,
        }
    )
    return ev.make_event(ev.ORGANIZATION_MOVED, org.id, org.version, org.updated_at, payload)


def organization_archived(
    org: Organization, *, reason: str, cascade_root_id: str, ctx: EventContext
) -> DomainEvent:
    payload = _compact(
        {
            "header": header(org.version, ctx),
            "organization": organization(org),
            "reason": reason,
            "cascadeRootId": cascade_root_id,
        }
    )
    return ev.make_event(ev.ORGANIZATION_ARCHIVED, org.id, org.version, org.updated_at, payload)


def grid_created(value: Grid, ctx: EventContext) -> DomainEvent:
    payload = {"header": header(value.version, ctx), "grid": grid(value)}
    return ev.make_event(ev.GRID_CREATED, value.id, value.version, value.updated_at, payload)


def grid_updated(value: Grid, changed: Sequence[str], ctx: EventContext) -> DomainEvent:
    payload = _compact(
        {"header": header(value.version, ctx), "grid": grid(value), "changedFields": list(changed)}
    )
    return ev.make_event(ev.GRID_UPDATED, value.id, value.version, value.updated_at, payload)


def station_created(value: Station, ctx: EventContext) -> DomainEvent:
    payload = {"header": header(value.version, ctx), "station": station(value)}
    return ev.make_event(ev.STATION_CREATED, value.id, value.version, value.updated_at, payload)


def station_event_scheduled(value: StationEvent, ctx: EventContext) -> DomainEvent:
    payload = {"header": header(value.version, ctx), "event": station_event(value)}
    return ev.make_event(ev.STATION_EVENT_SCHEDULED, value.id, value.version, value.updated_at, payload)


def role_granted(value: RoleAssignment, ctx: EventContext, at: datetime) -> DomainEvent:
    payload = {"header": header(value.version, ctx), "assignment": role_assignment(value)}
    return ev.make_event(ev.ROLE_GRANTED, value.id, value.version, at, payload)


def role_revoked(value: RoleAssignment, ctx: EventContext, at: datetime) -> DomainEvent:
    payload = {"header": header(value.version, ctx), "assignment": role_assignment(value)}
    return ev.make_event(ev.ROLE_REVOKED, value.id, value.version, at, payload)
