"""Value objects and aggregates of the requests service.

Two aggregates: ``Request`` (one ledger entry, 台账) and ``VisitPlan`` (a recurring care-visit
schedule that generates requests). Both are mutable dataclasses changed only through the
functions in ``lifecycle``, ``dispatch``, ``deadlines``, ``roundtable``, ``duplicates``,
``moderation`` and ``visits``; those check the state machine and the caller's rights first,
then change the aggregate, append a history entry, bump ``version`` (optimistic concurrency)
and append events to ``pending_events`` (the outbox stored with the aggregate). Value objects
are frozen and collections are tuples, so a half-applied change cannot leak through a shared
list.

Enums are plain: their members mirror the protobuf enums of ``linli/v1/requests.proto``
by name, and the adapters map them (``adapters.proto_enums``); stored documents name them.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

#: The city's local time (UTC+8; China has no daylight saving time): used for calendar
#: arithmetic (monthly visits, statistics periods). Instants are stored in UTC.
CITY_TZ = timezone(timedelta(hours=8))

# --------------------------------------------------------------------------- enums


class Status(enum.Enum):
    """Where a request is in its lifecycle (``linli.v1.RequestStatus``)."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    OFFERED = "offered"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    RATED = "rated"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    DELIBERATING = "deliberating"
    MERGED = "merged"


#: Statuses in which work is still owed: deadlines run and escalations apply.
OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.OFFERED,
        Status.CLAIMED,
        Status.IN_PROGRESS,
        Status.REOPENED,
        Status.DELIBERATING,
    }
)
#: Statuses that count as "solved" in statistics (结果 delivered).
SOLVED_STATUSES = frozenset({Status.RESOLVED, Status.RATED, Status.CLOSED})
#: Statuses that never count as received work (refused, withdrawn or folded into another).
NOT_RECEIVED_STATUSES = frozenset({Status.REJECTED, Status.CANCELLED, Status.MERGED})


class Urgency(enum.Enum):
    """How fast help is needed (``linli.v1.Urgency``); it scales the category's deadlines."""

    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"


class Channel(enum.Enum):
    """How the request came in (``linli.v1.Channel``)."""

    WEB = "web"
    OPEN311 = "open311"
    PHONE = "phone"
    GRID_PATROL = "grid_patrol"
    SCHEDULED_VISIT = "scheduled_visit"


class ResidentGroup(enum.Enum):
    """Fengxin's "five sees" groups (``linli.v1.ResidentGroup``): special groups are seen
    daily, hardship groups weekly, key groups regularly, volunteers at events, the others
    at consultations."""

    SPECIAL = "special"
    HARDSHIP = "hardship"
    KEY = "key"
    VOLUNTEER = "volunteer"
    GENERAL = "general"


class AttachmentKind(enum.Enum):
    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


class AssigneeKind(enum.Enum):
    """Who a request is dispatched to. STAFF is a staff member (e.g. a grid worker) who
    handles it in person."""

    VOLUNTEER = "volunteer"
    TEAM = "team"
    UNIT = "unit"
    DEPARTMENT = "department"
    STAFF = "staff"


class OfferStatus(enum.Enum):
    OPEN = "open"
    CLAIMED = "claimed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class DeadlineKind(enum.Enum):
    """Which time limit was breached: accepting, resolving, or a department acknowledging
    an escalation."""

    ACCEPT = "accept"
    RESOLVE = "resolve"
    ACKNOWLEDGE = "acknowledge"


class EscalationTrigger(enum.Enum):
    MANUAL = "manual"
    ACCEPT_BREACH = "accept_breach"
    RESOLVE_BREACH = "resolve_breach"
    NOT_ACKNOWLEDGED = "not_acknowledged"


class RoundTableOutcome(enum.Enum):
    RESOLVE = "resolve"
    SPLIT = "split"


class PartyKind(enum.Enum):
    """Who sits at a round-table."""

    RESIDENT = "resident"
    ORGANIZATION = "organization"
    DEPARTMENT = "department"
    UNIT = "unit"
    VOLUNTEER = "volunteer"
    OTHER = "other"


class RedactableField(enum.Enum):
    """Free-text fields a moderator may redact ranges of."""

    TITLE = "title"
    DESCRIPTION = "description"
    RESULT = "result"


