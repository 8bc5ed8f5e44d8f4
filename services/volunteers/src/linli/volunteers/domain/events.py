"""Domain events: what changed, ready for the outbox.

An aggregate appends its events to ``pending_events``; the repository stores them in the same
document write as the state change (outbox in the aggregate) and the relay publishes them as
CloudEvents on ``linli.volunteers.v1``. The payload is the event's protobuf message (in
``linli/v1/volunteers.proto``) in protobuf's JSON mapping, so the adapter only parses it.

Event ids are derived, not random: ``uuid5(type, subject, discriminator)`` where the
discriminator is the aggregate version (or a ledger entry id). A relay that publishes twice
sends the same ``ce_id``, which is what lets consumers deduplicate.

Events carry no phone numbers and no home locations: the topic is read by other services.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from linli.common.domain_events import DomainEvent, EventContext, JsonDict, derived_event_id, timestamp_json
from linli.common.domain_events import event_header as header

__all__ = ["DomainEvent", "EventContext", "JsonDict", "header", "make_event", "timestamp_json"]

#: Namespace for event ids (uuid5); fixed forever so ids stay stable across deployments.
EVENT_ID_NAMESPACE = uuid.UUID("0b6a7c3e-52d4-5f1e-8c2a-4e9d7f1a3b60")

#: CloudEvents ``source`` of everything this service publishes.
SOURCE = "/linli/volunteers"
#: Kafka topic of this service's events.
TOPIC = "linli.volunteers.v1"

VOLUNTEER_REGISTERED = "org.linli.volunteer.registered.v1"
VOLUNTEER_UPDATED = "org.linli.volunteer.updated.v1"
VOLUNTEER_SUSPENDED = "org.linli.volunteer.suspended.v1"
VOLUNTEER_REACTIVATED = "org.linli.volunteer.reactivated.v1"
TEAM_CREATED = "org.linli.team.created.v1"
TEAM_MEMBER_JOINED = "org.linli.team.member_joined.v1"
TEAM_MEMBER_LEFT = "org.linli.team.member_left.v1"
POINTS_CREDITED = "org.linli.points.credited.v1"

#: ce_type -> name of the protobuf message (package linli.v1) carried as the value.
MESSAGE_OF_TYPE: dict[str, str] = {
    VOLUNTEER_REGISTERED: "VolunteerRegistered",
    VOLUNTEER_UPDATED: "VolunteerUpdated",
    VOLUNTEER_SUSPENDED: "VolunteerSuspended",
    VOLUNTEER_REACTIVATED: "VolunteerReactivated",
    TEAM_CREATED: "TeamCreated",
    TEAM_MEMBER_JOINED: "TeamMemberJoined",
    TEAM_MEMBER_LEFT: "TeamMemberLeft",
    POINTS_CREDITED: "PointsCredited",
}


def make_event(
    event_type: str, subject: str, discriminator: str | int, time: datetime, payload: JsonDict
) -> DomainEvent:
    """Builds an event whose id is derived from (type, subject, discriminator)."""
    if event_type not in MESSAGE_OF_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    return DomainEvent(id=derived_event_id(EVENT_ID_NAMESPACE, event_type, subject, discriminator), type=event_type,
                       subject=subject, time=time, payload=payload, topic=TOPIC,
                       message_name=MESSAGE_OF_TYPE[event_type])
