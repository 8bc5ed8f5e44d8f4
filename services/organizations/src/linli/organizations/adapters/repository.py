"""Stores the organisation aggregates in MongoDB, each with its pending events (the outbox).

Domain dataclasses are mapped with `linli.common.codec`; `version` and the outbox belong to
the kit's AggregateStore (version-checked writes), so the codec skips them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, TypeVar

from linli.common.cloudevents import Envelope
from linli.common.codec import from_document, to_document
from linli.common.mongo import OUTBOX, OUTBOX_PENDING, VERSION, AggregateStore, Document
from linli.organizations.adapters.documents import (
    ALL_DOCUMENTS,
    GridDocument,
    OrganizationDocument,
    RoleAssignmentDocument,
    StationDocument,
    StationEventDocument,
)
from linli.organizations.domain import events as ev
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent

log = logging.getLogger(__name__)

Aggregate = Organization | Grid | Station | StationEvent | RoleAssignment
A = TypeVar("A", Organization, Grid, Station, StationEvent, RoleAssignment)

_SKIP = frozenset({"version", "pending_events", "id"})
_DOCUMENT_OF: dict[type[Any], Any] = {
    Organization: OrganizationDocument, Grid: GridDocument, Station: StationDocument,
    StationEvent: StationEventDocument, RoleAssignment: RoleAssignmentDocument,
}


def envelope_of(event: ev.DomainEvent) -> Envelope:
    return Envelope(id=event.id, source=ev.SOURCE, type=event.type, subject=event.subject, time=event.time,
                    data=json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode(),
                    topic=ev.TOPIC)


class Repository:
    def __init__(self) -> None:
        self.stores: dict[type[Any], AggregateStore] = {
            kind: AggregateStore(document._get_collection(), entity=kind.__name__)
            for kind, document in _DOCUMENT_OF.items()
        }

    @staticmethod
    def ensure_indexes() -> None:
        for document in ALL_DOCUMENTS:
            document.ensure_indexes()

    # -- writes ------------------------------------------------------------------------------
    def add(self, aggregate: Aggregate) -> None:
        """Stores a new aggregate with its pending events in one write."""
        document = {"_id": aggregate.id, **to_document(aggregate, skip=_SKIP)}
        events = [envelope_of(e) for e in aggregate.pending_events]
        aggregate.version = self.stores[type(aggregate)].insert(document, events)
        aggregate.pending_events.clear()

    def save(self, aggregate: Aggregate, expected_version: int) -> None:
        """Replaces the aggregate's state if it is still at `expected_version` (else Conflict)."""
        changes = to_document(aggregate, skip=_SKIP)
        events = [envelope_of(e) for e in aggregate.pending_events]
        aggregate.version = self.stores[type(aggregate)].update(aggregate.id, expected_version, changes, events)
        aggregate.pending_events.clear()

    def set_path(self, org_id: str, path: tuple[str, ...]) -> None:
        """Rewrites a descendant's materialised path after a move. Derived data: no version
        bump and no event (the Moved event of the moved organisation carries the change)."""
        self.stores[Organization].collection.update_one({"_id": org_id}, {"$set": {"path": list(path)}})

    # -- reads -------------------------------------------------------------------------------
    def get(self, kind: type[A], aggregate_id: str) -> A | None:
        found = self.stores[kind].collection.find_one({"_id": aggregate_id}, {OUTBOX: 0, OUTBOX_PENDING: 0})
        return None if found is None else _decode(kind, found)

    def load(self, kind: type[A]) -> Iterator[A]:
        for found in self.stores[kind].collection.find({}, {OUTBOX: 0, OUTBOX_PENDING: 0}):
            yield _decode(kind, found)

    def load_organizations(self) -> list[Organization]:
        """Every organisation, with paths repaired from the parent links.

        `parent_id` is written atomically with the Moved event; descendants' paths are
        rewritten after it. A crash in between leaves stale paths, which this repairs.
        """
        orgs = {org.id: org for org in self.load(Organization)}
        children: dict[str, list[Organization]] = {}
        for org in orgs.values():
            children.setdefault(org.parent_id or "", []).append(org)
        queue: list[tuple[Organization, tuple[str, ...]]] = [(org, ()) for org in children.get("", [])]
        repaired = 0
        while queue:
            org, path = queue.pop()
            if org.path != path:
                org.path = path
                self.set_path(org.id, path)
                repaired += 1
            queue.extend((child, (*path, org.id)) for child in children.get(org.id, []))
        if repaired:
            log.warning("repaired materialised paths after an interrupted move", extra={"count": repaired})
        return list(orgs.values())


def _decode(kind: type[A], document: Document) -> A:
    aggregate = from_document(kind, {**document, "id": document["_id"]}, skip=_SKIP - {"id"})
    aggregate.version = int(document[VERSION])
    return aggregate
