"""The outbox relay: publishes the events stored inside aggregate documents, then removes them.

Order of work for one aggregate: read its pending events, send them all to Kafka and wait
for every acknowledgement (acks=all, idempotent producer), then remove exactly those events.
A crash between the send and the removal publishes them again on restart (at-least-once);
consumers deduplicate on `ce_id`. Events of one aggregate are sent in the order stored, with
the aggregate id as key, so they stay ordered on one partition.

FerretDB's `$pull` only matches whole values, so removal is either a version-checked reset
(nothing was added since we read) or `$pullAll` of exactly the documents we published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer
from linli.common.cloudevents import Envelope, utc_now
from linli.common.kafka_io import send_envelope
from linli.common.metrics import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PUBLISH_FAILURES
from linli.common.mongo import OUTBOX, OUTBOX_PENDING, VERSION, Document
from pymongo.collection import Collection

log = logging.getLogger(__name__)

PublishedHook = Callable[[Collection[Document], Any, list[Envelope]], None]


class OutboxRelay:
    def __init__(self, producer: KafkaProducer, collections: Sequence[Collection[Document]], *,
                 poll_seconds: float = 0.5, batch_size: int = 200, send_timeout: float = 30.0,
                 on_published: PublishedHook | None = None) -> None:
        self.producer = producer
        self.collections = list(collections)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.send_timeout = send_timeout
        self.on_published = on_published
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def wake(self) -> None:
        """Asks the relay to look now (called after a local write stored events)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops after publishing what is pending now, so a clean shutdown leaves nothing behind."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        backoff = self.poll_seconds
        while True:
            stopping = self._stopping.is_set()
            try:
                published = self.drain_once()
                backoff = self.poll_seconds
            except Exception:
                OUTBOX_PUBLISH_FAILURES.inc()
                log.exception("outbox relay round failed; retrying")
                published = 0
                backoff = min(backoff * 2, 10.0)
                if stopping:
                    return
            if stopping:
                return
            if published == 0:
                self._wake.wait(backoff)
                self._wake.clear()

    # -- work --------------------------------------------------------------------------------
    def drain_once(self) -> int:
        """Publishes one batch per collection; returns how many events were published."""
        total = 0
        for collection in self.collections:
            pending = collection.find({OUTBOX_PENDING: True}, {OUTBOX: 1, VERSION: 1}).limit(self.batch_size)
            for document in pending:
                total += self._publish_document(collection, document)
        return total

    def _publish_document(self, collection: Collection[Document], document: Document) -> int:
        stored: list[dict[str, Any]] = document.get(OUTBOX) or []
        events = [Envelope.from_document(raw) for raw in stored]
        futures = [send_envelope(self.producer, event) for event in events]
        if futures:
            self.producer.flush(self.send_timeout)
            for future in futures:
                future.get(timeout=self.send_timeout)  # type: ignore[attr-defined]
            now = utc_now()
            for event in events:
                EVENTS_PUBLISHED.labels(event.topic).inc()
                OUTBOX_LAG.observe(max(0.0, (now - event.time).total_seconds()))
        if self.on_published is not None:
            self.on_published(collection, document["_id"], events)
        cleared = collection.update_one(
            {"_id": document["_id"], VERSION: document.get(VERSION)},
            {"$set": {OUTBOX: [], OUTBOX_PENDING: False}},
        )
        if cleared.matched_count == 0 and stored:
            # The aggregate changed while we published: remove only what we sent.
            collection.update_one({"_id": document["_id"]}, {"$pullAll": {OUTBOX: stored}})
        if events:
            log.debug("outbox published", extra={"aggregate": str(document["_id"]), "events": len(events)})
        return len(events)


def wait_until_empty(collections: Sequence[Collection[Document]], timeout: float = 10.0) -> bool:
    """True once no document has pending events (used by seeding and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(c.count_documents({OUTBOX_PENDING: True}) == 0 for c in collections):
            return True
        time.sleep(0.05)
    return False
