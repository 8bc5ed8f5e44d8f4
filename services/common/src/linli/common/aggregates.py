"""Storing domain aggregates: dataclasses mapped by `linli.common.codec`, written through an
AggregateStore together with their pending domain events (the outbox).

A service's repository subclasses `AggregateRepository`, says which collection holds which
aggregate type, and how a domain event becomes a CloudEvent (its `source` and topic).

Domains append their own typed events to `pending_events`; the repository's `encode`
(the service's adapter) turns each into a `DomainEvent` with its payload in protobuf's JSON
mapping when the write is made, so the wire format lives at the edge. An event that already
is a `DomainEvent` passes through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from linli.common.cloudevents import Envelope
from linli.common.codec import from_document, to_document
from linli.common.domain_events import DomainEvent
from linli.common.mongo import OUTBOX, OUTBOX_PENDING, VERSION, AggregateStore, Document


class AggregateLike(Protocol):
    id: str
    version: int
    pending_events: list[Any]


A = TypeVar("A")

_STATE_ONLY = {OUTBOX: 0, OUTBOX_PENDING: 0}

# Stored elsewhere: `_id` is the id, the store owns `version`, the outbox owns the events.
_SKIP = frozenset({"version", "pending_events", "id"})


def envelope_of(event: DomainEvent, source: str) -> Envelope:
    return Envelope(
        id=event.id,
        source=source,
        type=event.type,
        subject=event.subject,
        time=event.time,
        data=b"" if event.tombstone else json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode(),
        topic=event.topic,
    )


def as_domain_event(event: Any) -> DomainEvent:
    """The default encoder: events that are already `DomainEvent`s."""
    if not isinstance(event, DomainEvent):
        raise TypeError(f"no encoder for event {type(event).__name__}")
    return event


class AggregateRepository:
    def __init__(
        self,
        stores: Mapping[type[Any], AggregateStore],
        source: str,
        encode: Callable[[Any], DomainEvent] = as_domain_event,
    ) -> None:
        self.stores = dict(stores)
        self.source = source
        self.encode = encode

    def _envelopes(self, aggregate: AggregateLike) -> list[Envelope]:
        return [
            envelope_of(e if isinstance(e, DomainEvent) else self.encode(e), self.source)
            for e in aggregate.pending_events
        ]

    def add(self, aggregate: AggregateLike) -> None:
        """Stores a new aggregate with its pending events in one write."""
        document = {"_id": aggregate.id, **to_document(aggregate, skip=_SKIP)}
        aggregate.version = self.stores[type(aggregate)].insert(document, self._envelopes(aggregate))
        aggregate.pending_events.clear()

    def save(self, aggregate: AggregateLike, expected_version: int) -> None:
        """Replaces the aggregate's state if it is still at `expected_version` (else Conflict)."""
        changes = to_document(aggregate, skip=_SKIP)
        aggregate.version = self.stores[type(aggregate)].update(
            aggregate.id, expected_version, changes, self._envelopes(aggregate)
        )
        aggregate.pending_events.clear()

    def get(self, kind: type[A], aggregate_id: str) -> A | None:
        found = self.stores[kind].collection.find_one({"_id": aggregate_id}, _STATE_ONLY)
        return None if found is None else decode(kind, found)

    def load(self, kind: type[A]) -> Iterator[A]:
        """Every aggregate of `kind` (a scan: for start-up)."""
        for found in self.stores[kind].collection.find({}, _STATE_ONLY):
            yield decode(kind, found)


def decode(kind: type[A], document: Document) -> A:
    aggregate = from_document(kind, {**document, "id": document["_id"]}, skip=_SKIP - {"id"})
    aggregate.version = int(document[VERSION])  # type: ignore[attr-defined]
    return aggregate
