"""The consumer loop on a fake Kafka consumer: once per event, commit after effect, DLQ, the
dead-letter limit."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest

from linli.common.cloudevents import Envelope, new_event, to_kafka
from linli.common.consumer import DeadLetterLimit, EventConsumer, KafkaLikeConsumer
from linli.common.metrics import CONSUMER_STOPPED

TOPIC = "linli.tests.v1"


@dataclasses.dataclass(frozen=True)
class Partition:
    topic: str
    partition: int


@dataclasses.dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class FakeKafka:
    """One partition; delivers from the last commit, like a fresh group member would."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.partition = Partition(TOPIC, 0)
        self.position = 0
        self.committed = 0
        self.drained = threading.Event()
        self.closed = False
        self.config: dict[str, Any] = {}

    def factory(self, *topics: str, **config: Any) -> KafkaLikeConsumer:
        self.config = {"topics": topics, **config}
        return self

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        batch = self.records[self.position : self.position + 3]
        self.position += len(batch)
        if not batch:
            self.drained.set()
            threading.Event().wait(timeout_ms / 1000)
            return {}
        return {self.partition: batch}

    def assignment(self) -> set[Any]:
        return {self.partition}

    def commit(self, offsets: dict[Any, Any]) -> None:
        self.committed = offsets[self.partition].offset

    def close(self, autocommit: bool) -> None:
        assert not autocommit
        self.closed = True


class Sent:
    def get(self, timeout: float) -> None:
        """Acknowledged at once."""


