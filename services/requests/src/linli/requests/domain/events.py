"""Domain events: what changed, ready for the outbox.

An aggregate appends its events to ``pending_events``; the repository stores them in the same
document write as the state change (outbox in the aggregate), and the relay publishes them
as CloudEvents. The payload is the event's protobuf message (``linli/v1/requests.proto``) in
protobuf's JSON mapping (built in ``wire``), so the adapter only parses it, never re-derives it.

Two topics: every transition goes to ``linli.requests.v1`` (internal: person ids allowed;
free text is scrubbed of phones, e-mails and the requester's contact details), and
``PublicRequestChanged`` goes to the redacted public feed ``linli.public.requests.v1`` that
other agencies read (no names, phones, person ids or exact addresses). ``DomainEvent.topic``
says which, so the adapter routes without a table of its own.

Event ids are derived, not random: ``uuid5(type | subject | aggregate version [| discriminator])``.
A relay that crashes after publishing and publishes again sends the same ``ce_id``, which is
what lets consumers deduplicate. Every history step bumps the version, so events of one type
never share a version today (two breaches found at once are two steps); the discriminator is
there for a future change that emits two events of one type in one step.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from linli.common.domain_events import DomainEvent, EventContext, JsonDict, derived_event_id

__all__ = ["DomainEvent", "EventContext", "JsonDict", "event_id", "make_event"]

#: Namespace for event ids (uuid5); fixed forever so ids stay stable across deployments.
EVENT_ID_NAMESPACE = uuid.UUID("3c1d7a52-9e4b-5f60-8a21-6b7c0d2e4f13")

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


def event_id(event_type: str, subject: str, aggregate_version: int, discriminator: str = "") -> str:
    """Deterministic event id: the same change always gets the same ``ce_id``."""
    return derived_event_id(EVENT_ID_NAMESPACE, event_type, subject, aggregate_version, discriminator)


def make_event(
    event_type: str,
    subject: str,
    aggregate_version: int,
    time: datetime,
    payload: JsonDict,
    discriminator: str = "",
) -> DomainEvent:
    """Builds an event with its derived id; ``event_type`` must be one of the constants."""
    if event_type not in MESSAGE_OF_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    return DomainEvent(
        id=event_id(event_type, subject, aggregate_version, discriminator),
        type=event_type,
        subject=subject,
        time=time,
        payload=payload,
        topic=PUBLIC_TOPIC if event_type in PUBLIC_TYPES else TOPIC,
        message_name=MESSAGE_OF_TYPE[event_type],
    )
