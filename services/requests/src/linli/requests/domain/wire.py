"""Aggregates in protobuf's JSON mapping, and the builders of their events.

Events go to Kafka as their protobuf message (``requests.proto``) in the canonical JSON
mapping: lowerCamelCase names, enums by name, int64 as strings, timestamps as RFC 3339 UTC.
Building that shape here, from the domain, means the outbox stores exactly what will be
published, and the gRPC adapter can produce responses with ``json_format.ParseDict`` from
the same functions (the unit tests parse every event into its message when the generated
code is present). Fields left at their default are omitted, as the canonical mapping does.

Every internal event carries ``RequestSnapshot``: the routing facts consumers need (status,
category, place, requester and follower person ids, assignee, deadlines) without the text,
contact details or history. The public event carries only ``PublicRequest``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linli.common.domain_events import address_json as address
from linli.common.domain_events import compact as _compact
from linli.common.domain_events import event_header as header
from linli.common.domain_events import optional_timestamp_json
from linli.common.domain_events import point_json as point

from . import events as ev
from .events import DomainEvent, EventContext, JsonDict
from .model import (
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
from .publication import PublicRequest, personal_strings, scrub

#: Timestamps in the JSON mapping, None (left out) when absent; used across the domain.
timestamp = optional_timestamp_json

if TYPE_CHECKING:  # statistics and duplicates import this module; annotations only
    from .duplicates import DuplicateSuggestion
    from .statistics import Bucket, Metrics, PublicBoard, Statistics


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
    return _compact({"id": value.id, "url": value.url, "kind": value.kind.wire_name, "caption": value.caption})


def assignee(value: Assignee | None) -> JsonDict | None:
    if value is None:
        return None
    return _compact({"kind": value.kind.wire_name, "id": value.id, "name": value.name})


def history_entry(value: HistoryEntry) -> JsonDict:
    return _compact(
        {
            "time": timestamp(value.at),
            "action": value.action,
            "actor": actor(value.actor_person_id, value.actor_role),
            "fromStatus": value.from_status.wire_name if value.from_status else None,
            "toStatus": value.to_status.wire_name,
            "reason": value.reason,
            "version": str(value.version),
        }
    )


def offer(value: Offer) -> JsonDict:
    return _compact(
        {
            "volunteerId": value.volunteer_id,
            "status": value.status.wire_name,
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
            "kind": value.kind.wire_name,
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
            "trigger": value.trigger.wire_name,
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
    return _compact({"kind": value.kind.wire_name, "id": value.id, "name": value.name})


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
            "outcome": value.outcome.wire_name if value.outcome else None,
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
    return _compact({"field": value.field.wire_name, "start": value.start, "end": value.end})


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
        }
    )


def moderation(value: Moderation) -> JsonDict:
    return _compact(
        {
            "hidden": value.hidden,
            "textRedactions": [text_redaction(r) for r in value.text_redactions],
            "redactedAttachmentIds": list(value.redacted_attachment_ids),
            "records": [moderation_record(r) for r in value.records],
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
            "residentGroup": value.resident_group.wire_name if value.resident_group else None,
            "urgency": value.urgency.wire_name,
            "attachments": [attachment(a) for a in value.attachments],
            "channel": value.channel.wire_name,
            "status": value.status.wire_name,
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


def snapshot(value: Request) -> JsonDict:
    """``linli.v1.RequestSnapshot``: routing facts for consumers, no text or contacts."""
    return _compact(
        {
            "id": value.id,
            "status": value.status.wire_name,
            "category": value.category,
            "urgency": value.urgency.wire_name,
            "channel": value.channel.wire_name,
            "gridId": value.place.grid_id,
            "communityId": value.place.community_id,
            "streetId": value.place.street_id,
            "orgPath": list(value.place.org_path),
            "requesterPersonId": value.requester.person_id,
            "assignee": assignee(value.assignee),
            "firstResponder": assignee(value.first_responder),
            "followerPersonIds": sorted(value.followers),
            "acceptBy": timestamp(value.accept_by),
            "resolveBy": timestamp(value.resolve_by),
            "escalationLevel": value.escalation_level,
            "version": str(value.version),
            "updatedAt": timestamp(value.updated_at),
            "residentGroup": value.resident_group.wire_name if value.resident_group else None,
            "hidden": value.moderation.hidden,
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
            "status": value.status.wire_name,
            "urgency": value.urgency.wire_name,
            "channel": value.channel.wire_name,
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
        }
    )


def visit_plan(value: VisitPlan) -> JsonDict:
    """``linli.v1.VisitPlan``."""
    return _compact(
        {
            "id": value.id,
            "residentGroup": value.resident_group.wire_name,
            "cadence": value.cadence.wire_name,
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


# --------------------------------------------------------------------------- event builders


#: Keys of free-text fields in event payloads: scrubbed of phone numbers, e-mails, ID-card
#: numbers and the requester's contact details before they leave the service.
FREE_TEXT_KEYS = frozenset({"text", "comment", "reason", "note", "notes", "summary", "topic", "attendees"})


def _scrubbed(value: Any, known: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (_scrub_text(v, known) if k in FREE_TEXT_KEYS else _scrubbed(v, known)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(v, known) for v in value]
    return value


def _scrub_text(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, known)
    if isinstance(value, list):
        return [scrub(v, known) if isinstance(v, str) else v for v in value]
    return value


def request_event(
    event_type: str, value: Request, ctx: EventContext, fields: JsonDict | None = None, discriminator: str = ""
) -> DomainEvent:
    """An internal event about a request: header, snapshot, then the event's own fields
    (already in JSON mapping, lowerCamelCase; defaults are dropped). Free text in the
    fields is scrubbed: the internal topic carries person ids but no contact details."""
    payload: JsonDict = {"header": header(value.version, ctx), "request": snapshot(value)}
    payload.update(_scrubbed(_compact(dict(fields or {})), personal_strings(value)))
    return ev.make_event(event_type, value.id, value.version, value.updated_at, payload, discriminator)


def public_request_changed(value: Request, view: PublicRequest | None, change: str, ctx: EventContext) -> DomainEvent:
    """The public feed's event: the redacted record, or a removal notice (hidden or rejected
    requests) carrying only the id, so agencies drop what they hold. No person ids, even in
    the header."""
    public_header = _compact({"aggregateVersion": str(value.version), "actorRole": ctx.actor_role})
    body = public_request(view) if view is not None else {"id": value.id, "version": str(value.version)}
    payload = _compact({"header": public_header, "request": body, "removed": view is None, "change": change})
    return ev.make_event(ev.PUBLIC_REQUEST_CHANGED, value.id, value.version, value.updated_at, payload)


def visit_plan_event(
    event_type: str, value: VisitPlan, ctx: EventContext, fields: JsonDict | None = None
) -> DomainEvent:
    payload: JsonDict = {"header": header(value.version, ctx), "plan": visit_plan(value)}
    payload.update(_compact(dict(fields or {})))
    return ev.make_event(event_type, value.id, value.version, value.updated_at, payload)


# --------------------------------------------------------------------------- query results


def duplicate_suggestion(value: DuplicateSuggestion) -> JsonDict:
    """``linli.v1.DuplicateSuggestion``."""
    body = _compact(
        {
            "requestId": value.request_id,
            "score": value.score,
            "textSimilarity": value.text_similarity,
            "submittedAt": timestamp(value.submitted_at),
            "status": value.status.wire_name,
        }
    )
    if value.distance_m is not None:  # optional field: present even when 0
        body["distanceMeters"] = value.distance_m
    return body


def metrics(value: Metrics) -> JsonDict:
    """``linli.v1.Metrics``; the optional medians and mean are present only when known."""
    body = _compact(
        {
            "total": str(value.total),
            "received": str(value.received),
            "solved": str(value.solved),
            "onTime": str(value.on_time),
            "rated": str(value.rated),
            "closureRate": value.closure_rate,
            "onTimeRate": value.on_time_rate,
            "satisfiedShare": value.satisfied_share,
        }
    )
    body = {k: v for k, v in body.items() if v != "0"}
    for key, optional in (
        ("medianSecondsToAccept", value.median_seconds_to_accept),
        ("medianSecondsToResolve", value.median_seconds_to_resolve),
        ("meanRating", value.mean_rating),
    ):
        if optional is not None:
            body[key] = optional
    return body


def bucket(value: Bucket) -> JsonDict:
    """``linli.v1.StatisticsBucket``."""
    return {"key": list(value.key), "metrics": metrics(value.metrics)}


def statistics(value: Statistics) -> JsonDict:
    """``linli.v1.Statistics``."""
    return _compact(
        {
            "scopeId": value.scope_id,
            "periodStart": timestamp(value.period_start),
            "periodEnd": timestamp(value.period_end),
            "groupBy": [f"STATISTICS_DIMENSION_{d.name}" for d in value.group_by],
            "overall": metrics(value.overall),
            "buckets": [bucket(b) for b in value.buckets],
        }
    )


def public_board(value: PublicBoard) -> JsonDict:
    """``linli.v1.PublicBoard``."""
    return _compact(
        {
            "scopeId": value.scope_id,
            "periodStart": timestamp(value.period_start),
            "periodEnd": timestamp(value.period_end),
            "overall": metrics(value.overall),
            "communities": [bucket(b) for b in value.communities],
            "categories": [bucket(b) for b in value.categories],
            "recentResults": [public_request(r) for r in value.recent_results],
        }
    )
