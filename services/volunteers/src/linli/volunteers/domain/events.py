"""Domain events: what changed, as typed values; the wire format is the adapters' business.

An aggregate appends its events to ``pending_events``; the repository stores them in the same
document write as the state change (outbox in the aggregate), encoding each through
``adapters.event_payloads`` into the protobuf JSON mapping as the write is made, and the
relay publishes them as CloudEvents on ``linli.volunteers.v1``.

An event captures the values it needs at the moment it happened (the public profile, the
version the change produced, the caller), never the live aggregate: encoding happens later,
at commit, and the aggregate may have changed again by then.

Event ids are derived, not random: ``uuid5(type, subject, discriminator)`` where the
discriminator is the aggregate version (or a ledger entry id). A relay that publishes twice
sends the same ``ce_id``, which is what lets consumers deduplicate.

Events carry no phone numbers and no home locations: the topic is read by other services.
The event type names, the topic and the message each type carries are the published
contract (the AsyncAPI document reads them here).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from linli.common.domain_events import DomainEvent, EventContext

if TYPE_CHECKING:
    from .model import LedgerEntry

__all__ = [
    "DomainEvent",
    "EventContext",
    "PointsCredited",
    "PublicProfile",
    "TeamCreated",
    "TeamEvent",
    "TeamMemberJoined",
    "TeamMemberLeft",
    "VolunteerEvent",
    "VolunteerReactivated",
    "VolunteerRegistered",
    "VolunteerSuspended",
    "VolunteerUpdated",
]

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


@dataclass(frozen=True, slots=True)
class PublicProfile:
    """The non-personal profile fields other services may read (no phone, no home)."""

    volunteer_id: str
    display_name: str
    home_community_id: str
    workplace_community_id: str
    skills: tuple[str, ...]
    posts: tuple[str, ...]
    service_radius_km: float
    max_concurrent_tasks: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VolunteerRegistered:
    type: ClassVar[str] = VOLUNTEER_REGISTERED
    profile: PublicProfile
    person_id: str
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class VolunteerUpdated:
    type: ClassVar[str] = VOLUNTEER_UPDATED
    profile: PublicProfile
    changed_fields: tuple[str, ...]
    version: int
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class VolunteerSuspended:
    type: ClassVar[str] = VOLUNTEER_SUSPENDED
    volunteer_id: str
    reason: str
    version: int
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class VolunteerReactivated:
    type: ClassVar[str] = VOLUNTEER_REACTIVATED
    volunteer_id: str
    version: int
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamCreated:
    type: ClassVar[str] = TEAM_CREATED
    team_id: str
    name: str
    leader_volunteer_id: str
    focus: str
    owning_organization_id: str
    rapid_response: bool
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamMemberJoined:
    type: ClassVar[str] = TEAM_MEMBER_JOINED
    team_id: str
    volunteer_id: str
    version: int
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamMemberLeft:
    type: ClassVar[str] = TEAM_MEMBER_LEFT
    team_id: str
    volunteer_id: str
    version: int
    at: datetime
    context: EventContext


@dataclass(frozen=True, slots=True, kw_only=True)
class PointsCredited:
    """A ledger entry was written (entries are frozen values, so the entry itself is the snapshot)."""

    type: ClassVar[str] = POINTS_CREDITED
    entry: LedgerEntry
    context: EventContext


VolunteerEvent = VolunteerRegistered | VolunteerUpdated | VolunteerSuspended | VolunteerReactivated
TeamEvent = TeamCreated | TeamMemberJoined | TeamMemberLeft
