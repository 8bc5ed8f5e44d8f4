"""Translation between protobuf messages and domain values, both directions.

Outgoing messages are built as protobuf's JSON mapping (the aggregates in the same mapping
the events carry, from ``adapters.event_payloads``; query results here) and parsed into the
message. Incoming enums are mapped by their protobuf numbers (``adapters.proto_enums``);
0 means "not given".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message

from linli.common.domain_events import JsonDict
from linli.common.domain_events import compact as _compact
from linli.common.domain_events import optional_timestamp_json as timestamp_json
from linli.common.errors import InvalidArgument
from linli.common.protojson import parse_dict
from linli.requests.adapters import event_payloads as payloads
from linli.requests.adapters.proto_enums import from_number, wire_name
from linli.requests.domain.catalogue import Catalogue, Category
from linli.requests.domain.deadlines import URGENCY_FACTORS
from linli.requests.domain.duplicates import DuplicateSuggestion
from linli.requests.domain.model import (
    Address,
    Assignee,
    AssigneeKind,
    Attachment,
    AttachmentKind,
    Contact,
    GeoPoint,
    PartyKind,
    RedactableField,
    Request,
    RoundTableParty,
    TextRedaction,
    VisitPlan,
)
from linli.requests.domain.publication import PublicRequest, public_view
from linli.requests.domain.statistics import Bucket, Metrics, PublicBoard, Statistics
from linli.v1 import common_pb2
from linli.v1 import requests_pb2 as pb

M = TypeVar("M", bound=Message)
E = TypeVar("E", bound=enum.Enum)


def parse(json_dict: dict[str, Any], message: M) -> M:
    return parse_dict(json_dict, message, ignore_unknown_fields=True)


def request_out(value: Request) -> pb.Request:
    return parse(payloads.request(value), pb.Request())


def seen_request_out(value: Request | PublicRequest) -> pb.Request:
    """The full record, or a ``Request`` with the public view's fields only
    (``public_view_only``)."""
    if isinstance(value, PublicRequest):
        return parse(payloads.public_as_request(value), pb.Request())
    return request_out(value)


def pending_publication_out(value: Request, fields: Sequence[RedactableField]) -> pb.PendingPublication:
    """A request waiting for review, with what the public would see once it is approved."""
    preview = public_view(replace(value, moderation=replace(value.moderation, auto_publish=True)))
    return parse(
        _compact(
            {
                "request": payloads.request(value),
                "preview": payloads.public_request(preview) if preview is not None else None,
                "fields": [wire_name(f) for f in fields],
            }
        ),
        pb.PendingPublication(),
    )


def plan_out(value: VisitPlan) -> pb.VisitPlan:
    return parse(payloads.visit_plan(value), pb.VisitPlan())


def suggestion_out(value: DuplicateSuggestion) -> pb.DuplicateSuggestion:
    return parse(duplicate_suggestion(value), pb.DuplicateSuggestion())


def statistics_out(value: Statistics) -> pb.Statistics:
    return parse(statistics(value), pb.Statistics())


def public_request_out(value: PublicRequest) -> pb.PublicRequest:
    return parse(payloads.public_request(value), pb.PublicRequest())


def _deadline_seconds(minutes: int, factor: float) -> int:
    return round(minutes * factor * 60)


def category(value: Category) -> JsonDict:
    """``linli.v1.Category``: the base limits and the limits at each urgency."""
    return _compact(
        {
            "code": value.code,
            "name": {"zh": value.zh, "en": value.en},
            "description": {"zh": value.description_zh, "en": value.description_en},
            "departmentCode": value.department_code,
            "defaultUrgency": wire_name(value.default_urgency),
            "acceptMinutes": value.accept_minutes,
            "resolveMinutes": value.resolve_minutes,
            "deadlines": [
                {
                    "urgency": wire_name(urgency),
                    "acceptSeconds": str(_deadline_seconds(value.accept_minutes, factor)),
                    "resolveSeconds": str(_deadline_seconds(value.resolve_minutes, factor)),
                }
                for urgency, factor in URGENCY_FACTORS.items()
            ],
            "autoPublish": value.auto_publish,
            "active": value.active,
        }
    )


def categories_out(value: Catalogue) -> pb.ListCategoriesResponse:
    """``linli.v1.ListCategoriesResponse``: categories and departments in catalogue order."""
    document = {
        "categories": [category(c) for c in value.categories.values()],
        "departments": [
            _compact({"code": d.code, "name": {"zh": d.zh, "en": d.en}, "responseMinutes": d.response_minutes})
            for d in value.departments.values()
        ],
    }
    return parse(document, pb.ListCategoriesResponse())


def public_board_out(value: PublicBoard) -> pb.PublicBoard:
    return parse(public_board(value), pb.PublicBoard())


def enum_in(kind: type[E], value: int, field: str, *, required: bool = False) -> E | None:
    if value == 0:
        if required:
            raise InvalidArgument(f"{field}: is required", field=field)
        return None
    try:
        return from_number(kind, value)
    except ValueError as exc:
        raise InvalidArgument(f"{field}: unknown value {value}", field=field) from exc


def required_enum(kind: type[E], value: int, field: str) -> E:
    found = enum_in(kind, value, field, required=True)
    assert found is not None
    return found


def enums_in(kind: type[E], values: Sequence[int], field: str) -> tuple[E, ...]:
    return tuple(required_enum(kind, v, f"{field}[{i}]") for i, v in enumerate(values))


def point(message: Message, name: str = "point") -> GeoPoint | None:
    if not message.HasField(name):
        return None
    value: common_pb2.GeoPoint = getattr(message, name)
    return GeoPoint(lat=value.lat, lng=value.lng)


def address(message: Message, name: str = "address") -> Address | None:
    if not message.HasField(name):
        return None
    value: common_pb2.Address = getattr(message, name)
    return Address(
        text=value.text,
        province=value.province,
        city=value.city,
        district=value.district,
        street=value.street,
        detail=value.detail,
        point=point(value),
    )


def contact(message: Message, name: str) -> Contact | None:
    if not message.HasField(name):
        return None
    value: common_pb2.Contact = getattr(message, name)
    return Contact(name=value.name, phone=value.phone, email=value.email)


def attachments(values: Iterable[pb.Attachment], field: str = "attachments") -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            id=a.id,
            url=a.url,
            caption=a.caption,
            kind=enum_in(AttachmentKind, a.kind, f"{field}[{i}].kind") or AttachmentKind.PHOTO,
        )
        for i, a in enumerate(values)
    )


def assignee(message: Message, name: str) -> Assignee:
    if not message.HasField(name):
        raise InvalidArgument(f"{name}: is required", field=name)
    value: pb.Assignee = getattr(message, name)
    return Assignee(kind=required_enum(AssigneeKind, value.kind, f"{name}.kind"), id=value.id, name=value.name)


def parties(values: Iterable[pb.RoundTableParty]) -> tuple[RoundTableParty, ...]:
    return tuple(
        RoundTableParty(kind=required_enum(PartyKind, p.kind, f"parties[{i}].kind"), id=p.id, name=p.name)
        for i, p in enumerate(values)
    )


def redactions(values: Iterable[pb.TextRedaction]) -> tuple[TextRedaction, ...]:
    return tuple(
        TextRedaction(
            field=required_enum(RedactableField, r.field, f"text_redactions[{i}].field"), start=r.start, end=r.end
        )
        for i, r in enumerate(values)
    )


def timestamp(message: Message, name: str, *, required: bool = False) -> datetime | None:
    if not message.HasField(name):
        if required:
            raise InvalidArgument(f"{name}: is required", field=name)
        return None
    return getattr(message, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def required_timestamp(message: Message, name: str) -> datetime:
    found = timestamp(message, name, required=True)
    assert found is not None
    return found


# -- query results in the JSON mapping ----------------------------------------------------
def duplicate_suggestion(value: DuplicateSuggestion) -> JsonDict:
    """``linli.v1.DuplicateSuggestion``."""
    body = _compact(
        {
            "requestId": value.request_id,
            "score": value.score,
            "textSimilarity": value.text_similarity,
            "submittedAt": timestamp_json(value.submitted_at),
            "status": wire_name(value.status),
            "distanceBand": value.distance_band,
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
            "periodStart": timestamp_json(value.period_start),
            "periodEnd": timestamp_json(value.period_end),
            "groupBy": [wire_name(d) for d in value.group_by],
            "overall": metrics(value.overall),
            "buckets": [bucket(b) for b in value.buckets],
        }
    )


def public_board(value: PublicBoard) -> JsonDict:
    """``linli.v1.PublicBoard``."""
    return _compact(
        {
            "scopeId": value.scope_id,
            "periodStart": timestamp_json(value.period_start),
            "periodEnd": timestamp_json(value.period_end),
            "overall": metrics(value.overall),
            "communities": [bucket(b) for b in value.communities],
            "categories": [bucket(b) for b in value.categories],
            "recentResults": [payloads.public_request(r) for r in value.recent_results],
        }
    )
