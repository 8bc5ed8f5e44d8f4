"""MongoDB connection, and the versioned aggregate writes that carry the outbox.

The local MongoDB-compatible server (FerretDB) has no multi-document transactions, so a state
change and the events it produces are written in ONE document write: the aggregate document
holds its events in `outbox`, each numbered (`seq`) by the store's OutboxWatermark. The relay
(outbox.py) publishes them and settles their numbers; it does not write the document again.
Published events leave the document with the aggregate's next write (which replaces the
outbox when nothing of it is pending) or when the relay trims while idle. After a crash, the
events numbered above the persisted watermark (`outbox_checkpoints`) are published again.
Every write checks and bumps `version` (optimistic concurrency).

FerretDB v1 (SQLite) pushes down to storage only a filter that is exactly `{"_id": value}`;
any other filter, even `{"_id": x, "version": 3}`, scans the whole collection. So on FerretDB
the version check is done by reading the document by `_id` and writing it by `_id`.

FerretDB v1 also runs every update as read, modify, replace without isolation: two updates of
one document on two connections can lose one of them (even `$inc`). So every write an
AggregateStore makes (insert, versioned update, outbox trim, derived-field update) holds a
per-aggregate lock of this process, and only the owning service's process writes its
database (the watermark relies on that too). Writes to different documents run in parallel
on the connection pool. On MongoDB the version check is the update's own filter, atomic on
the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import mongoengine
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from linli.common.cloudevents import Envelope
from linli.common.errors import AlreadyExists, Conflict, NotFound
from linli.common.mongo_uri import without_database
from linli.common.outbox_watermark import OutboxWatermark

VERSION = "version"
OUTBOX = "outbox"
SEQ = "seq"
CHECKPOINTS = "outbox_checkpoints"
# Older documents may carry this flag; readers exclude it.
OUTBOX_PENDING = "outbox_pending"
# Events stored before outbox numbering: pending whenever present.
UNNUMBERED_QUERY = {"outbox.id": {"$exists": True}, "outbox.seq": {"$exists": False}}
_LOCK_STRIPES = 64

Document = dict[str, Any]
Notify = Callable[[Any, list[Document], bool], None]


def connect(uri: str, database: str, alias: str = "default", max_pool_size: int = 8) -> Database[Document]:
    """Registers a mongoengine connection and returns its pymongo database.

    Writes to one document must go through an AggregateStore (see the module docstring):
    with more than one connection, FerretDB could otherwise lose concurrent updates.
    """
    mongoengine.disconnect(alias=alias)
    client: MongoClient[Document] = mongoengine.connect(
        db=database,
        host=without_database(uri),
        alias=alias,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        maxPoolSize=max_pool_size,
    )
    return client[database]


def disconnect(alias: str = "default") -> None:
    mongoengine.disconnect(alias=alias)


def is_ferretdb(database: Database[Document]) -> bool:
    """True when the server is FerretDB (its buildInfo says so)."""
    return "ferretdbVersion" in database.client.admin.command("buildInfo")


def ping(database: Database[Document]) -> bool:
    try:
        database.command("ping")
        return True
    except Exception:
        return False


class AggregateDocument(mongoengine.Document):  # type: ignore[misc]
    """Base for mongoengine documents that are aggregates: version plus outbox fields."""

    version = mongoengine.IntField(default=0, min_value=0)
    outbox = mongoengine.ListField(mongoengine.DictField())

    # Sparse: only aggregates holding events are in it (MongoDB uses it for the start-up recovery).
    meta: ClassVar[dict[str, Any]] = {"abstract": True, "indexes": [{"fields": ["outbox.seq"], "sparse": True}]}


class AggregateStore:
    """Atomic aggregate writes with their events, on one collection.

    `notify(aggregate_id, event_documents, replaced)` is called after a write that stored
    events, so an in-process relay publishes them at once, without reading them back;
    `replaced` says the write dropped the aggregate's earlier (published) events.
    """

    def __init__(
        self,
        collection: Collection[Document],
        notify: Notify | None = None,
        entity: str = "",
        *,
        atomic_filters: bool | None = None,
    ) -> None:
        self.collection = collection
        self.notify: Notify = notify or (lambda _id, _events, _replaced: None)
        self.entity = entity or collection.name
        self.watermark = OutboxWatermark()
        self._atomic_filters = atomic_filters
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    @property
    def atomic_filters(self) -> bool:
        """Whether the server can check the version in the update's filter without a scan."""
        if self._atomic_filters is None:
            self._atomic_filters = not is_ferretdb(self.collection.database)
        return self._atomic_filters

    def lock_for(self, aggregate_id: Any) -> threading.Lock:
        return self._locks[hash(aggregate_id) % _LOCK_STRIPES]

    def insert(self, document: Mapping[str, Any], events: Sequence[Envelope] = ()) -> int:
        """Stores a new aggregate at version 1; AlreadyExists when its id or a unique key is taken."""
        aggregate_id = document["_id"]
        with self.lock_for(aggregate_id):
            outbox = self._numbered(aggregate_id, events)
            try:
                self.collection.insert_one({**document, VERSION: 1, OUTBOX: outbox})
            except BaseException as exc:
                self.watermark.settle(e[SEQ] for e in outbox)  # never stored
                if isinstance(exc, DuplicateKeyError):
                    raise AlreadyExists(
                        f"{self.entity} already exists: {_duplicate_key(exc)}", field=_duplicate_key(exc)
                    ) from exc
                raise
            if outbox:  # under the lock: one aggregate's events reach the relay in stored order
                self.notify(aggregate_id, outbox, True)
        return 1

    def _numbered(self, aggregate_id: Any, events: Sequence[Envelope]) -> list[Document]:
        numbers = self.watermark.reserve(aggregate_id, len(events))
        return [{**e.to_document(), SEQ: number} for e, number in zip(events, numbers, strict=True)]

    def update(
        self,
        aggregate_id: Any,
        expected_version: int,
        changes: Mapping[str, Any],
        events: Sequence[Envelope] = (),
        *,
        push: Mapping[str, Sequence[Any]] | None = None,
        unset: Sequence[str] = (),
    ) -> int:
        """Applies `changes` if the aggregate is still at `expected_version`; returns the new version.

        Raises NotFound when it does not exist and Conflict when someone else changed it first.
        """
        update: dict[str, Any] = {"$inc": {VERSION: 1}}
        to_set = dict(changes)
        pushes = {field: {"$each": list(values)} for field, values in (push or {}).items()}
        with self.lock_for(aggregate_id):
            # Nothing of this aggregate pending: its stored events are all published, and this
            # write drops them (no separate removal write). Otherwise, or before the relay has
            # recovered what an earlier process left, append behind them.
            replace = self.watermark.recovered and not self.watermark.has_pending(aggregate_id)
            outbox = self._numbered(aggregate_id, events)
            if replace:
                to_set[OUTBOX] = outbox
            elif outbox:
                pushes[OUTBOX] = {"$each": outbox}
            if to_set:
                update["$set"] = to_set
            if pushes:
                update["$push"] = pushes
            if unset:
                update["$unset"] = dict.fromkeys(unset, "")
            try:
                self._versioned_write(aggregate_id, expected_version, update)
            except BaseException:
                self.watermark.settle(e[SEQ] for e in outbox)
                raise
            if outbox or replace:
                self.notify(aggregate_id, outbox, replace)
        return expected_version + 1

    def _versioned_write(self, aggregate_id: Any, expected_version: int, update: Mapping[str, Any]) -> None:
        if self.atomic_filters:
            matched = self._write({"_id": aggregate_id, VERSION: expected_version}, update)
        else:
            self._check_version(aggregate_id, expected_version)
            matched = self._write({"_id": aggregate_id}, update)
        if not matched:
            self._check_version(aggregate_id, expected_version)
            raise Conflict(f"{self.entity} {aggregate_id} changed while it was written", field="expected_version")

    def _write(self, query: Mapping[str, Any], update: Mapping[str, Any]) -> int:
        try:
            return self.collection.update_one(query, update).matched_count
        except DuplicateKeyError as exc:
            raise AlreadyExists(
                f"{self.entity} conflicts on a unique key: {_duplicate_key(exc)}", field=_duplicate_key(exc)
            ) from exc

    def _check_version(self, aggregate_id: Any, expected_version: int) -> None:
        current = self.collection.find_one({"_id": aggregate_id}, {VERSION: 1})
        if current is None:
            raise NotFound(f"{self.entity} {aggregate_id} not found", field="id")
        if current[VERSION] != expected_version:
            raise Conflict(
                f"{self.entity} {aggregate_id} is at version {current[VERSION]}, not {expected_version}: "
                "reload it and try again",
                field="expected_version",
            )

    # -- the relay's side --------------------------------------------------------------------
    def load_checkpoint(self) -> int:
        """The persisted watermark: every event numbered at or below it was published."""
        found = self.collection.database[CHECKPOINTS].find_one({"_id": self.collection.name})
        return int(found["published_through"]) if found else 0

    def save_checkpoint(self, published_through: int) -> None:
        self.collection.database[CHECKPOINTS].update_one(
            {"_id": self.collection.name}, {"$set": {"published_through": published_through}}, upsert=True
        )

    def unpublished(self, published_through: int) -> list[tuple[Any, list[Document]]]:
        """Aggregates' events numbered above the watermark, or stored before numbering: a scan
        (on FerretDB the filter is not pushed down), run once at start."""
        found: dict[Any, list[Document]] = {}
        for query in ({"outbox.seq": {"$gt": published_through}}, UNNUMBERED_QUERY):
            for document in self.collection.find(query, {OUTBOX: 1}):
                found[document["_id"]] = [
                    e for e in document.get(OUTBOX) or [] if e.get(SEQ) is None or e[SEQ] > published_through
                ]
        return [(aggregate_id, events) for aggregate_id, events in found.items() if events]

    def trim_published(self, aggregate_id: Any, published: list[Document]) -> None:
        """Removes exactly these published events; events added since stay. One write, no read."""
        with self.lock_for(aggregate_id):
            self.collection.update_one({"_id": aggregate_id}, {"$pullAll": {OUTBOX: published}})

    def set_derived(self, aggregate_id: Any, changes: Mapping[str, Any]) -> None:
        """Updates fields derived from other aggregates (no version bump, no event)."""
        with self.lock_for(aggregate_id):
            self.collection.update_one({"_id": aggregate_id}, {"$set": dict(changes)})

    def get(self, aggregate_id: Any) -> Document:
        found = self.collection.find_one({"_id": aggregate_id}, {OUTBOX: 0})
        if found is None:
            raise NotFound(f"{self.entity} {aggregate_id} not found", field="id")
        return found


def _duplicate_key(exc: DuplicateKeyError) -> str:
    details = exc.details or {}
    key = details.get("keyValue") or details.get("keyPattern")
    if isinstance(key, Mapping) and key:
        return ",".join(str(k) for k in key)
    return str(details.get("errmsg", exc))[:200]
