"""The shape every service's domain events share, and the JSON-mapping helpers that build
their payloads (protobuf's canonical JSON, as the events carry it on Kafka).

A domain appends its own typed events to an aggregate's `pending_events`; the service's
`adapters/event_payloads.py` encodes each into a `DomainEvent` (a `DomainEvent` appended
directly passes through) and the repository turns them into CloudEvents in the same write as
the change (the outbox). Event ids are derived from the change (uuid5 of type, aggregate and
version), so a republished event keeps its `ce_id`. Pure code, no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

JsonDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventContext:
    """Who caused a change, copied into every event's header (EventHeader in events.proto).
    Carried by commands so the domain never reads request metadata itself."""

    actor_person_id: str = ""
    actor_role: str = ""
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One event waiting in an aggregate's outbox.

    `subject` is the aggregate id (Kafka key and `ce_subject`); `payload` is the protobuf JSON
    mapping of the message named `message_name`; `topic` is where it is published.
    """

    id: str
    type: str
    subject: str
    time: datetime
    payload: JsonDict = field(hash=False)
    topic: str = ""
    message_name: str = ""
    #: A Kafka tombstone: published with a null value (on a compacted topic it deletes what
    #: is held for the key); `payload` is ignored.
    tombstone: bool = False


def derived_event_id(namespace: uuid.UUID, event_type: str, subject: str, *parts: object) -> str:
    """The same change always gets the same id: uuid5 of type, aggregate and `parts`."""
    return str(uuid.uuid5(namespace, "|".join([event_type, subject, *(str(p) for p in parts if p != "")])))


def timestamp_json(value: datetime) -> str:
    """RFC 3339 in UTC with a `Z` and 0, 3 or 6 fractional digits, exactly as protobuf's JSON
    printer writes a Timestamp; naive datetimes are taken to be UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    utc = aware.astimezone(UTC)
    micros = utc.microsecond
    spec = "seconds" if micros == 0 else "milliseconds" if micros % 1000 == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def optional_timestamp_json(value: datetime | None) -> str | None:
    """A Timestamp in the JSON mapping, or None (left out) when there is no time."""
    return None if value is None else timestamp_json(value)


class PointLike(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lng(self) -> float: ...


class AddressLike(Protocol):
    """The fields of `linli.v1.Address`; every service's domain has its own Address."""

    @property
    def text(self) -> str: ...
    @property
    def province(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def district(self) -> str: ...
    @property
    def street(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def point(self) -> PointLike | None: ...


def point_json(value: PointLike | None) -> JsonDict | None:
    """`linli.v1.GeoPoint`."""
    return None if value is None else {"lat": value.lat, "lng": value.lng}


def address_json(value: AddressLike | None) -> JsonDict | None:
    """`linli.v1.Address`."""
    if value is None:
        return None
    return compact(
        {
            "text": value.text,
            "province": value.province,
            "city": value.city,
            "district": value.district,
            "street": value.street,
            "detail": value.detail,
            "point": point_json(value.point),
        }
    )


def compact(values: dict[str, Any]) -> JsonDict:
    """Drops defaults (None, "", 0, False, empty lists/dicts) as the canonical mapping does."""
    return {k: v for k, v in values.items() if v not in (None, "", 0, False, [], {})}


def event_header(aggregate_version: int, context: EventContext) -> JsonDict:
    """`linli.v1.EventHeader` in the JSON mapping (int64 as a string)."""
    return compact(
        {
            "aggregateVersion": str(aggregate_version),
            "actorPersonId": context.actor_person_id,
            "actorRole": context.actor_role,
            "requestId": context.request_id,
        }
    )
