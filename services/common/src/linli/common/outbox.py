"""The outbox relay: publishes the events stored inside aggregate documents.

Order of work: every store handed to the relay (a mongo.AggregateStore, or any `OutboxStore`)
passes it the events of each write (numbered by the store's OutboxWatermark), so publishing
costs no read. A round sends what was queued, waits for every acknowledgement (acks=all,
idempotent producer), then settles those numbers. Events of one aggregate are queued under
its write lock, sent in stored order with the aggregate id as key, so they stay ordered on
one partition.

What is published is recorded as one number, not by writing each document again: the
watermark (everything numbered at or below it is published) is persisted in
`outbox_checkpoints` at most every `checkpoint_seconds` (an idle relay still wakes every
`poll_seconds` to do so) and when it stops.
On start, `recover()` queues the events stored above it (left by a crash) before the service
takes writes; they are published again, at-least-once, and consumers deduplicate on `ce_id`.
Events stored before numbering existed are published and removed right away.

Published events leave their document with the aggregate's next write. Documents not written
again are trimmed (`$pullAll` of exactly those events) once no write has come for
`trim_idle_seconds`, so the trimming never competes with a burst of work; the backlog of
documents to trim is bounded, and a document dropped from it keeps its published events
until its next write (their numbers are under the watermark, so they are not republished).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from linli.common.cloudevents import Envelope, to_kafka_record, utc_now
from linli.common.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_LAG,
    OUTBOX_PENDING_EVENTS,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_TRIMMED,
)
from linli.common.mongo import SEQ, Document, Notify
from linli.common.outbox_watermark import OutboxWatermark
from linli.common.publisher import Publisher

log = logging.getLogger(__name__)


class OutboxStore(Protocol):
    """What the relay needs of a store of aggregates with events (mongo.AggregateStore)."""

    notify: Notify  # the relay sets it: called with the events of each write, under its lock
    watermark: OutboxWatermark
    entity: str

    def load_checkpoint(self) -> int: ...
    def save_checkpoint(self, published_through: int) -> None: ...
    def unpublished(self, published_through: int) -> list[tuple[Any, list[Document]]]: ...
    def trim_published(self, aggregate_id: Any, published: list[Document]) -> None: ...


PublishedHook = Callable[[Any, Any, list[Envelope]], None]  # (store, aggregate id, events)
Key = tuple[int, Any]


class OutboxRelay:
    def __init__(
        self,
        publisher: Publisher,
        stores: Sequence[OutboxStore],
        *,
        poll_seconds: float = 0.5,
        checkpoint_seconds: float = 1.0,
        trim_idle_seconds: float = 2.0,
        trim_backlog: int = 100_000,
        on_published: PublishedHook | None = None,
        final_round_seconds: float = 5.0,
    ) -> None:
        self.publisher = publisher
        self.stores = list(stores)
        self.poll_seconds = poll_seconds
        self.checkpoint_seconds = checkpoint_seconds
        self.trim_idle_seconds = trim_idle_seconds
        self.trim_backlog = trim_backlog
        self.on_published = on_published
        self.final_round_seconds = final_round_seconds
        self._queue: dict[Key, tuple[OutboxStore, list[Document]]] = {}
        self._trim: OrderedDict[Key, tuple[OutboxStore, list[Document]]] = OrderedDict()
        self._queue_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._recovered = False
        self._saved: dict[int, int] = {}
        self._next_checkpoint = 0.0
        self._last_write = time.monotonic()
        for store in self.stores:
            store.notify = functools.partial(self.enqueue, store)

    # -- lifecycle -------------------------------------------------------------------------
    def enqueue(self, store: OutboxStore, aggregate_id: Any, events: list[Document], replaced: bool) -> None:
        """Asks the relay to publish these just-stored events of the aggregate now."""
        key = (id(store), aggregate_id)
        with self._queue_lock:
            self._last_write = time.monotonic()
            if replaced:
                self._trim.pop(key, None)  # that write dropped the published events already
            if events:
                queued = self._queue.get(key)
                self._queue[key] = (store, [*queued[1], *events] if queued else list(events))
        if events:
            self._wake.set()

    def start(self) -> None:
        """Recovers what a crash left unpublished (before the service takes writes), then runs."""
        self.recover()
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stops after publishing what local writes queued and persisting the watermark, so a
        clean shutdown leaves nothing to republish.

        The last round gets `final_round_seconds`: with the broker unreachable a round would
        wait for Kafka's own timeouts (about 40 s), longer than a pod's grace period. Then the
        publisher is closed, which cuts the round short; its events stay stored above the
        watermark and are published at the next start, so nothing is lost.
        """
        self._stopping.set()
        self._wake.set()
        if self._thread is None:
            return
        deadline = time.monotonic() + timeout
        self._thread.join(min(timeout, self.final_round_seconds))
        if self._thread.is_alive():
            log.warning(
                "outbox relay: last round unfinished; its events are published at the next start",
                extra={"pending": self.pending()},
            )
            self.publisher.close()
            self._thread.join(max(0.0, deadline - time.monotonic()))

    def run(self) -> None:
        backoff = self.poll_seconds
        while True:
            stopping = self._stopping.is_set()
            self._wake.clear()
            done = 0
            try:
                published = self.publish_queued()
                OUTBOX_PENDING_EVENTS.set(self.pending())
                self.save_checkpoints(force=stopping)
                done = published or (0 if stopping else self.trim(idle_only=True))
                backoff = self.poll_seconds
            except Exception:
                OUTBOX_PUBLISH_FAILURES.inc()
                if stopping:
                    log.warning("outbox relay: last round failed; its events are published at the next start")
                    self._save_on_stop()
                    return
                log.exception("outbox relay round failed; retrying")
                backoff = min(backoff * 2, 10.0)
            if stopping:
                return
            if done == 0:
                self._wake.wait(backoff)

    def _save_on_stop(self) -> None:
        """Persists what earlier rounds settled, so the next start republishes only the rest."""
        try:
            self.save_checkpoints(force=True)
        except Exception:
            log.warning("outbox relay: could not save the watermark; the next start republishes more", exc_info=True)

    # -- work --------------------------------------------------------------------------------
    def drain_once(self) -> int:
        """Recovers (once), publishes everything queued and persists the watermark; returns
        the number of events published."""
        published = self.recover() + self.publish_queued()
        self.save_checkpoints(force=True)
        return published

    def recover(self) -> int:
        """Queues the events stored above each store's persisted watermark. Events stored
        before numbering existed are published and removed here and now; returns their count."""
        if self._recovered:
            return 0
        published = 0
        for store in self.stores:
            through = store.load_checkpoint()
            store.watermark.restart_after(through)
            self._saved[id(store)] = through
            found = store.unpublished(through)
            numbered = sorted(
                (e[SEQ], aggregate_id) for aggregate_id, events in found for e in events if e.get(SEQ) is not None
            )
            for number, aggregate_id in numbered:
                store.watermark.adopt(aggregate_id, [number])
            with self._queue_lock:  # written by this process before the relay started: queued already
                queued = {e["id"] for _, events in self._queue.values() for e in events}
            unnumbered = []
            for aggregate_id, events in found:
                if any(e.get(SEQ) is None for e in events):
                    unnumbered.append((store, aggregate_id, events))
                elif fresh := [e for e in events if e["id"] not in queued]:
                    self.enqueue(store, aggregate_id, fresh, False)
            if numbered:
                log.info("outbox recovery", extra={"entity": store.entity, "events": len(numbered)})
            published += self._publish(unnumbered, trim_later=False)
            for _, aggregate_id, events in unnumbered:
                store.trim_published(aggregate_id, events)
            store.watermark.mark_recovered()
        self._recovered = True
        return published

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

    def _publish(self, batch: list[tuple[OutboxStore, Any, list[Document]]], trim_later: bool = True) -> int:
        """Sends every event of the batch and returns once Kafka acknowledged all of them (or
        raises), then settles them. Per aggregate, events are sent in stored order on one
        partition, and the idempotent producer keeps that order through retries."""
        sent = [
            (store, aggregate_id, stored, [Envelope.from_document(raw) for raw in stored])
            for store, aggregate_id, stored in batch
        ]
        records = [(event.topic, *to_kafka_record(event)) for *_, events in sent for event in events]
        if not records:
            return 0
        self.publisher.publish(records)
        now = utc_now()
        for *_, events in sent:
            for event in events:
                EVENTS_PUBLISHED.labels(event.topic).inc()
                OUTBOX_LAG.observe(max(0.0, (now - event.time).total_seconds()))
        for store, aggregate_id, stored, events in sent:
            if self.on_published is not None:
                self.on_published(store, aggregate_id, events)
            store.watermark.settle(e[SEQ] for e in stored if e.get(SEQ) is not None)
            if trim_later:
                self._remember_for_trim(store, aggregate_id, stored)
        return len(records)

    def _remember_for_trim(self, store: OutboxStore, aggregate_id: Any, stored: list[Document]) -> None:
        key = (id(store), aggregate_id)
        with self._queue_lock:
            earlier = self._trim.pop(key, None)
            self._trim[key] = (store, [*earlier[1], *stored] if earlier else stored)
            while len(self._trim) > self.trim_backlog:
                self._trim.popitem(last=False)

    def save_checkpoints(self, force: bool = False) -> None:
        """Persists each store's watermark when it moved: every `checkpoint_seconds`, or now."""
        now = time.monotonic()
        if not force and now < self._next_checkpoint:
            return
        self._next_checkpoint = now + self.checkpoint_seconds
        for store in self.stores:
            through = store.watermark.published_through()
            if through > self._saved.get(id(store), 0):
                store.save_checkpoint(through)
                self._saved[id(store)] = through

    def trim(self, limit: int = 100, *, idle_only: bool = False) -> int:
        """Removes published events from up to `limit` documents not written since; with
        `idle_only`, only once no write has come for `trim_idle_seconds`, and it stops as soon
        as new events are queued."""
        trimmed = 0
        while trimmed < limit:
            with self._queue_lock:
                if not self._trim or (
                    idle_only and (self._queue or time.monotonic() - self._last_write < self.trim_idle_seconds)
                ):
                    break
                (_, aggregate_id), (store, stored) = self._trim.popitem(last=False)
            store.trim_published(aggregate_id, stored)
            OUTBOX_TRIMMED.inc()
            trimmed += 1
        return trimmed

    def pending(self) -> int:
        """Events stored and not yet known to be published (across the stores)."""
        return sum(store.watermark.pending_count() for store in self.stores)

    def wait_until_published(self, timeout: float = 10.0) -> bool:
        """True once every event stored so far is published (used by seeding and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.02)
        return False
