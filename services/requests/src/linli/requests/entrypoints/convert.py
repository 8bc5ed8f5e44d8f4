"""Translation between protobuf messages and domain values, both directions.

Outgoing messages are the domain's `wire` JSON (the same mapping the events carry) parsed
into the message. Incoming enums share their numbers with the domain enums; 0 means
"not given".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message

from linli.common.errors import InvalidArgument
from linli.common.protojson import parse_dict
from linli.requests.domain import wire
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
from linli.v1 import common_pb2
from linli.v1 import requests_pb2 as pb

M = TypeVar("M", bound=Message)
E = TypeVar("E", bound=enum.Enum)


def parse(json_dict: dict[str, Any], message: M) -> M:
    return parse_dict(json_dict, message, ignore_unknown_fields=True)


def request_out(value: Request) -> pb.Request:
    return parse(wire.request(value), pb.Request())


def plan_out(value: VisitPlan) -> pb.VisitPlan:
    return parse(wire.visit_plan(value), pb.VisitPlan())


def enum_in(kind: type[E], value: int, field: str, *, required: bool = False) -> E | None:
    if value == 0:
        if required:
            raise InvalidArgument(f"{field}: is required", field=field)
        return None
    try:
        return kind(value)
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
    return Address(text=value.text, province=value.province, city=value.city, district=value.district,
                   street=value.street, detail=value.detail, point=point(value))


def contact(message: Message, name: str) -> Contact | None:
    if not message.HasField(name):
        return None
    value: common_pb2.Contact = getattr(message, name)
    return Contact(name=value.name, phone=value.phone, email=value.email)


def attachments(values: Iterable[pb.Attachment], field: str = "attachments") -> tuple[Attachment, ...]:
    return tuple(
        Attachment(id=a.id, url=a.url, caption=a.caption,
                   kind=enum_in(AttachmentKind, a.kind, f"{field}[{i}].kind") or AttachmentKind.PHOTO)
        for i, a in enumerate(values)
    )


def assignee(message: Message, name: str) -> Assignee:
    if not message.HasField(name):
        raise InvalidArgument(f"{name}: is required", field=name)
    value: pb.Assignee = getattr(message, name)
    return Assignee(kind=required_enum(AssigneeKind, value.kind, f"{name}.kind"), id=value.id, name=value.name)


def parties(values: Iterable[pb.RoundTableParty]) -> tuple[RoundTableParty, ...]:
    return tuple(RoundTableParty(kind=required_enum(PartyKind, p.kind, f"parties[{i}].kind"), id=p.id, name=p.name)
                 for i, p in enumerate(values))


def redactions(values: Iterable[pb.TextRedaction]) -> tuple[TextRedaction, ...]:
    return tuple(TextRedaction(field=required_enum(RedactableField, r.field, f"text_redactions[{i}].field"),
                               start=r.start, end=r.end) for i, r in enumerate(values))


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
