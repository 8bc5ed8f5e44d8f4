"""The consumer loop: apply each event once, commit after the effect, dead-letter poison,
never die on an event.

- Offsets are committed only after the events before them were applied (or dead-lettered),
  so a crash replays rather than loses.
- Replays are harmless: the `ProcessedEvents` store remembers applied `ce_id`s (unique
  `_id`), and handlers whose effect is naturally idempotent may go without it. The store
  keeps `retention` (30 days by default): a TTL index where the server has one (MongoDB;
  FerretDB 1.24 refuses the option, so there a plain index on `applied_at`), and the loop
  trims older entries itself every `retention_check_seconds` either way, so the bound holds
  whatever the server does.
- Decoding is bounded before any JSON parser sees the value: at most `max_value_bytes`
  (1 MiB) and `max_depth` (64) levels of nesting, the data a JSON object. Only events from
  `allowed_sources` with a type in `allowed_types` (exact, or a prefix ending in `*`) are
  applied; both default to "any" for backward compatibility. Such an event goes to
  `<topic>.dlq` at once, with `linli_reason` (e.g. "unexpected source", "too large") and
  `linli_error` headers.
- Any exception while decoding or applying is handled, `BaseException`s such as
  `RecursionError` or `MemoryError` included (only SystemExit, KeyboardInterrupt and
  GeneratorExit pass). A failing event is retried with backoff up to `max_attempts`
  (a failing dedupe lookup or mark counts as a failed attempt), then dead-lettered;
  InvalidArgument, RecursionError and MemoryError are dead-lettered at once.
- Sending to the DLQ is retried `dlq_attempts` times with backoff (a letter too large for
  the DLQ goes again without its value, header `linli_value_omitted`). If it keeps failing,
  or past the `DeadLetterLimit` (many failures in a row, or a high failure ratio: the
  consumer or a dependency is broken, not the events), the consumer halts, without
  committing the event's offset, so it replays once the fault is fixed and the service
  restarted. A halted consumer reports unhealthy (the runtime turns NOT_SERVING) and sets
  `linli_consumer_stopped{group}` to 1 for the alert.
- The loop supervises itself: if it dies for any other reason (the broker client raising,
  a bug), it is restarted with exponential backoff (`restart_backoff` doubling up to
  `max_restart_backoff`); meanwhile `healthy()` is False, `linli_consumer_stopped` 1 and
  `linli_consumer_restarts_total{group}` counts the restarts.
- The Kafka consumer comes from `consumer_factory` (KafkaConsumer by default), so the loop
  can be tested on a fake.
- `batch_handler` (optional) takes every decoded event of a poll at once, so a handler can
  make one write per batch instead of one per event; the offsets are committed after it
  returned. If it raises, the batch is applied one event at a time through `handler` (with
  the retries and dead letters above), so a poison event costs the batch its speed, never
  its progress. Records refused before any handler are dead-lettered as they come.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from kafka.structs import OffsetAndMetadata
from pymongo.collection import Collection as MongoCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

from linli.common.cloudevents import Envelope, dlq_topic, from_kafka, utc_now
from linli.common.consumer_lag import LagSampler
from linli.common.errors import InvalidArgument
from linli.common.kafka_io import client_security
from linli.common.logs import bound, event_id_var
from linli.common.metrics import (
    CONSUMER_FAILURES,
    CONSUMER_HANDLE_SECONDS,
    CONSUMER_RESTARTS,
    CONSUMER_STOPPED,
    EVENTS_CONSUMED,
)
from linli.common.mongo import Document

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], None]
BatchHandler = Callable[[Sequence[Envelope]], None]

#: What the loop never swallows: the interpreter's own exits.
NEVER_CAUGHT = (SystemExit, KeyboardInterrupt, GeneratorExit)

DEFAULT_MAX_VALUE_BYTES = 1 << 20
DEFAULT_MAX_DEPTH = 64
DEFAULT_RETENTION = dt.timedelta(days=30)


class Reason:
    """Values of the `linli_reason` header on dead letters."""

    NOT_A_CLOUDEVENT = "not a cloudevent"
    TOO_LARGE = "too large"
    TOO_DEEP = "too deeply nested"
    INVALID_DATA = "invalid data"
    UNEXPECTED_SOURCE = "unexpected source"
    UNEXPECTED_TYPE = "unexpected type"
    UNDECODABLE = "undecodable"
    HANDLER_FAILED = "handler failed"
    DEDUPE_FAILED = "dedupe store failed"


class Rejected(InvalidArgument):
    """An event the loop refuses before its handler sees it, with the dead letter's reason."""

    def __init__(self, reason: str, message: str, *, field: str = "") -> None:
        super().__init__(message, field=field)
        self.reason = reason


