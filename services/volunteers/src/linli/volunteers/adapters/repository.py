"""Stores volunteers, teams and ledger entries in MongoDB, each with its pending events (the
outbox), and the task resolutions the requests consumer keeps between "resolved" and "rated".

Domain dataclasses are mapped with `linli.common.codec`, their typed events with
`event_payloads.encode` (the protobuf JSON mapping, made as the write is made); `version`
and the outbox belong to the kit's AggregateStore (version-checked writes), so the codec
skips them. Every read and
write is by `_id` (the one filter FerretDB answers without scanning); whole collections are
read only at start, to fill the in-memory directory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pymongo.collection import Collection

from linli.common.aggregates import AggregateRepository, envelope_of
from linli.common.codec import from_document, to_document
from linli.common.errors import AlreadyExists
from linli.common.mongo import OUTBOX, OUTBOX_PENDING, AggregateStore, Document
from linli.volunteers.adapters.documents import (
    AGGREGATE_DOCUMENTS,
    LedgerEntryDocument,
    ProcessedEventDocument,
    TaskResolutionDocument,
    TeamDocument,
    VolunteerDocument,
)
from linli.volunteers.adapters.event_payloads import encode
from linli.volunteers.domain import events as ev
from linli.volunteers.domain.ledger import check_replay
from linli.volunteers.domain.model import LedgerEntry, Team, Volunteer
from linli.volunteers.domain.tasks import TaskResolution

log = logging.getLogger(__name__)

_STATE_ONLY = {OUTBOX: 0, OUTBOX_PENDING: 0}


class Repository(AggregateRepository):
    """Volunteers and teams through the kit's AggregateRepository (add, save, get, load);
    ledger entries and task resolutions below."""

    def __init__(self) -> None:
        super().__init__(
            {
                Volunteer: AggregateStore(VolunteerDocument._get_collection(), entity="volunteer"),
                Team: AggregateStore(TeamDocument._get_collection(), entity="team"),
                LedgerEntry: AggregateStore(LedgerEntryDocument._get_collection(), entity="ledger entry"),
            },
            source=ev.SOURCE,
            encode=encode,
        )
        self.resolutions: Collection[Document] = TaskResolutionDocument._get_collection()
        self.processed: Collection[Document] = ProcessedEventDocument._get_collection()

    @staticmethod
    def ensure_indexes() -> None:
        for document in AGGREGATE_DOCUMENTS:
            document.ensure_indexes()

    # -- ledger --------------------------------------------------------------------------------
    def append_entry(self, entry: LedgerEntry, event: object) -> tuple[LedgerEntry, bool]:
        """Appends an entry with its PointsCredited event in one write.

        Returns (the stored entry, True) when written now, or (the entry stored before, False)
        when an entry with this id exists and carries the same credit (a replayed event or a
        retried correction). A stored entry with other amounts is a Conflict (check_replay).
        """
        document = {"_id": entry.id, **to_document(entry, skip={"id"})}
        try:
            self.stores[LedgerEntry].insert(document, [envelope_of(self.encode(event), self.source)])
        except AlreadyExists:
            existing = self.get_entry(entry.id)
            if existing is None:  # the unique key hit was not the id: nothing else is unique here
                raise
            check_replay(existing, entry)
            return existing, False
        return entry, True

    def get_entry(self, entry_id: str) -> LedgerEntry | None:
        found = self.stores[LedgerEntry].collection.find_one({"_id": entry_id}, _STATE_ONLY)
        return None if found is None else _decode_entry(found)

    def load_entries(self) -> Iterator[LedgerEntry]:
        for found in self.stores[LedgerEntry].collection.find({}, _STATE_ONLY):
            yield _decode_entry(found)

    # -- task resolutions (requests consumer) -----------------------------------------------------
    def put_resolution(self, resolution: TaskResolution) -> None:
        """Remembers a resolved request until it is rated (the latest resolution wins)."""
        document = to_document(resolution)
        self.resolutions.replace_one(
            {"_id": resolution.request_id}, {"_id": resolution.request_id, **document}, upsert=True
        )

    def get_resolution(self, request_id: str) -> TaskResolution | None:
        found = self.resolutions.find_one({"_id": request_id})
        return None if found is None else from_document(TaskResolution, found)


def _decode_entry(document: Document) -> LedgerEntry:
    return from_document(LedgerEntry, {**document, "id": document["_id"]})
