"""The volunteers service's domain events on the wire: each typed event becomes the kit's
``DomainEvent`` (CloudEvent id, type, subject, time, topic) with its payload in protobuf's
JSON mapping of the message named in ``events.MESSAGE_OF_TYPE`` (``linli/v1/volunteers.proto``).

The repository calls ``encode`` as it writes an aggregate with its outbox, so the domain
never sees the wire format. Payloads must stay byte-identical (consumers and agencies read
them; tests/unit/volunteers/test_vol_event_payloads.py holds them): key order and the
defaults each message leaves out are part of that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from linli.common.domain_events import DomainEvent, EventContext, JsonDict, derived_event_id, timestamp_json
from linli.common.domain_events import event_header as header
from linli.volunteers.domain import events as ev
from linli.volunteers.domain.model import LedgerEntryKind

#: ``linli.v1.LedgerEntryKind`` names.
LEDGER_ENTRY_KIND: dict[LedgerEntryKind, str] = {kind: f"LEDGER_ENTRY_KIND_{kind.name}" for kind in LedgerEntryKind}


def _event(event_type: str, subject: str, discriminator: str | int, time: datetime, payload: JsonDict) -> DomainEvent:
    """An event whose id is derived from (type, subject, discriminator)."""
    return DomainEvent(
        id=derived_event_id(ev.EVENT_ID_NAMESPACE, event_type, subject, discriminator),
        type=event_type,
        subject=subject,
        time=time,
        payload=payload,
        topic=ev.TOPIC,
        message_name=ev.MESSAGE_OF_TYPE[event_type],
    )


def _head(version: int, context: EventContext) -> JsonDict:
    return {"header": header(version, context)}


def _public_profile(profile: ev.PublicProfile) -> JsonDict:
    out: JsonDict = {
        "volunteerId": profile.volunteer_id,
        "displayName": profile.display_name,
        "homeCommunityId": profile.home_community_id,
        "skills": list(profile.skills),
        "posts": list(profile.posts),
        "serviceRadiusKm": profile.service_radius_km,
        "maxConcurrentTasks": profile.max_concurrent_tasks,
    }
    if profile.workplace_community_id:
        out["workplaceCommunityId"] = profile.workplace_community_id
    return {k: v for k, v in out.items() if v != []}


def volunteer_registered(event: ev.VolunteerRegistered) -> DomainEvent:
    payload = {
        **_head(1, event.context),
        **_public_profile(event.profile),
        "personId": event.person_id,
        "registeredAt": timestamp_json(event.at),
    }
    return _event(event.type, event.profile.volunteer_id, 1, event.at, payload)


def volunteer_updated(event: ev.VolunteerUpdated) -> DomainEvent:
    payload = {
        **_head(event.version, event.context),
        **_public_profile(event.profile),
        "changedFields": list(event.changed_fields),
    }
    return _event(event.type, event.profile.volunteer_id, event.version, event.at, payload)


def volunteer_suspended(event: ev.VolunteerSuspended) -> DomainEvent:
    payload = {
        **_head(event.version, event.context),
        "volunteerId": event.volunteer_id,
        "reason": event.reason,
        "suspendedAt": timestamp_json(event.at),
    }
    return _event(event.type, event.volunteer_id, event.version, event.at, payload)


def volunteer_reactivated(event: ev.VolunteerReactivated) -> DomainEvent:
    payload = {
        **_head(event.version, event.context),
        "volunteerId": event.volunteer_id,
        "reactivatedAt": timestamp_json(event.at),
    }
    return _event(event.type, event.volunteer_id, event.version, event.at, payload)


def team_created(event: ev.TeamCreated) -> DomainEvent:
    payload = {
        **_head(1, event.context),
        "teamId": event.team_id,
        "name": event.name,
        "leaderVolunteerId": event.leader_volunteer_id,
        "focus": event.focus,
        "owningOrganizationId": event.owning_organization_id,
        "rapidResponse": event.rapid_response,
    }
    return _event(event.type, event.team_id, 1, event.at, {k: v for k, v in payload.items() if v})


def team_member_changed(event: ev.TeamMemberJoined | ev.TeamMemberLeft) -> DomainEvent:
    payload = {**_head(event.version, event.context), "teamId": event.team_id, "volunteerId": event.volunteer_id}
    return _event(event.type, event.team_id, event.version, event.at, payload)


def points_credited(event: ev.PointsCredited) -> DomainEvent:
    entry = event.entry
    payload = {
        **_head(1, event.context),
        "entryId": entry.id,
        "volunteerId": entry.volunteer_id,
        "requestId": entry.request_id,
        "hours": entry.hours,
        "points": str(entry.points),
        "creditedCommunityId": entry.credited_community_id,
        "kind": LEDGER_ENTRY_KIND[entry.kind],
        "causeEventId": entry.cause_event_id,
        "occurredAt": timestamp_json(entry.occurred_at),
    }
    compact = {k: v for k, v in payload.items() if v not in ("", 0, 0.0, "0")}
    return _event(event.type, entry.volunteer_id, entry.id, entry.created_at, compact)


_ENCODERS: dict[type[Any], Callable[[Any], DomainEvent]] = {
    ev.VolunteerRegistered: volunteer_registered,
    ev.VolunteerUpdated: volunteer_updated,
    ev.VolunteerSuspended: volunteer_suspended,
    ev.VolunteerReactivated: volunteer_reactivated,
    ev.TeamCreated: team_created,
    ev.TeamMemberJoined: team_member_changed,
    ev.TeamMemberLeft: team_member_changed,
    ev.PointsCredited: points_credited,
}


def encode(event: object) -> DomainEvent:
    """The CloudEvent of a domain event (a ``DomainEvent`` passes through)."""
    if isinstance(event, DomainEvent):
        return event
    encoder = _ENCODERS.get(type(event))
    if encoder is None:
        raise TypeError(f"no encoder for event {type(event).__name__}")
    return encoder(event)