class FakeDlq:
    def __init__(self) -> None:
        self.letters: list[tuple[str, bytes | None, bytes | None, dict[str, bytes]]] = []

    def send(self, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> Sent:
        self.letters.append((topic, key, value, dict(headers)))
        return Sent()


class MemoryProcessed:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    def seen(self, group: str, event_id: str) -> bool:
        return f"{group}:{event_id}" in self.ids

    def mark(self, group: str, envelope: Envelope) -> None:
        self.ids.add(f"{group}:{envelope.id}")


def record_of(offset: int, event: Envelope) -> Record:
    key, value, headers = to_kafka(event)
    return Record(TOPIC, 0, offset, key, value, list(headers))


def events(count: int, **payload: Any) -> list[Envelope]:
    return [new_event("tests", "org.linli.test.v1", f"s{n}", {"n": n, **payload}, topic=TOPIC) for n in range(count)]


def records_of(stream: list[Envelope]) -> list[Record]:
    return [record_of(offset, event) for offset, event in enumerate(stream)]


def run(
    kafka: FakeKafka,
    handler: Callable[[Envelope], None],
    *,
    limit: DeadLetterLimit | None = None,
    processed: MemoryProcessed | None = None,
    dlq: FakeDlq | None = None,
    group: str = "g-test",
) -> EventConsumer:
    consumer = EventConsumer(
        bootstrap="unused:9092",
        group_id=group,
        topics=[TOPIC],
        handler=handler,
        processed=processed,
        dlq_producer=dlq or FakeDlq(),
        max_attempts=2,
        retry_backoff=0.001,
        poll_timeout_ms=5,
        dead_letter_limit=limit,
        consumer_factory=kafka.factory,
    )
    consumer.start()
    finished = threading.Event()

    def watch() -> None:
        kafka.drained.wait(10)
        finished.set()

    threading.Thread(target=watch, daemon=True).start()
    while not finished.wait(0.01) and not consumer.halted.is_set():
        pass
    consumer.stop(5)
    return consumer


def test_the_factory_gets_the_topics_and_a_manual_commit_configuration() -> None:
    kafka = FakeKafka([])
    run(kafka, lambda _: None)
    assert kafka.config["topics"] == (TOPIC,)
    assert kafka.config["group_id"] == "g-test" and kafka.config["enable_auto_commit"] is False
    assert kafka.closed


def test_each_event_is_applied_once_and_duplicates_by_ce_id_are_skipped() -> None:
    stream = events(3)
    kafka = FakeKafka(records_of([stream[0], stream[1], stream[0], stream[2], stream[1]]))
    applied: list[str] = []
    run(kafka, lambda event: applied.append(event.id), processed=MemoryProcessed())
    assert applied == [e.id for e in stream]
    assert kafka.committed == 5


def test_an_offset_is_committed_only_after_its_effect() -> None:
    kafka = FakeKafka(records_of(events(7)))
    committed_when_applied: list[int] = []
    run(kafka, lambda _: committed_when_applied.append(kafka.committed))
    assert all(committed <= offset for offset, committed in enumerate(committed_when_applied))
    assert kafka.committed == 7


def test_a_failing_event_goes_to_the_dlq_with_its_error_and_the_loop_moves_on() -> None:
    stream = events(3)
    kafka = FakeKafka(records_of(stream))
    dlq, applied, attempts = FakeDlq(), [], []

    def handle(event: Envelope) -> None:
        attempts.append(event.id)
        if event.json()["n"] == 1:
            raise ValueError("no such volunteer")
        applied.append(event.id)

    consumer = run(kafka, handle, dlq=dlq, processed=MemoryProcessed())
    assert applied == [stream[0].id, stream[2].id]
    assert attempts.count(stream[1].id) == 2  # max_attempts
    ((topic, key, _, headers),) = dlq.letters
    assert topic == f"{TOPIC}.dlq" and key == b"s1"
    assert headers["linli_error"] == b"ValueError: no such volunteer"
    assert headers["linli_attempts"] == b"2" and headers["linli_original_offset"] == b"1"
    assert headers["ce_id"] == stream[1].id.encode()
    assert kafka.committed == 3 and consumer.healthy()


def test_a_record_that_is_not_a_cloudevent_is_dead_lettered_at_once() -> None:
    kafka = FakeKafka([Record(TOPIC, 0, 0, b"k", b"junk", [("x", b"y")])])
    dlq = FakeDlq()
    run(kafka, lambda _: None, dlq=dlq)
    assert dlq.letters[0][3]["linli_attempts"] == b"1"
    assert kafka.committed == 1


def test_consecutive_failures_past_the_limit_halt_the_loop_without_committing() -> None:
    stream = events(10, poison=True)
    kafka = FakeKafka(records_of(stream))
    dlq = FakeDlq()

    def broken(_: Envelope) -> None:
        raise ConnectionError("database down")

    consumer = run(kafka, broken, dlq=dlq, limit=DeadLetterLimit(consecutive=3), group="g-halt")
    assert consumer.halted.is_set() and not consumer.healthy()
    assert len(dlq.letters) == 2  # the third failure trips the limit instead of being dead-lettered
    assert kafka.committed == 2  # the tripping event and everything after it will be redelivered
    assert kafka.closed
    assert CONSUMER_STOPPED.labels("g-halt")._value.get() == 1


def test_a_failure_ratio_over_the_window_halts_the_loop() -> None:
    stream = events(12)
    kafka = FakeKafka(records_of(stream))
    dlq = FakeDlq()

    def every_other(event: Envelope) -> None:
        if event.json()["n"] % 3 != 0:
            raise ValueError("bad")

    consumer = run(kafka, every_other, dlq=dlq, limit=DeadLetterLimit(consecutive=100, ratio=0.5, window=6))
    # n=0 ok, 1 fail, 2 fail, 3 ok, 4 fail: 3 of the 5 seen; n=5 would make 4 of 6 > 50%
    assert consumer.halted.is_set()
    assert len(dlq.letters) == 3
    assert kafka.committed == 5


def test_successes_reset_the_consecutive_count() -> None:
    kafka = FakeKafka(records_of(events(9)))

    def fails_two_of_three(event: Envelope) -> None:
        if event.json()["n"] % 3 != 2:
            raise ValueError("bad")

    consumer = run(kafka, fails_two_of_three, limit=DeadLetterLimit(consecutive=3, ratio=1.0))
    assert not consumer.halted.is_set()
    assert kafka.committed == 9


@pytest.mark.parametrize("limit", [DeadLetterLimit(), DeadLetterLimit(consecutive=1_000, ratio=0.9, window=10)])
def test_a_healthy_stream_never_trips_the_limit(limit: DeadLetterLimit) -> None:
    kafka = FakeKafka(records_of(events(30)))
    consumer = run(kafka, lambda _: None, limit=limit)
    assert consumer.healthy() and kafka.committed == 30
