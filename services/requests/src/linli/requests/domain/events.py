"""Domain events: what happened to a request or a visit plan, as typed, frozen values.

An aggregate appends its events to ``pending_events``; the repository encodes them
(``adapters.event_payloads``: protobuf's JSON mapping of the message named in
``MESSAGE_OF_TYPE``) and stores them in the same document write as the state change (outbox
in the aggregate); the relay publishes them as CloudEvents. An event captures what it needs
when it happens (``RequestFacts``: the routing facts of the request at that moment; the
typed detail values), never the mutable aggregate, because encoding happens later, at commit.

Two topics: every transition goes to ``linli.requests.v1`` (internal: person ids allowed;
free text is scrubbed of phones, e-mails and the requester's contact details when encoded),
and ``PublicRequestChanged`` goes to the redacted public feed ``linli.public.requests.v1``
that other agencies read (no names, phones, person ids or exact addresses; free text and
photos only once approved); a removal from it is followed by ``PublicRequestTombstone``.

Event ids are derived, not random: ``uuid5(type | subject | aggregate version)``, so a relay
that publishes again sends the same ``ce_id``, which is what lets consumers deduplicate.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from linli.common.domain_events import EventContext

from .model import (
    Assignee,
    Breach,
    Channel,
    Escalation,
    Meeting,
    ModerationRecord,
    Offer,
    Place,
    Request,
    ResidentGroup,
    Resolution,
    RoundTable,
    Status,
    Transfer,
    Urgency,
    VisitPlan,
)
from .publication import PublicRequest, personal_strings

__all__ = ["EventContext"]

#: CloudEvents ``source`` of everything this service publishes.
SOURCE = "/linli/requests"
#: Kafka topic of this service's events.
TOPIC = "linli.requests.v1"
#: The redacted public feed for other agencies.
PUBLIC_TOPIC = "linli.public.requests.v1"

REQUEST_SUBMITTED = "org.linli.request.submitted.v1"
REQUEST_ACCEPTED = "org.linli.request.accepted.v1"
REQUEST_REJECTED = "org.linli.request.rejected.v1"
REQUEST_DISPATCHED = "org.linli.request.dispatched.v1"
REQUEST_OFFERED = "org.linli.request.offered.v1"
OFFER_DECLINED = "org.linli.request.offer_declined.v1"
OFFER_WITHDRAWN = "org.linli.request.offer_withdrawn.v1"
OFFER_EXPIRED = "org.linli.request.offer_expired.v1"
OFFERS_EXHAUSTED = "org.linli.request.offers_exhausted.v1"
REQUEST_CLAIMED = "org.linli.request.claimed.v1"
WORK_STARTED = "org.linli.request.work_started.v1"
REQUEST_RESOLVED = "org.linli.request.resolved.v1"
REQUEST_RATED = "org.linli.request.rated.v1"
REQUEST_CLOSED = "org.linli.request.closed.v1"
REQUEST_REOPENED = "org.linli.request.reopened.v1"
REQUEST_CANCELLED = "org.linli.request.cancelled.v1"
REQUEST_TRANSFERRED = "org.linli.request.transferred.v1"
TRANSFER_ACCEPTED = "org.linli.request.transfer_accepted.v1"
TRANSFER_REFUSED = "org.linli.request.transfer_refused.v1"
DEADLINE_BREACHED = "org.linli.request.deadline_breached.v1"
REQUEST_ESCALATED = "org.linli.request.escalated.v1"
ESCALATION_ACKNOWLEDGED = "org.linli.request.escalation_acknowledged.v1"
ROUND_TABLE_STARTED = "org.linli.request.round_table_started.v1"
MEETING_RECORDED = "org.linli.request.meeting_recorded.v1"
ROUND_TABLE_CONCLUDED = "org.linli.request.round_table_concluded.v1"
REQUEST_MERGED = "org.linli.request.merged.v1"
REQUEST_MODERATED = "org.linli.request.moderated.v1"
VISIT_PLAN_SCHEDULED = "org.linli.visit_plan.scheduled.v1"
VISIT_PLAN_STOPPED = "org.linli.visit_plan.stopped.v1"
PUBLIC_REQUEST_CHANGED = "org.linli.public.request.changed.v1"

#: ce_type -> name of the protobuf message (package linli.v1) carried as the value.
MESSAGE_OF_TYPE: dict[str, str] = {
    REQUEST_SUBMITTED: "RequestSubmitted",
    REQUEST_ACCEPTED: "RequestAccepted",
    REQUEST_REJECTED: "RequestRejected",
    REQUEST_DISPATCHED: "RequestDispatched",
    REQUEST_OFFERED: "RequestOffered",
    OFFER_DECLINED: "OfferDeclined",
    OFFER_WITHDRAWN: "OfferWithdrawn",
    OFFER_EXPIRED: "OfferExpired",
    OFFERS_EXHAUSTED: "OffersExhausted",
    REQUEST_CLAIMED: "RequestClaimed",
    WORK_STARTED: "WorkStarted",
    REQUEST_RESOLVED: "RequestResolved",
    REQUEST_RATED: "RequestRated",
    REQUEST_CLOSED: "RequestClosed",
    REQUEST_REOPENED: "RequestReopened",
    REQUEST_CANCELLED: "RequestCancelled",
    REQUEST_TRANSFERRED: "RequestTransferred",
    TRANSFER_ACCEPTED: "TransferAccepted",
    TRANSFER_REFUSED: "TransferRefused",
    DEADLINE_BREACHED: "DeadlineBreached",
    REQUEST_ESCALATED: "RequestEscalated",
    ESCALATION_ACKNOWLEDGED: "EscalationAcknowledged",
    ROUND_TABLE_STARTED: "RoundTableStarted",
    MEETING_RECORDED: "MeetingRecorded",
    ROUND_TABLE_CONCLUDED: "RoundTableConcluded",
    REQUEST_MERGED: "RequestMerged",
    REQUEST_MODERATED: "RequestModerated",
    VISIT_PLAN_SCHEDULED: "VisitPlanScheduled",
    VISIT_PLAN_STOPPED: "VisitPlanStopped",
    PUBLIC_REQUEST_CHANGED: "PublicRequestChanged",
}

#: Event types published on the public feed instead of the service topic.
PUBLIC_TYPES = frozenset({PUBLIC_REQUEST_CHANGED})


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """The routing facts of a request at the moment of an event (``RequestSnapshot``: no
    text or contacts), and the requester's personal strings scrubbed from the event's text."""

    id: str
    status: Status
    category: str
    urgency: Urgency
    channel: Channel
    place: Place
    requester_person_id: str
    assignee: Assignee | None
    first_responder: Assignee | None
    followers: tuple[str, ...]
    accept_by: datetime | None
    resolve_by: datetime | None
    escalation_level: int
    version: int
    updated_at: datetime
    resident_group: ResidentGroup | None
    hidden: bool
    personal: tuple[str, ...]

    @classmethod
    def of(cls, request: Request) -> RequestFacts:
        return cls(
            id=request.id,
            status=request.status,
            category=request.category,
            urgency=request.urgency,
            channel=request.channel,
            place=request.place,
            requester_person_id=request.requester.person_id,
            assignee=request.assignee,
            first_responder=request.first_responder,
            followers=tuple(sorted(request.followers)),
            accept_by=request.accept_by,
            resolve_by=request.resolve_by,
            escalation_level=request.escalation_level,
            version=request.version,
            updated_at=request.updated_at,
            resident_group=request.resident_group,
            hidden=request.moderation.hidden,
            personal=tuple(personal_strings(request)),
        )


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """An internal event about a request (topic ``linli.requests.v1``)."""

    type: ClassVar[str]
    request: RequestFacts
    context: EventContext

    @property
    def subject(self) -> str:
        return self.request.id


@dataclass(frozen=True, slots=True)
class RequestSubmitted(RequestEvent):
    type: ClassVar[str] = REQUEST_SUBMITTED
    attachment_count: int = 0
    split_from_id: str = ""


@dataclass(frozen=True, slots=True)
class RequestAccepted(RequestEvent):
    type: ClassVar[str] = REQUEST_ACCEPTED
    reclassified_from: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequestRejected(RequestEvent):
    type: ClassVar[str] = REQUEST_REJECTED
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RequestDispatched(RequestEvent):
    type: ClassVar[str] = REQUEST_DISPATCHED
    assignee: Assignee | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequestOffered(RequestEvent):
    type: ClassVar[str] = REQUEST_OFFERED
    offers: tuple[Offer, ...] = ()
    round: int = 0
    queued_count: int = 0


@dataclass(frozen=True, slots=True)
class OfferDeclined(RequestEvent):
    type: ClassVar[str] = OFFER_DECLINED
    volunteer_id: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OfferWithdrawn(RequestEvent):
    type: ClassVar[str] = OFFER_WITHDRAWN
    volunteer_ids: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class OfferExpired(RequestEvent):
    type: ClassVar[str] = OFFER_EXPIRED
    volunteer_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OffersExhausted(RequestEvent):
    type: ClassVar[str] = OFFERS_EXHAUSTED


@dataclass(frozen=True, slots=True)
class RequestClaimed(RequestEvent):
    type: ClassVar[str] = REQUEST_CLAIMED
    assignee: Assignee | None = None


@dataclass(frozen=True, slots=True)
class WorkStarted(RequestEvent):
    type: ClassVar[str] = WORK_STARTED
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequestResolved(RequestEvent):
    type: ClassVar[str] = REQUEST_RESOLVED
    resolution: Resolution | None = None


@dataclass(frozen=True, slots=True)
class RequestRated(RequestEvent):
    type: ClassVar[str] = REQUEST_RATED
    stars: int = 0
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RequestClosed(RequestEvent):
    type: ClassVar[str] = REQUEST_CLOSED
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequestReopened(RequestEvent):
    type: ClassVar[str] = REQUEST_REOPENED
    reason: str = ""
    reopen_count: int = 0
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class RequestCancelled(RequestEvent):
    type: ClassVar[str] = REQUEST_CANCELLED
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RequestTransferred(RequestEvent):
    type: ClassVar[str] = REQUEST_TRANSFERRED
    transfer: Transfer | None = None


@dataclass(frozen=True, slots=True)
class TransferAccepted(RequestEvent):
    type: ClassVar[str] = TRANSFER_ACCEPTED
    transfer: Transfer | None = None


@dataclass(frozen=True, slots=True)
class TransferRefused(RequestEvent):
    type: ClassVar[str] = TRANSFER_REFUSED
    transfer: Transfer | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DeadlineBreached(RequestEvent):
    type: ClassVar[str] = DEADLINE_BREACHED
    breach: Breach | None = None


@dataclass(frozen=True, slots=True)
class RequestEscalated(RequestEvent):
    type: ClassVar[str] = REQUEST_ESCALATED
    escalation: Escalation | None = None


@dataclass(frozen=True, slots=True)
class EscalationAcknowledged(RequestEvent):
    type: ClassVar[str] = ESCALATION_ACKNOWLEDGED
    escalation: Escalation | None = None


@dataclass(frozen=True, slots=True)
class RoundTableStarted(RequestEvent):
    type: ClassVar[str] = ROUND_TABLE_STARTED
    round_table: RoundTable | None = None


@dataclass(frozen=True, slots=True)
class MeetingRecorded(RequestEvent):
    type: ClassVar[str] = MEETING_RECORDED
    meeting: Meeting | None = None


@dataclass(frozen=True, slots=True)
class RoundTableConcluded(RequestEvent):
    type: ClassVar[str] = ROUND_TABLE_CONCLUDED
    round_table: RoundTable | None = None


@dataclass(frozen=True, slots=True)
class RequestMerged(RequestEvent):
    type: ClassVar[str] = REQUEST_MERGED
    duplicate_id: str = ""
    original_id: str = ""
    follower_person_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestModerated(RequestEvent):
    type: ClassVar[str] = REQUEST_MODERATED
    record: ModerationRecord | None = None


@dataclass(frozen=True, slots=True)
class PublicRequestChanged:
    """The public feed's event: the redacted record, or (``view`` None: hidden or rejected)
    a removal notice carrying only the id, so agencies drop what they hold."""

    type: ClassVar[str] = PUBLIC_REQUEST_CHANGED
    request_id: str
    version: int
    updated_at: datetime
    view: PublicRequest | None
    change: str
    context: EventContext

    @property
    def subject(self) -> str:
        return self.request_id


@dataclass(frozen=True, slots=True)
class PublicRequestTombstone:
    """Follows a removal notice on the public feed: a record with the request id as key and
    a null value, so the compacted topic forgets everything it held for the request."""

    type: ClassVar[str] = PUBLIC_REQUEST_CHANGED
    request_id: str
    version: int
    updated_at: datetime

    @property
    def subject(self) -> str:
        return self.request_id


def plan_snapshot(plan: VisitPlan) -> VisitPlan:
    """A private copy of the plan as it is now, without its outbox (its fields are values)."""
    return dataclasses.replace(plan, pending_events=[])


@dataclass(frozen=True, slots=True)
class VisitPlanEvent:
    type: ClassVar[str]
    plan: VisitPlan
    context: EventContext

    @property
    def subject(self) -> str:
        return self.plan.id


@dataclass(frozen=True, slots=True)
class VisitPlanScheduled(VisitPlanEvent):
    type: ClassVar[str] = VISIT_PLAN_SCHEDULED


@dataclass(frozen=True, slots=True)
class VisitPlanStopped(VisitPlanEvent):
    type: ClassVar[str] = VISIT_PLAN_STOPPED
    reason: str = ""


#: What an aggregate's ``pending_events`` hold.
Event = RequestEvent | PublicRequestChanged | PublicRequestTombstone | VisitPlanEvent
