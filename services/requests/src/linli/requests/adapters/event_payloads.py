"""Event payloads: the domain's typed events in protobuf's JSON mapping, built when the
repository writes them to the outbox (``encode``), and the aggregates in the same mapping
(``entrypoints.convert`` parses them into the gRPC responses: one mapping for both).

Events go to Kafka as their protobuf message (``requests.proto``) in the canonical JSON
mapping: lowerCamelCase names, enums by name, int64 as strings, timestamps as RFC 3339 UTC.
Fields left at their default are omitted, as the canonical mapping does.

Every internal event carries ``RequestSnapshot``: the routing facts consumers need (status,
category, place, requester and follower person ids, assignee, deadlines) without the text,
contact details or history; its free text is scrubbed of phones, e-mails, ID-card numbers
and the requester's contact details. The public event carries only ``PublicRequest``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from linli.common.domain_events import DomainEvent, JsonDict, derived_event_id, optional_timestamp_json
from linli.common.domain_events import address_json as address
from linli.common.domain_events import compact as _compact
from linli.common.domain_events import event_header as header
from linli.common.domain_events import point_json as point
from linli.requests.adapters.proto_enums import wire_name
from linli.requests.domain import events as ev
from linli.requests.domain.events import RequestFacts
from linli.requests.domain.model import (
    Assignee,
    Attachment,
    Breach,
    Contact,
    Escalation,
    HistoryEntry,
    Meeting,
    Moderation,
    ModerationRecord,
    Offer,
    Rating,
    Request,
    Requester,
    Resolution,
    RoundTable,
    RoundTableParty,
    TextRedaction,
    Transfer,
    VisitPlan,
)
from linli.requests.domain.publication import PublicRequest
from linli.requests.domain.scrubber import scrub

#: Timestamps in the JSON mapping, None (left out) when absent.
timestamp = optional_timestamp_json

#: Namespace for event ids (uuid5); fixed forever so ids stay stable across deployments.
EVENT_ID_NAMESPACE: Final = uuid.UUID("3c1d7a52-9e4b-5f60-8a21-6b7c0d2e4f13")


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
    """Builds an event with its derived id; ``event_type`` must be one of the domain's types."""
    if event_type not in ev.MESSAGE_OF_TYPE:
        raise ValueError(f"unknown event type {event_type!r}")
    return DomainEvent(
        id=event_id(event_type, subject, aggregate_version, discriminator),
        type=event_type,
        subject=subject,
        time=time,
        payload=payload,
        topic=ev.PUBLIC_TOPIC if event_type in ev.PUBLIC_TYPES else ev.TOPIC,
        message_name=ev.MESSAGE_OF_TYPE[event_type],
    )


# --------------------------------------------------------------------------- aggregates


def actor(person_id: str, role: str) -> JsonDict:
    """``linli.v1.Actor``."""
    return _compact({"personId": person_id, "role": role})