class VisitCadence(enum.Enum):
    """How often a care visit recurs; MONTHLY is the "regular" cadence of key groups."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS-84 point in degrees."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as people write it. Exact addresses are personal data: they never
    leave the ledger for the public view."""

    text: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    detail: str = ""
    point: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach an anonymous requester (Open311 or phone): personal data."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked: a known person (``person_id`` from the gateway) or an anonymous contact."""

    person_id: str = ""
    contact: Contact | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A reference to a stored file (the requests service never holds the bytes)."""

    id: str
    url: str = ""
    kind: AttachmentKind = AttachmentKind.PHOTO
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Assignee:
    """Who handles a request: a volunteer, team, unit, department or staff member by id."""

    kind: AssigneeKind
    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a request belongs in the organisation tree, from organisations' LocateGrid.

    ``org_path`` is the materialised path down to the community, root first (district,
    street, community); scope checks and the escalation ladder read it.
    """

    grid_id: str = ""
    community_id: str = ""
    street_id: str = ""
    org_path: tuple[str, ...] = ()

    @property
    def scope_ids(self) -> frozenset[str]:
        """Every organisation whose scoped staff may act on a request placed here."""
        return frozenset(i for i in (self.grid_id, self.community_id, self.street_id, *self.org_path) if i)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One transition of the ledger: who, in which role, when, why. ``from_status`` is None
    for the submission itself."""

    at: datetime
    action: str
    actor_person_id: str
    actor_role: str
    from_status: Status | None
    to_status: Status
    reason: str = ""
    version: int = 0


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer of the request to one volunteer (assisted dispatch)."""

    volunteer_id: str
    offered_at: datetime
    expires_at: datetime
    status: OfferStatus = OfferStatus.OPEN
    round: int = 1
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """A handover (转单) waiting for the receiver's answer."""

    to: Assignee
    from_assignee: Assignee | None
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Breach:
    """A time limit found passed by the deadline timer."""

    kind: DeadlineKind
    deadline: datetime
    detected_at: datetime
    escalation_level: int = 0


@dataclass(frozen=True, slots=True)
class Escalation:
    """One rung of the escalation ladder ("the community blows the whistle, departments
    report"). ``target_id`` is the organisation that must acknowledge by ``acknowledge_by``;
    ``superseded`` when a later rung replaced it."""

    level: int
    target_id: str
    department_code: str
    trigger: EscalationTrigger
    escalated_at: datetime
    acknowledge_by: datetime
    reason: str = ""
    escalated_by: str = ""
    escalated_role: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    note: str = ""
    superseded: bool = False

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.acknowledged_at is None and not self.superseded


@dataclass(frozen=True, slots=True)
class RoundTableParty:
    kind: PartyKind
    id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Meeting:
    held_at: datetime
    notes: str
    attendees: tuple[str, ...] = ()
    recorded_by: str = ""


