"""The consumer loop: apply each event once, commit after the effect, dead-letter poison.

- Offsets are committed only after the events before them were applied (or dead-lettered),
  so a crash replays rather than loses.
- Replays are harmless: the `ProcessedEvents` store remembers applied `ce_id`s (unique
  `_id`), and handlers whose effect is naturally idempotent may go without it.
- An event that keeps failing is retried with backoff up to `max_attempts`, then sent to
  `<topic>.dlq` with the error in its headers, and the consumer moves on. An event that is
  not a valid CloudEvent, or whose handler raises InvalidArgument, goes there at once.
- Many failures in a row, or a high failure ratio, mean the consumer or a dependency is
  broken, not the events: moving the whole stream to the DLQ would only hide that. Past the
  `DeadLetterLimit` the consumer halts instead, before dead-lettering the event that tripped
  it and without committing its offset, so the events replay once the fault is fixed and the
  service restarted. A halted consumer reports unhealthy (the runtime turns NOT_SERVING) and
  sets `linli_consumer_stopped{group}` to 1 for the alert.
- The Kafka consumer comes from `consumer_factory` (KafkaConsumer by default), so the loop
  can be tested on a fake.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from linli.common.cloudevents import Envelope, dlq_topic, from_kafka, utc_now
from linli.common.errors import InvalidArgument
from linli.common.logs import bound, event_id_var
from linli.common.metrics import CONSUMER_FAILURES, CONSUMER_HANDLE_SECONDS, CONSUMER_STOPPED, EVENTS_CONSUMED
from linli.common.mongo import Document

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], None]


class AppliedEvents(Protocol):
    """Remembers which events a group applied (ProcessedEvents, or a fake in tests)."""

    def seen(self, group: str, event_id: str) -> bool: ...
    def mark(self, group: str, envelope: Envelope) -> None: ...


class KafkaLikeConsumer(Protocol):
    """The part of kafka-python's KafkaConsumer the loop uses."""

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]: ...
    def assignment(self) -> set[Any]: ...
    def commit(self, offsets: dict[Any, Any]) -> None: ...
    def close(self, autocommit: bool) -> None: ...


class ConsumerFactory(Protocol):
    """Builds the Kafka consumer; called like KafkaConsumer(*topics, **config)."""

    def __call__(self, *topics: str, **config: Any) -> KafkaLikeConsumer: ...


@dataclasses.dataclass(frozen=True)
class DeadLetterLimit:
    """When failures stop being about single events: `consecutive` dead letters in a row, or
    more than `ratio` of the last `window` events dead-lettered (judged once `window` events
    were seen, so one early failure is not a 100% ratio)."""

    consecutive: int = 20
    ratio: float = 0.5
    window: int = 200


class _FailureTracker:
    def __init__(self, limit: DeadLetterLimit) -> None:
        self.limit = limit
        self.in_a_row = 0
        self.recent: deque[bool] = deque(maxlen=max(1, limit.window))
        self.failures_in_window = 0

    def record(self, failed: bool) -> None:
        if len(self.recent) == self.recent.maxlen and self.recent[0]:
            self.failures_in_window -= 1
        self.recent.append(failed)
        self.failures_in_window += failed
        self.in_a_row = self.in_a_row + 1 if failed else 0

    def would_trip(self) -> bool:
        """Whether one more failure would pass the limit."""
        if self.in_a_row + 1 >= self.limit.consecutive:
            return True
        window = self.recent.maxlen or 1
        if len(self.recent) + 1 < window:
            return False
        dropped = 1 if len(self.recent) == window and self.recent[0] else 0
        return (self.failures_in_window - dropped + 1) / window > self.limit.ratio


class ProcessedEvents:
    """Which events a consumer group has applied, keyed `<group>:<ce_id>`."""

    def __init__(self, collection: Collection[Document]) -> None:
        self.collection = collection

    def seen(self, group: str, event_id: str) -> bool:
        # by `_id` alone: the one filter FerretDB answers without scanning the collection
        return self.collection.find_one({"_id": f"{group}:{event_id}"}, {"_id": 1}) is not None

    def mark(self, group: str, envelope: Envelope) -> None:
        with contextlib.suppress(DuplicateKeyError):  # applied before: nothing to record
            self.collection.insert_one(
                {
                    "_id": f"{group}:{envelope.id}",
                    "type": envelope.type,
                    "subject": envelope.subject,
                    "applied_at": utc_now(),
                }
            )


