"""Stores deliveries, inbox entries, preferences and subscriptions in MongoDB, each with its
pending events (the outbox), through the kit's AggregateRepository and AggregateStore.

Domain dataclasses are mapped with ``linli.common.codec``; their typed events become
CloudEvents on ``linli.notifications.v1`` through ``event_payloads.encode`` as the write is
made. Every read and write is by ``_id`` (the one filter FerretDB answers without scanning);
whole collections are read only at start, to fill the in-memory read model.

Collections: ``deliveries``, ``inbox_entries``, ``preferences``, ``subscriptions``. Ids are
derived from (event, recipient, channel), so the same event arriving twice collides on
``_id`` instead of making a second entry or delivery: the consumers need no store of the
``ce_id``s they applied.

``insert_new`` is the consumers' batch write: new aggregates of one kind in one
``insert_many(ordered=False)``; the unique ``_id`` refuses those stored before (a replayed
batch), which are reported as not inserted, and the rest go in regardless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import mongoengine
from pymongo.errors import BulkWriteError

from linli.common.aggregates import AggregateRepository
from linli.common.codec import to_document
from linli.common.mongo import OUTBOX, VERSION, AggregateDocument, AggregateStore
from linli.notifications.adapters.event_payloads import SOURCE, encode
from linli.notifications.domain.model import Delivery, InboxEntry, Preferences, Subscription


class DeliveryDocument(AggregateDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "deliveries", "strict": False}


class InboxEntryDocument(AggregateDocument):
    person_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "inbox_entries", "strict": False, "indexes": ["person_id"]}


class PreferencesDocument(AggregateDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "preferences", "strict": False}


class SubscriptionDocument(AggregateDocument):
    agency_id = mongoengine.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {"collection": "subscriptions", "strict": False, "indexes": ["agency_id"]}


#: Fields stored elsewhere than in the state, as the kit's AggregateRepository does.
_NOT_STATE = frozenset({"version", "pending_events", "id"})
_DUPLICATE_KEY = 11000

AGGREGATE_DOCUMENTS = (DeliveryDocument, InboxEntryDocument, PreferencesDocument, SubscriptionDocument)


class Repository(AggregateRepository):
    """The four aggregates through the kit's AggregateRepository (add, save, get, load)."""

    def __init__(self) -> None:
        super().__init__(
            {
                Delivery: AggregateStore(DeliveryDocument._get_collection(), entity="delivery"),
                InboxEntry: AggregateStore(InboxEntryDocument._get_collection(), entity="inbox entry"),
                Preferences: AggregateStore(PreferencesDocument._get_collection(), entity="preferences"),
                Subscription: AggregateStore(SubscriptionDocument._get_collection(), entity="subscription"),
            },
            source=SOURCE,
            encode=encode,
        )

    @staticmethod
    def ensure_indexes() -> None:
        for document in AGGREGATE_DOCUMENTS:
            document.ensure_indexes()

    def insert_new(self, aggregates: Sequence[Any]) -> set[str]:
        """Stores new aggregates without events, one ``insert_many`` per kind; the ids
        inserted (an id stored before is refused by the server and left out). One with
        pending events goes through ``add`` (its outbox is numbered there)."""
        inserted: set[str] = set()
        by_kind: dict[type[Any], list[Any]] = {}
        for aggregate in aggregates:
            if aggregate.pending_events:
                self.add(aggregate)
                inserted.add(aggregate.id)
            else:
                by_kind.setdefault(type(aggregate), []).append(aggregate)
        for kind, batch in by_kind.items():
            documents = [{"_id": a.id, **to_document(a, skip=_NOT_STATE), VERSION: 1, OUTBOX: []} for a in batch]
            refused: set[int] = set()
            try:
                self.stores[kind].collection.insert_many(documents, ordered=False)
            except BulkWriteError as error:
                details = error.details or {}
                others = [e for e in details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
                if others or details.get("writeConcernErrors"):
                    raise
                refused = {int(e["index"]) for e in details.get("writeErrors", [])}
            for index, aggregate in enumerate(batch):
                if index not in refused:
                    aggregate.version = 1
                    inserted.add(aggregate.id)
        return inserted

    def find_stored(self, kind: type[Any], aggregate_id: str) -> Any:
        """The read model's fallback for what it does not hold (old entries, finished
        deliveries): one read by ``_id``."""
        return self.get(kind, aggregate_id)
