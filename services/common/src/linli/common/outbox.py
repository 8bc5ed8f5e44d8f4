"""The outbox relay: publishes the events stored inside aggregate documents, then removes them.

Order of work for one aggregate: read its pending events, send them all to Kafka and wait
for every acknowledgement (acks=all, idempotent producer), then remove exactly those events.
A crash between the send and the removal publishes them again on restart (at-least-once);
consumers deduplicate on `ce_id`. Events of one aggregate are sent in the order stored, with
the aggregate id as key, so they stay ordered on one partition.

Finding work: every AggregateStore handed to the relay passes it the events of each write, so
publishing costs no read, and removal is one `$pullAll` of exactly the published documents
(events added meanwhile stay). A scan for aggregates with events runs at start (events left by
a crash) and every `sweep_seconds` as a safety net for writes made by other processes.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaProducer

from linli.common.cloudevents import Envelope, utc_now
from linli.common.kafka_io import send_envelope
from linli.common.metrics import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PUBLISH_FAILURES
from linli.common.mongo import OUTBOX, PENDING_QUERY, AggregateStore, Document

log = logging.getLogger(__name__)

PublishedHook = Callable[[AggregateStore, Any, list[Envelope]], None]


class OutboxRelay:
    def __init__(self, producer: KafkaProducer, stores: Sequence[AggregateStore], *, poll_seconds: float = 0.5,
                 sweep_seconds: float = 60.0, batch_size: int = 500, send_timeout: float = 30.0,
                 on_published: PublishedHook | None = None) -> None:
        self.producer = producer
        self.stores = list(stores)
        self.poll_seconds = poll_seconds
        self.sweep_seconds = sweep_seconds
        self.batch_size = batch_size
        self.send_timeout = send_timeout
        self.on_published = on_published
        self._queue: dict[tuple[int, Any], tuple[AggregateStore, list[Document]]] = {}
        self._queue_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_sweep = 0.0
        for store in self.stores:
            store.notify = functools.partial(self.enqueue, store)

    # -- lifecycle -------------------------------------------------------------------------
    def enqueue(self, store: AggregateStore, aggregate_id: Any, events: list[Document]) -> None:
        """Asks the relay to publish these just-stored events of the aggregate now."""
        with self._queue_lock:
            key = (id(store), aggregate_id)
            queued = self._queue.get(key)
            self._queue[key] = (store, [*queued[1], *events] if queued else list(events))
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops after publishing what local writes queued, so a clean shutdown leaves nothing behind."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        backoff = self.poll_seconds
        while True:
            stopping = self._stopping.is_set()
            self._wake.clear()
            try:
                published = self.publish_queued()
                if time.monotonic() >= self._next_sweep and not stopping:
                    published += self.sweep()
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

    # -- work --------------------------------------------------------------------------------
    def drain_once(self) -> int:
        """Publishes everything queued and everything a sweep finds; returns the event count."""
        return self.publish_queued() + self.sweep()

    def publish_queued(self) -> int:
        with self._queue_lock:
            queued, self._queue = self._queue, {}
        batch = [(store, key[1], events) for key, (store, events) in queued.items()]
        try:
            return self._publish(batch)
        except Exception:
            with self._queue_lock:  # keep them, before anything queued meanwhile, for the next round
                for key, (store, events) in self._queue.items():
                    queued[key] = (store, [*queued[key][1], *events]) if key in queued else (store, events)
                self._queue = queued
            raise

    def sweep(self) -> int:
        """Publishes events no local write queued: left by a crash, or written by another process."""
        self._next_sweep = time.monotonic() + self.sweep_seconds
        total = 0
        for store in self.stores:
            found = store.all_pending(self.batch_size)
            with self._queue_lock:  # those queued now are published by the next round anyway
                found = [d for d in found if (id(store), d["_id"]) not in self._queue]
            total += self._publish([(store, d["_id"], d.get(OUTBOX) or []) for d in found])
        return total

    def _publish(self, batch: list[tuple[AggregateStore, Any, list[Document]]]) -> int:
        """Sends every event of the batch, waits for all acknowledgements (one flush), then
        removes them. Per aggregate, events are sent in stored order on one partition, and the
        idempotent producer keeps that order through retries."""
        sent = []
        for store, aggregate_id, stored in batch:
            events = [Envelope.from_document(raw) for raw in stored]
            sent.append((store, aggregate_id, stored, events, [send_envelope(self.producer, e) for e in events]))
        if not sent:
            return 0
        self.producer.flush(self.send_timeout)
        now = utc_now()
        total = 0
        for _, _, _, events, futures in sent:
            for event, future in zip(events, futures, strict=True):
                future.get(timeout=self.send_timeout)  # type: ignore[attr-defined]
                EVENTS_PUBLISHED.labels(event.topic).inc()
                OUTBOX_LAG.observe(max(0.0, (now - event.time).total_seconds()))
            total += len(events)
        for store, aggregate_id, stored, events, _ in sent:
            if self.on_published is not None:
                self.on_published(store, aggregate_id, events)
            if stored:
                store.remove_published(aggregate_id, stored)
        return total


def wait_until_empty(stores: Sequence[AggregateStore], timeout: float = 10.0) -> bool:
    """True once no document has pending events (used by seeding and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(store.collection.count_documents(PENDING_QUERY) == 0 for store in stores):
            return True
        time.sleep(0.05)
    return False