@dataclass(frozen=True, slots=True)
class RoundTable:
    """A deliberation (议事协商) the request was turned into."""

    topic: str
    started_at: datetime
    started_by: str
    parties: tuple[RoundTableParty, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    concluded_at: datetime | None = None
    outcome: RoundTableOutcome | None = None
    summary: str = ""
    split_into_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    text: str
    resolved_at: datetime
    resolved_by: str
    photos: tuple[Attachment, ...] = ()
    hours: float = 0.0


@dataclass(frozen=True, slots=True)
class Rating:
    stars: int
    rated_at: datetime
    comment: str = ""


@dataclass(frozen=True, slots=True)
class TextRedaction:
    """Characters ``[start, end)`` of a field hidden from the public view."""

    field: RedactableField
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ModerationRecord:
    """One moderation act, kept for audit."""

    at: datetime
    actor_person_id: str
    reason: str
    hidden: bool | None = None
    text_redactions: tuple[TextRedaction, ...] = ()
    attachment_ids: tuple[str, ...] = ()
    #: Fields approved for publication by this act (the text as it was then, redacted).
    approved_fields: tuple[RedactableField, ...] = ()


@dataclass(frozen=True, slots=True)
class Moderation:
    """The public-view state: hidden or not, what is redacted, what a moderator approved
    for publication, and every act.

    Free text and photos are public only once approved: ``approved_fields`` names the
    fields a dispatcher reviewed (TITLE and DESCRIPTION cover the submitted photos, RESULT
    the result photos; a new resolution clears RESULT), or ``auto_publish`` when the
    category's publication policy published everything as is when the request was
    submitted. Until then the public view carries category, grid-level place, status and
    times only.
    """

    hidden: bool = False
    text_redactions: tuple[TextRedaction, ...] = ()
    redacted_attachment_ids: tuple[str, ...] = ()
    records: tuple[ModerationRecord, ...] = ()
    approved_fields: tuple[RedactableField, ...] = ()
    auto_publish: bool = False

    def approved(self, field: RedactableField) -> bool:
        return self.auto_publish or field in self.approved_fields

    def without_approval(self, field: RedactableField) -> Moderation:
        """The state once ``field`` changed: its new text waits for a review again."""
        return replace(self, approved_fields=tuple(f for f in self.approved_fields if f is not field))


# --------------------------------------------------------------------------- aggregates


@dataclass(slots=True, kw_only=True)
class Request:
    """A request in the ledger.

    ``first_responder`` is the first handler ever assigned (首问负责); ``assignee`` is the
    current owner, changed only by an accepted transfer (or by dispatch while nobody owns
    it). ``accepted_by`` is the staff member who took it into the ledger.
    """

    id: str
    category: str
    title: str
    description: str = ""
    address: Address | None = None
    point: GeoPoint | None = None
    requester: Requester
    resident_group: ResidentGroup | None = None
    urgency: Urgency = Urgency.NORMAL
    attachments: tuple[Attachment, ...] = ()
    channel: Channel = Channel.WEB
    idempotency_key: str = ""
    #: SHA-256 of what was submitted with ``idempotency_key``: a retry with the same key
    #: and a different payload is refused (ABORTED). "" for requests stored before.
    payload_hash: str = ""
    place: Place = field(default_factory=Place)
    status: Status = Status.SUBMITTED
    status_reason: str = ""
    accept_by: datetime
    resolve_by: datetime
    submitted_at: datetime
    accepted_at: datetime | None = None
    accepted_by: str = ""
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_responder: Assignee | None = None
    assignee: Assignee | None = None
    offers: tuple[Offer, ...] = ()
    offer_queue: tuple[str, ...] = ()
    offer_batch_size: int = 0
    offer_ttl_seconds: int = 0
    offer_round: int = 0
    pending_transfer: Transfer | None = None
    escalations: tuple[Escalation, ...] = ()
    breaches: tuple[Breach, ...] = ()
    round_table: RoundTable | None = None
    resolution: Resolution | None = None
    rating: Rating | None = None
    history: tuple[HistoryEntry, ...] = ()
    followers: frozenset[str] = frozenset()
    merged_into_id: str = ""
    duplicate_ids: tuple[str, ...] = ()
    split_from_id: str = ""
    moderation: Moderation = field(default_factory=Moderation)
    visit_plan_id: str = ""
    visit_slot: datetime | None = None
    reopen_count: int = 0
    version: int = 1
    updated_at: datetime
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def location(self) -> GeoPoint | None:
        """The point, or else the address's point."""
        if self.point is not None:
            return self.point
        return None if self.address is None else self.address.point

    @property
    def open_escalation(self) -> Escalation | None:
        """The escalation waiting for acknowledgement, if any (at most one at a time)."""
        return next((e for e in reversed(self.escalations) if e.awaiting_acknowledgement), None)

    @property
    def escalation_level(self) -> int:
        """Highest rung reached so far (0: never escalated)."""
        return max((e.level for e in self.escalations), default=0)

    @property
    def open_offers(self) -> tuple[Offer, ...]:
        return tuple(o for o in self.offers if o.status is OfferStatus.OPEN)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def touch(self, now: datetime) -> None:
        """Records a change: next version, new update time."""
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class VisitPlan:
    """A recurring care visit for one resident (or household) of a resident group.

    Every slot ``starts_at + k * interval * cadence`` up to ``ends_at`` becomes a request;
    ``generated_through`` remembers how far generation got, and each slot's idempotency key
    (``visits.slot_key``) makes a repeated run harmless.
    """

    id: str
    resident_group: ResidentGroup
    cadence: VisitCadence
    interval: int = 1
    starts_at: datetime
    ends_at: datetime | None = None
    category: str
    title: str
    description: str = ""
    resident_person_id: str = ""
    address: Address | None = None
    point: GeoPoint | None = None
    place: Place = field(default_factory=Place)
    active: bool = True
    stop_reason: str = ""
    generated_through: datetime | None = None
    created_by: str = ""
    version: int = 1
    created_at: datetime
    updated_at: datetime
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now