class EventConsumer:
    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        processed: AppliedEvents | None,
        dlq_producer: KafkaProducer,
        max_attempts: int = 5,
        retry_backoff: float = 0.2,
        poll_timeout_ms: int = 500,
        max_poll_records: int = 100,
        client_id: str = "linli",
        dead_letter_limit: DeadLetterLimit | None = None,
        consumer_factory: ConsumerFactory = KafkaConsumer,
    ) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.topics = list(topics)
        self.handler = handler
        self.processed = processed
        self.dlq_producer = dlq_producer
        self.max_attempts = max(1, max_attempts)
        self.retry_backoff = retry_backoff
        self.poll_timeout_ms = poll_timeout_ms
        self.max_poll_records = max_poll_records
        self.client_id = client_id
        self.dead_letter_limit = dead_letter_limit or DeadLetterLimit()
        self.consumer_factory = consumer_factory
        self._failures = _FailureTracker(self.dead_letter_limit)
        self.halted = threading.Event()  # set when the dead-letter limit stopped the loop
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()  # set once partitions are assigned

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=f"consumer-{self.group_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finishes the event in hand, commits, leaves the group."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def health_name(self) -> str:
        return f"consumer:{self.group_id}"

    def healthy(self) -> bool:
        """False once the dead-letter limit halted the loop (the runtime reports NOT_SERVING)."""
        return not self.halted.is_set()

    def _new_consumer(self) -> KafkaLikeConsumer:
        return self.consumer_factory(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            client_id=self.client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_poll_records,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=300000,
        )

    def run(self) -> None:
        consumer = self._new_consumer()
        CONSUMER_STOPPED.labels(self.group_id).set(0)
        try:
            while not self._stopping.is_set():
                batch = consumer.poll(timeout_ms=self.poll_timeout_ms)
                if consumer.assignment():
                    self.ready.set()
                done: dict[TopicPartition, OffsetAndMetadata] = {}
                for partition, records in batch.items():
                    for record in records:
                        if not self._process(record):
                            break  # stopping mid-retry: leave this offset uncommitted
                        done[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                    if self._stopping.is_set():
                        break
                if done:
                    self._commit(consumer, done)
        finally:
            consumer.close(autocommit=False)

    def _commit(self, consumer: KafkaLikeConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        try:
            consumer.commit(offsets)
        except (CommitFailedError, KafkaError):
            # A rebalance took the partitions away; their new owner replays from the last
            # commit and the idempotency store keeps the replay harmless.
            log.warning("offset commit failed; events will be redelivered", exc_info=True)

    def _process(self, record: Any) -> bool:
        """Applies one record. False when stopping (or halting) before it could be applied."""
        topic = record.topic
        try:
            envelope = from_kafka(topic, record.key, record.value, record.headers or [])
        except InvalidArgument as exc:
            return self._give_up(record, exc, attempts=1)
        with bound(event_id_var, envelope.id):
            if self.processed is not None and self.processed.seen(self.group_id, envelope.id):
                EVENTS_CONSUMED.labels(self.group_id, topic, "duplicate").inc()
                self._failures.record(False)
                return True
            attempt = 0
            while True:
                attempt += 1
                started = time.perf_counter()
                try:
                    self.handler(envelope)
                    if self.processed is not None:
                        self.processed.mark(self.group_id, envelope)
                except Exception as exc:
                    CONSUMER_FAILURES.labels(self.group_id, topic).inc()
                    log.warning(
                        "event handler failed", exc_info=True, extra={"type": envelope.type, "attempt": attempt}
                    )
                    if isinstance(exc, InvalidArgument) or attempt >= self.max_attempts:
                        return self._give_up(record, exc, attempts=attempt)
                    if self._stopping.wait(min(self.retry_backoff * 2 ** (attempt - 1), 5.0)):
                        return False
                    continue
                CONSUMER_HANDLE_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)
                EVENTS_CONSUMED.labels(self.group_id, topic, "applied").inc()
                self._failures.record(False)
                return True

    def _give_up(self, record: Any, error: BaseException, attempts: int) -> bool:
        """Dead-letters the record and moves on, unless that would pass the dead-letter limit:
        then halts, leaving the record (and everything after it) uncommitted. False when halted."""
        if self._failures.would_trip():
            self.halted.set()
            self._stopping.set()
            CONSUMER_STOPPED.labels(self.group_id).set(1)
            log.critical(
                "consumer halted: too many events failing, the fault is not in the events",
                extra={
                    "topic": record.topic,
                    "offset": record.offset,
                    "error": str(error),
                    "failures_in_a_row": self._failures.in_a_row + 1,
                    "limit": dataclasses.asdict(self.dead_letter_limit),
                },
            )
            return False
        self._dead_letter(record, error, attempts=attempts)
        self._failures.record(True)
        return True

    def _dead_letter(self, record: Any, error: BaseException, attempts: int) -> None:
        headers = [
            *(record.headers or []),
            ("linli_error", f"{type(error).__name__}: {error}"[:2000].encode()),
            ("linli_attempts", str(attempts).encode()),
            ("linli_original_topic", record.topic.encode()),
            ("linli_original_partition", str(record.partition).encode()),
            ("linli_original_offset", str(record.offset).encode()),
            ("linli_consumer_group", self.group_id.encode()),
        ]
        self.dlq_producer.send(dlq_topic(record.topic), key=record.key, value=record.value, headers=headers).get(
            timeout=30
        )
        EVENTS_CONSUMED.labels(self.group_id, record.topic, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            extra={"topic": record.topic, "offset": record.offset, "error": str(error), "attempts": attempts},
        )