def contact(value: Contact | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact({"name": value.name, "phone": value.phone, "email": value.email})


def requester(value: Requester) -> JsonDict:
    return _compact({"personId": value.person_id, "contact": contact(value.contact)})


def attachment(value: Attachment) -> JsonDict:
    return _compact({"id": value.id, "url": value.url, "kind": wire_name(value.kind), "caption": value.caption})


def assignee(value: Assignee | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact({"kind": wire_name(value.kind), "id": value.id, "name": value.name})


def history_entry(value: HistoryEntry) -> JsonDict:
    return _compact(
        {
            "time": timestamp(value.at),
            "action": value.action,
            "actor": actor(value.actor_person_id, value.actor_role),
            "fromStatus": wire_name(value.from_status) if value.from_status else None,
            "toStatus": wire_name(value.to_status),
            "reason": value.reason,
            "version": str(value.version),
        }
    )


def offer(value: Offer) -> JsonDict:
    return _compact(
        {
            "volunteerId": value.volunteer_id,
            "status": wire_name(value.status),
            "offeredAt": timestamp(value.offered_at),
            "expiresAt": timestamp(value.expires_at),
            "round": value.round,
            "closedAt": timestamp(value.closed_at),
        }
    )


def transfer(value: Transfer | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact(
        {
            "to": assignee(value.to),
            "fromAssignee": assignee(value.from_assignee),
            "reason": value.reason,
            "requestedBy": actor(value.requested_by, value.requested_role),
            "requestedAt": timestamp(value.requested_at),
        }
    )


def breach(value: Breach) -> JsonDict:
    return _compact(
        {
            "kind": wire_name(value.kind),
            "deadline": timestamp(value.deadline),
            "detectedAt": timestamp(value.detected_at),
            "escalationLevel": value.escalation_level,
        }
    )


def escalation(value: Escalation) -> JsonDict:
    return _compact(
        {
            "level": value.level,
            "targetId": value.target_id,
            "departmentCode": value.department_code,
            "trigger": wire_name(value.trigger),
            "escalatedAt": timestamp(value.escalated_at),
            "acknowledgeBy": timestamp(value.acknowledge_by),
            "reason": value.reason,
            "escalatedBy": actor(value.escalated_by, value.escalated_role),
            "acknowledgedAt": timestamp(value.acknowledged_at),
            "acknowledgedBy": value.acknowledged_by,
            "note": value.note,
            "superseded": value.superseded,
        }
    )


def party(value: RoundTableParty) -> JsonDict:
    return _compact({"kind": wire_name(value.kind), "id": value.id, "name": value.name})


def meeting(value: Meeting) -> JsonDict:
    return _compact(
        {
            "heldAt": timestamp(value.held_at),
            "notes": value.notes,
            "attendees": list(value.attendees),
            "recordedBy": value.recorded_by,
        }
    )


def round_table(value: RoundTable | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact(
        {
            "topic": value.topic,
            "startedAt": timestamp(value.started_at),
            "startedBy": value.started_by,
            "parties": [party(p) for p in value.parties],
            "meetings": [meeting(m) for m in value.meetings],
            "concludedAt": timestamp(value.concluded_at),
            "outcome": wire_name(value.outcome) if value.outcome else None,
            "summary": value.summary,
            "splitIntoIds": list(value.split_into_ids),
        }
    )


def resolution(value: Resolution | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact(
        {
            "text": value.text,
            "photos": [attachment(p) for p in value.photos],
            "hours": value.hours,
            "resolvedAt": timestamp(value.resolved_at),
            "resolvedBy": value.resolved_by,
        }
    )


def rating(value: Rating | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact({"stars": value.stars, "comment": value.comment, "ratedAt": timestamp(value.rated_at)})


def text_redaction(value: TextRedaction) -> JsonDict:
    return _compact({"field": wire_name(value.field), "start": value.start, "end": value.end})


def visibility(hidden: bool | None) -> str | None:
    """``linli.v1.ModerationVisibility`` of a moderation act (None: unchanged)."""
    if hidden is None:
        return None
    return "MODERATION_VISIBILITY_HIDE" if hidden else "MODERATION_VISIBILITY_SHOW"


def moderation_record(value: ModerationRecord) -> JsonDict:
    return _compact(
        {
            "time": timestamp(value.at),
            "actorPersonId": value.actor_person_id,
            "reason": value.reason,
            "visibility": visibility(value.hidden),
            "textRedactions": [text_redaction(r) for r in value.text_redactions],
            "attachmentIds": list(value.attachment_ids),
            "approvedFields": [wire_name(f) for f in value.approved_fields],
        }
    )


def moderation(value: Moderation) -> JsonDict:
    return _compact(
        {
            "hidden": value.hidden,
            "textRedactions": [text_redaction(r) for r in value.text_redactions],
            "redactedAttachmentIds": list(value.redacted_attachment_ids),
            "records": [moderation_record(r) for r in value.records],
            "approvedFields": [wire_name(f) for f in value.approved_fields],
            "autoPublish": value.auto_publish,
        }
    )


def request(value: Request) -> JsonDict:
    """``linli.v1.Request``: the full ledger record (personal data included)."""
    return _compact(
        {
            "id": value.id,
            "category": value.category,
            "title": value.title,
            "description": value.description,
            "address": address(value.address),
            "point": point(value.point),
            "requester": requester(value.requester),
            "residentGroup": wire_name(value.resident_group) if value.resident_group else None,
            "urgency": wire_name(value.urgency),
            "attachments": [attachment(a) for a in value.attachments],
            "channel": wire_name(value.channel),
            "status": wire_name(value.status),
            "statusReason": value.status_reason,
            "gridId": value.place.grid_id,
            "communityId": value.place.community_id,
            "streetId": value.place.street_id,
            "orgPath": list(value.place.org_path),
            "acceptBy": timestamp(value.accept_by),
            "resolveBy": timestamp(value.resolve_by),
            "submittedAt": timestamp(value.submitted_at),
            "acceptedAt": timestamp(value.accepted_at),
            "acceptedBy": value.accepted_by,
            "resolvedAt": timestamp(value.resolved_at),
            "closedAt": timestamp(value.closed_at),
            "firstResponder": assignee(value.first_responder),
            "assignee": assignee(value.assignee),
            "offers": [offer(o) for o in value.offers],
            "pendingTransfer": transfer(value.pending_transfer),
            "escalations": [escalation(e) for e in value.escalations],
            "breaches": [breach(b) for b in value.breaches],
            "roundTable": round_table(value.round_table),
            "resolution": resolution(value.resolution),
            "rating": rating(value.rating),
            "history": [history_entry(h) for h in value.history],
            "followerPersonIds": sorted(value.followers),
            "mergedIntoId": value.merged_into_id,
            "duplicateIds": list(value.duplicate_ids),
            "splitFromId": value.split_from_id,
            "moderation": moderation(value.moderation) or None,
            "visitPlanId": value.visit_plan_id,
            "visitSlot": timestamp(value.visit_slot),
            "reopenCount": value.reopen_count,
            "version": str(value.version),
            "updatedAt": timestamp(value.updated_at),
            "escalationLevel": value.escalation_level,
            "queuedCandidateIds": list(value.offer_queue),
        }
    )


def snapshot(value: RequestFacts) -> JsonDict:
    """``linli.v1.RequestSnapshot``: routing facts for consumers, no text or contacts."""
    return _compact(
        {
            "id": value.id,
            "status": wire_name(value.status),
            "category": value.category,
            "urgency": wire_name(value.urgency),
            "channel": wire_name(value.channel),
            "gridId": value.place.grid_id,
            "communityId": value.place.community_id,
            "streetId": value.place.street_id,
            "orgPath": list(value.place.org_path),
            "requesterPersonId": value.requester_person_id,
            "assignee": assignee(value.assignee),
            "firstResponder": assignee(value.first_responder),
            "followerPersonIds": list(value.followers),
            "acceptBy": timestamp(value.accept_by),
            "resolveBy": timestamp(value.resolve_by),
            "escalationLevel": value.escalation_level,
            "version": str(value.version),
            "updatedAt": timestamp(value.updated_at),
            "residentGroup": wire_name(value.resident_group) if value.resident_group else None,
            "hidden": value.hidden,
        }
    )


def public_request(value: PublicRequest) -> JsonDict:
    """``linli.v1.PublicRequest``."""
    return _compact(
        {
            "id": value.id,
            "category": value.category,
            "title": value.title,
            "description": value.description,
            "status": wire_name(value.status),
            "urgency": wire_name(value.urgency),
            "channel": wire_name(value.channel),
            "gridId": value.grid_id,
            "communityId": value.community_id,
            "streetId": value.street_id,
            "submittedAt": timestamp(value.submitted_at),
            "resolveBy": timestamp(value.resolve_by),
            "acceptedAt": timestamp(value.accepted_at),
            "resolvedAt": timestamp(value.resolved_at),
            "closedAt": timestamp(value.closed_at),
            "resultText": value.result_text,
            "photos": [_compact({"id": p.id, "url": p.url}) for p in value.photos],
            "ratingStars": value.rating_stars,
            "onTime": value.on_time,
            "escalated": value.escalated,
            "mergedIntoId": value.merged_into_id,
            "version": str(value.version),
            "textWithheld": value.text_withheld,
        }
    )


def public_as_request(value: PublicRequest) -> JsonDict:
    """``linli.v1.Request`` carrying only the public view's fields (``publicViewOnly``): what
    a caller who may see only the public record (a follower) gets from GetRequest."""
    resolution_body = _compact(
        {
            "text": value.result_text,
            "photos": [_compact({"id": p.id, "url": p.url, "kind": "ATTACHMENT_KIND_PHOTO"}) for p in value.photos],
            "resolvedAt": timestamp(value.resolved_at),
        }
    )
    return _compact(
        {
            "id": value.id,
            "category": value.category,
            "title": value.title,
            "description": value.description,
            "urgency": wire_name(value.urgency),
            "channel": wire_name(value.channel),
            "status": wire_name(value.status),
            "gridId": value.grid_id,
            "communityId": value.community_id,
            "streetId": value.street_id,
            "resolveBy": timestamp(value.resolve_by),
            "submittedAt": timestamp(value.submitted_at),
            "acceptedAt": timestamp(value.accepted_at),
            "resolvedAt": timestamp(value.resolved_at),
            "closedAt": timestamp(value.closed_at),
            "resolution": resolution_body if value.result_text or value.photos else None,
            "rating": {"stars": value.rating_stars} if value.rating_stars else None,
            "mergedIntoId": value.merged_into_id,
            "version": str(value.version),
            "publicViewOnly": True,
        }
    )


def visit_plan(value: VisitPlan) -> JsonDict:
    """``linli.v1.VisitPlan``."""
    return _compact(
        {
            "id": value.id,
            "residentGroup": wire_name(value.resident_group),
            "cadence": wire_name(value.cadence),
            "interval": value.interval,
            "startsAt": timestamp(value.starts_at),
            "endsAt": timestamp(value.ends_at),
            "category": value.category,
            "title": value.title,
            "description": value.description,
            "residentPersonId": value.resident_person_id,
            "address": address(value.address),
            "point": point(value.point),
            "gridId": value.place.grid_id,
            "communityId": value.place.community_id,
            "streetId": value.place.street_id,
            "orgPath": list(value.place.org_path),
            "active": value.active,
            "stopReason": value.stop_reason,
            "generatedThrough": timestamp(value.generated_through),
            "createdBy": value.created_by,
            "version": str(value.version),
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
        }
    )


# --------------------------------------------------------------------------- events


#: Keys of free-text fields in event payloads: scrubbed of phone numbers, e-mails, ID-card
#: numbers and the requester's contact details before they leave the service.
FREE_TEXT_KEYS: Final = frozenset({"text", "comment", "reason", "note", "notes", "summary", "topic", "attendees"})


def _scrubbed(value: Any, known: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: (_scrub_text(v, known) if k in FREE_TEXT_KEYS else _scrubbed(v, known)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v, known) for v in value]
    return value


def _scrub_text(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, known)
    if isinstance(value, list):
        return [scrub(v, known) if isinstance(v, str) else v for v in value]
    return value


def request_event(event: ev.RequestEvent, fields: JsonDict) -> DomainEvent:
    """An internal event about a request: header, snapshot, then the event's own fields
    (lowerCamelCase; defaults are dropped; free text scrubbed: the internal topic carries
    person ids but no contact details)."""
    facts = event.request
    payload: JsonDict = {"header": header(facts.version, event.context), "request": snapshot(facts)}
    payload.update(_scrubbed(_compact(fields), list(facts.personal)))
    return make_event(event.type, facts.id, facts.version, facts.updated_at, payload)


def public_request_changed(event: ev.PublicRequestChanged) -> DomainEvent:
    """No person ids, even in the header."""
    public_header = _compact({"aggregateVersion": str(event.version), "actorRole": event.context.actor_role})
    view = event.view
    body = public_request(view) if view is not None else {"id": event.request_id, "version": str(event.version)}
    payload = _compact({"header": public_header, "request": body, "removed": view is None, "change": event.change})
    return make_event(ev.PUBLIC_REQUEST_CHANGED, event.request_id, event.version, event.updated_at, payload)


def public_tombstone(event: ev.PublicRequestTombstone) -> DomainEvent:
    """A null-valued record keyed by the request id: the compacted public topic forgets it."""
    return DomainEvent(
        id=event_id(ev.PUBLIC_REQUEST_CHANGED, event.request_id, event.version, "tombstone"),
        type=ev.PUBLIC_REQUEST_CHANGED,
        subject=event.request_id,
        time=event.updated_at,
        payload={},
        topic=ev.PUBLIC_TOPIC,
        message_name=ev.MESSAGE_OF_TYPE[ev.PUBLIC_REQUEST_CHANGED],
        tombstone=True,
    )


def visit_plan_event(event: ev.VisitPlanEvent, fields: JsonDict) -> DomainEvent:
    plan = event.plan
    payload: JsonDict = {"header": header(plan.version, event.context), "plan": visit_plan(plan)}
    payload.update(_compact(fields))
    return make_event(event.type, plan.id, plan.version, plan.updated_at, payload)


def _fields(event: Any) -> JsonDict:
    """The event's own fields, in the order of its protobuf message."""
    match event:
        case ev.RequestSubmitted():
            return {"attachmentCount": event.attachment_count, "splitFromId": event.split_from_id}
        case ev.RequestAccepted():
            return {"reclassifiedFrom": event.reclassified_from, "note": event.note}
        case ev.RequestRejected() | ev.RequestCancelled():
            return {"reason": event.reason}
        case ev.RequestDispatched():
            return {"assignee": assignee(event.assignee), "note": event.note}
        case ev.RequestOffered():
            return {"offers": [offer(o) for o in event.offers], "round": event.round, "queuedCount": event.queued_count}
        case ev.OfferDeclined():
            return {"volunteerId": event.volunteer_id, "reason": event.reason}
        case ev.OfferWithdrawn():
            return {"volunteerIds": list(event.volunteer_ids), "reason": event.reason}
        case ev.OfferExpired():
            return {"volunteerIds": list(event.volunteer_ids)}
        case ev.RequestClaimed():
            return {"assignee": assignee(event.assignee)}
        case ev.WorkStarted() | ev.RequestClosed():
            return {"note": event.note}
        case ev.RequestResolved():
            return {"resolution": resolution(event.resolution)}
        case ev.RequestRated():
            return {"stars": event.stars, "comment": event.comment}
        case ev.RequestReopened():
            return {"reason": event.reason, "reopenCount": event.reopen_count, "automatic": event.automatic}
        case ev.RequestTransferred() | ev.TransferAccepted():
            return {"transfer": transfer(event.transfer)}
        case ev.TransferRefused():
            return {"transfer": transfer(event.transfer), "reason": event.reason}
        case ev.DeadlineBreached():
            return {"breach": breach(event.breach) if event.breach else None}
        case ev.RequestEscalated() | ev.EscalationAcknowledged():
            return {"escalation": escalation(event.escalation) if event.escalation else None}
        case ev.RoundTableStarted() | ev.RoundTableConcluded():
            return {"roundTable": round_table(event.round_table)}
        case ev.MeetingRecorded():
            return {"meeting": meeting(event.meeting) if event.meeting else None}
        case ev.RequestMerged():
            return {
                "duplicateId": event.duplicate_id,
                "originalId": event.original_id,
                "followerPersonIds": list(event.follower_person_ids),
            }
        case ev.RequestModerated():
            return {"record": moderation_record(event.record) if event.record else None}
        case ev.VisitPlanStopped():
            return {"reason": event.reason}
    return {}


def encode(event: Any) -> DomainEvent:
    """The repository's encoder: a typed domain event as the outbox stores it."""
    if isinstance(event, DomainEvent):
        return event
    if isinstance(event, ev.RequestEvent):
        return request_event(event, _fields(event))
    if isinstance(event, ev.PublicRequestChanged):
        return public_request_changed(event)
    if isinstance(event, ev.PublicRequestTombstone):
        return public_tombstone(event)
    if isinstance(event, ev.VisitPlanEvent):
        return visit_plan_event(event, _fields(event))
    raise TypeError(f"no payload for event {type(event).__name__}")