class AppliedEvents(Protocol):
    """Remembers which events a group applied (ProcessedEvents, or a fake in tests). A store
    may also have `maintain()` (bound its size), which the loop then calls now and then."""

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


# A JSON string literal (possessive: linear, no backtracking), and the brackets' depth steps.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_depth(value: bytes) -> int:
    """The nesting depth of the JSON text `value`, in time linear in its length and without
    recursion (strings are skipped; for text that is not JSON, an upper bound of sorts)."""
    if value.count(b"[") + value.count(b"{") == 0:
        return 0
    brackets = _JSON_STRING.sub(b'""', value).translate(_STEP, _NOT_BRACKETS)
    # b"\x02" opens (+1), b"\x00" closes (-1)
    return max(accumulate(step - 1 for step in brackets), default=0)


def matches(value: str, patterns: Collection[str] | None) -> bool:
    """`value` is one of `patterns` (None: anything), an entry ending in `*` being a prefix."""
    if patterns is None:
        return True
    return any(value == p or (p.endswith("*") and value.startswith(p[:-1])) for p in patterns)


class ProcessedEvents:
    """Which events a consumer group has applied, keyed `<group>:<ce_id>`, kept `retention`."""

    def __init__(self, collection: MongoCollection[Document], retention: dt.timedelta = DEFAULT_RETENTION) -> None:
        self.collection = collection
        self.retention = retention
        self.ttl_index: bool | None = None  # None until ensure_retention ran

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

    def ensure_retention(self) -> bool:
        """A TTL index on `applied_at` (True), or a plain index the trim can use when the server
        refuses TTL indexes or an index of other options exists (False)."""
        try:
            self.collection.create_index(
                "applied_at", name="applied_at_ttl", expireAfterSeconds=int(self.retention.total_seconds())
            )
            self.ttl_index = True
        except PyMongoError:  # FerretDB 1.24: "expireAfterSeconds is not implemented yet"
            log.info("no TTL index for processed events; trimming them instead", exc_info=True)
            self.ttl_index = False
            with contextlib.suppress(PyMongoError):  # an index on applied_at exists already
                self.collection.create_index("applied_at", name="applied_at")
        return self.ttl_index

    def trim(self, now: dt.datetime | None = None) -> int:
        """Forgets events applied more than `retention` ago; how many."""
        cutoff = (now or utc_now()) - self.retention
        return int(self.collection.delete_many({"applied_at": {"$lt": cutoff}}).deleted_count)

    def maintain(self) -> None:
        if self.ttl_index is None:
            self.ensure_retention()
        trimmed = self.trim()
        if trimmed:
            log.info("processed events trimmed", extra={"trimmed": trimmed, "collection": self.collection.name})


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
        allowed_sources: Collection[str] | None = None,
        allowed_types: Collection[str] | None = None,
        max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        dlq_attempts: int = 5,
        dlq_backoff: float = 0.5,
        restart_backoff: float = 1.0,
        max_restart_backoff: float = 60.0,
        retention_check_seconds: float = 3600.0,
        batch_handler: BatchHandler | None = None,
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
        self.allowed_sources = frozenset(allowed_sources) if allowed_sources is not None else None
        self.allowed_types = frozenset(allowed_types) if allowed_types is not None else None
        self.max_value_bytes = max_value_bytes
        self.max_depth = max_depth
        self.dlq_attempts = max(1, dlq_attempts)
        self.dlq_backoff = dlq_backoff
        self.restart_backoff = restart_backoff
        self.max_restart_backoff = max(restart_backoff, max_restart_backoff)
        self.retention_check_seconds = retention_check_seconds
        self.batch_handler = batch_handler
        self._failures = _FailureTracker(self.dead_letter_limit)
        self.halted = threading.Event()  # set when the dead-letter limit or the DLQ stopped the loop
        self.crashed = threading.Event()  # set while the loop waits to restart after dying
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_maintenance = 0.0
        self.ready = threading.Event()  # set once partitions are assigned
        self._lag = LagSampler(group_id)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name=f"consumer-{self.group_id}", daemon=True)
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
        """False once the loop halted (dead-letter limit, DLQ unreachable), while it waits to
        restart after dying, or if its thread is gone (the runtime reports NOT_SERVING)."""
        if self.halted.is_set() or self.crashed.is_set():
            return False
        thread = self._thread
        return thread is None or thread.is_alive() or self._stopping.is_set()

    def _new_consumer(self) -> KafkaLikeConsumer:
        return self.consumer_factory(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            client_id=self.client_id,
            **client_security(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_poll_records,
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
            max_poll_interval_ms=300000,
        )

    def _supervise(self) -> None:
        """Runs the loop; restarts it with backoff whenever it dies, until stopped or halted."""
        delay = self.restart_backoff
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                self.run()
                return  # stopped or halted
            except BaseException as exc:  # this thread must not die silently, whatever killed the loop
                if self._stopping.is_set():
                    return
                self.crashed.set()
                CONSUMER_STOPPED.labels(self.group_id).set(1)
                CONSUMER_RESTARTS.labels(self.group_id).inc()
                self.restarts += 1
                if time.monotonic() - began > 10 * self.max_restart_backoff:
                    delay = self.restart_backoff  # it ran well for a while: start the backoff over
                log.error(
                    "consumer loop died; restarting",
                    exc_info=True,
                    extra={"group": self.group_id, "error": f"{type(exc).__name__}: {exc}"[:500], "in": delay},
                )
                if self._stopping.wait(delay):
                    return
                delay = min(delay * 2, self.max_restart_backoff)

    def run(self) -> None:
        consumer = self._new_consumer()
        try:
            while not self._stopping.is_set():
                batch = consumer.poll(timeout_ms=self.poll_timeout_ms)
                if self.crashed.is_set() or not self.ready.is_set():
                    self.crashed.clear()
                    CONSUMER_STOPPED.labels(self.group_id).set(0)
                if consumer.assignment():
                    self.ready.set()
                done: dict[TopicPartition, OffsetAndMetadata] = {}
                try:
                    if self.batch_handler is not None:
                        done.update(self._process_batch(batch) if batch else {})
                    else:
                        self._process_each(batch, done)
                finally:  # even when the loop dies mid-batch: what was applied stays applied
                    if done:
                        self._commit(consumer, done)
                self._maintain_store()
                self._lag.maybe_sample(consumer)
        finally:
            consumer.close(autocommit=False)

    def _process_each(self, batch: dict[Any, list[Any]], done: dict[Any, OffsetAndMetadata]) -> None:
        for partition, records in batch.items():
            for record in records:
                if not self._process(record):
                    break  # stopping or halting: leave this offset uncommitted
                done[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
            if self._stopping.is_set():
                break

    def _process_batch(self, batch: dict[Any, list[Any]]) -> dict[Any, OffsetAndMetadata]:
        """Applies a poll's records through `batch_handler` (see the module docstring); the
        offsets to commit: per partition, up to the first record neither applied nor
        dead-lettered."""
        handled: set[int] = set()
        stop = False
        decoded: list[tuple[int, Any, Envelope]] = []
        for index, record in enumerate(r for records in batch.values() for r in records):
            try:
                envelope = self.decode(record)
            except NEVER_CAUGHT:
                raise
            except Rejected as exc:
                stop = not self._give_up(record, exc, 1, exc.reason)
            except BaseException as exc:
                stop = not self._give_up(record, exc, 1, _reason_of(exc, Reason.UNDECODABLE))
            else:
                decoded.append((index, record, envelope))
                continue
            if stop:
                break
            handled.add(index)
        if self.processed is not None:
            fresh = []
            for item in decoded:  # a failing lookup: the one-by-one path retries it
                with contextlib.suppress(Exception):
                    if self.processed.seen(self.group_id, item[2].id):
                        EVENTS_CONSUMED.labels(self.group_id, item[1].topic, "duplicate").inc()
                        handled.add(item[0])
                        continue
                fresh.append(item)
            decoded = fresh
        if decoded and not self._stopping.is_set():
            handled.update(self._apply_batch(decoded))
        done: dict[Any, OffsetAndMetadata] = {}
        index = 0
        for partition, records in batch.items():
            blocked = False
            for record in records:
                blocked = blocked or index not in handled
                if not blocked:
                    done[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                index += 1
        return done

    def _apply_batch(self, decoded: list[tuple[int, Any, Envelope]]) -> set[int]:
        """The indexes of the decoded records applied: all at once, else one by one."""
        handler = self.batch_handler
        if handler is None:
            return set()
        started = time.perf_counter()
        try:
            handler([envelope for _, _, envelope in decoded])
            if self.processed is not None:
                for _, _, envelope in decoded:
                    self.processed.mark(self.group_id, envelope)
        except NEVER_CAUGHT:
            raise
        except BaseException:
            log.warning("batch failed; applying its events one by one", exc_info=True, extra={"events": len(decoded)})
        else:
            share = (time.perf_counter() - started) / len(decoded)
            for _, record, _ in decoded:
                CONSUMER_HANDLE_SECONDS.labels(self.group_id).observe(share)
                EVENTS_CONSUMED.labels(self.group_id, record.topic, "applied").inc()
                self._failures.record(False)
            return {index for index, _, _ in decoded}
        applied: set[int] = set()
        for index, record, envelope in decoded:
            with bound(event_id_var, envelope.id):
                if not self._apply(record, envelope):
                    break
            applied.add(index)
        return applied

    def _commit(self, consumer: KafkaLikeConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        try:
            consumer.commit(offsets)
        except (CommitFailedError, KafkaError):
            # A rebalance took the partitions away; their new owner replays from the last
            # commit and the idempotency store keeps the replay harmless.
            log.warning("offset commit failed; events will be redelivered", exc_info=True)

    def _maintain_store(self) -> None:
        maintain = getattr(self.processed, "maintain", None)
        if maintain is None or time.monotonic() < self._next_maintenance:
            return
        self._next_maintenance = time.monotonic() + self.retention_check_seconds
        try:
            maintain()
        except Exception:
            log.warning("could not trim the processed events; trying again later", exc_info=True)

    # -- one record ------------------------------------------------------------------------
    def decode(self, record: Any) -> Envelope:
        """The record's event, within the bounds; Rejected (or InvalidArgument) when not."""
        value = record.value
        if value is None:
            raise Rejected(Reason.NOT_A_CLOUDEVENT, "CloudEvent has no data", field="value")
        if len(value) > self.max_value_bytes:
            raise Rejected(
                Reason.TOO_LARGE, f"value: {len(value)} bytes, more than {self.max_value_bytes}", field="value"
            )
        depth = json_depth(value) if value.count(b"[") + value.count(b"{") > self.max_depth else 0
        if depth > self.max_depth:
            raise Rejected(Reason.TOO_DEEP, f"value: nested {depth} deep, more than {self.max_depth}", field="value")
        try:
            envelope = from_kafka(record.topic, record.key, value, record.headers or [])
        except InvalidArgument as exc:
            reason = Reason.INVALID_DATA if exc.field in ("value", "ce_time") else Reason.NOT_A_CLOUDEVENT
            raise Rejected(reason, exc.message, field=exc.field) from exc
        if not matches(envelope.source, self.allowed_sources):
            raise Rejected(
                Reason.UNEXPECTED_SOURCE, f"ce_source: {envelope.source[:200]!r} not accepted", field="ce_source"
            )
        if not matches(envelope.type, self.allowed_types):
            raise Rejected(Reason.UNEXPECTED_TYPE, f"ce_type: {envelope.type[:200]!r} not accepted", field="ce_type")
        if value.lstrip()[:1] != b"{":
            raise Rejected(Reason.INVALID_DATA, "value: the data must be a JSON object", field="value")
        return envelope

    def _process(self, record: Any) -> bool:
        """Applies one record. False when stopping (or halting) before it could be applied."""
        try:
            envelope = self.decode(record)
        except NEVER_CAUGHT:
            raise
        except Rejected as exc:
            return self._give_up(record, exc, 1, exc.reason)
        except BaseException as exc:  # RecursionError, MemoryError: poison, not a crash
            return self._give_up(record, exc, 1, _reason_of(exc, Reason.UNDECODABLE))
        with bound(event_id_var, envelope.id):
            return self._apply(record, envelope)

    def _apply(self, record: Any, envelope: Envelope) -> bool:
        topic = record.topic
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            stage = Reason.DEDUPE_FAILED
            try:
                if self.processed is not None and self.processed.seen(self.group_id, envelope.id):
                    EVENTS_CONSUMED.labels(self.group_id, topic, "duplicate").inc()
                    self._failures.record(False)
                    return True
                stage = Reason.HANDLER_FAILED
                self.handler(envelope)
                stage = Reason.DEDUPE_FAILED
                if self.processed is not None:
                    self.processed.mark(self.group_id, envelope)
            except NEVER_CAUGHT:
                raise
            except BaseException as exc:  # whatever an event does, the loop goes on
                CONSUMER_FAILURES.labels(self.group_id, topic).inc()
                log.warning(
                    "event handler failed",
                    exc_info=True,
                    extra={"type": envelope.type[:200], "attempt": attempt, "stage": stage},
                )
                permanent = isinstance(exc, InvalidArgument | RecursionError | MemoryError)
                if permanent or attempt >= self.max_attempts:
                    return self._give_up(record, exc, attempt, _reason_of(exc, stage))
                if self._stopping.wait(min(self.retry_backoff * 2 ** (attempt - 1), 5.0)):
                    return False
                continue
            CONSUMER_HANDLE_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)
            EVENTS_CONSUMED.labels(self.group_id, topic, "applied").inc()
            self._failures.record(False)
            return True

    def _give_up(self, record: Any, error: BaseException, attempts: int, reason: str) -> bool:
        """Dead-letters the record and moves on, unless that would pass the dead-letter limit
        or the DLQ keeps refusing it: then halts, leaving the record (and everything after it)
        uncommitted. False when halted or stopping."""
        if self._failures.would_trip():
            self._halt(
                "consumer halted: too many events failing, the fault is not in the events",
                record,
                error,
                failures_in_a_row=self._failures.in_a_row + 1,
                limit=dataclasses.asdict(self.dead_letter_limit),
            )
            return False
        if not self._dead_letter(record, error, attempts, reason):
            if not self._stopping.is_set():
                self._halt("consumer halted: the dead-letter topic refuses the event", record, error)
            return False
        self._failures.record(True)
        return True

    def _halt(self, message: str, record: Any, error: BaseException, **extra: Any) -> None:
        self.halted.set()
        self._stopping.set()
        CONSUMER_STOPPED.labels(self.group_id).set(1)
        log.critical(
            message,
            extra={"topic": record.topic, "offset": record.offset, "error": str(error)[:500], **extra},
        )

    def _dead_letter(self, record: Any, error: BaseException, attempts: int, reason: str) -> bool:
        """Sends the record to the DLQ, retrying with backoff; False if it never got there."""
        ours = [
            ("linli_reason", reason.encode()),
            ("linli_error", f"{_error_name(error)}: {error}"[:2000].encode("utf-8", "replace")),
            ("linli_attempts", str(attempts).encode()),
            ("linli_original_topic", record.topic.encode()),
            ("linli_original_partition", str(record.partition).encode()),
            ("linli_original_offset", str(record.offset).encode()),
            ("linli_consumer_group", self.group_id.encode()),
        ]
        original = [(name, raw) for name, raw in (record.headers or []) if isinstance(name, str)]
        # Smaller and smaller letters while the DLQ says "too large": without the value, then
        # with only our headers.
        letters: list[tuple[bytes | None, list[tuple[str, Any]]]] = [(record.value, [*original, *ours])]
        if record.value is not None:
            omitted = ("linli_value_omitted", f"{len(record.value)} bytes".encode())
            letters += [(None, [*_cut(original), *ours, omitted]), (None, [*ours, omitted])]
        attempt = 0
        while True:
            value, headers = letters[0]
            try:
                self.dlq_producer.send(dlq_topic(record.topic), key=record.key, value=value, headers=headers).get(
                    timeout=30
                )
            except NEVER_CAUGHT:
                raise
            except (MessageSizeTooLargeError, RecordListTooLargeError):
                letters.pop(0)
                if not letters:
                    log.error("dead letter too large even without its value", exc_info=True)
                    return False
                continue
            except BaseException:  # a failing DLQ halts the loop visibly, never kills it
                attempt += 1
                log.warning("dead-lettering failed", exc_info=True, extra={"topic": record.topic, "attempt": attempt})
                if attempt >= self.dlq_attempts:
                    return False
                if self._stopping.wait(min(self.dlq_backoff * 2 ** (attempt - 1), 30.0)):
                    return False
                continue
            EVENTS_CONSUMED.labels(self.group_id, record.topic, "dead_lettered").inc()
            log.error(
                "event dead-lettered",
                extra={
                    "topic": record.topic,
                    "offset": record.offset,
                    "reason": reason,
                    "error": str(error)[:500],
                    "attempts": attempts,
                },
            )
            return True


def _cut(headers: list[tuple[str, Any]], limit: int = 1024) -> list[tuple[str, Any]]:
    return [(name[:limit], raw[:limit] if isinstance(raw, bytes) else raw) for name, raw in headers]


def _error_name(error: BaseException) -> str:
    """The error's class name; a refusal before the handler reads as the InvalidArgument it is."""
    return "InvalidArgument" if isinstance(error, Rejected) else type(error).__name__


def _reason_of(error: BaseException, otherwise: str) -> str:
    if isinstance(error, Rejected):
        return error.reason
    if isinstance(error, InvalidArgument):
        return Reason.INVALID_DATA
    if isinstance(error, RecursionError):
        return Reason.TOO_DEEP
    if isinstance(error, MemoryError):
        return Reason.TOO_LARGE
    return otherwise
