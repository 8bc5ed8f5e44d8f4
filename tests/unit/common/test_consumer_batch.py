"""The consumer loop's batch mode on a fake Kafka consumer: one handler call per poll, offsets
committed after it, poison dead-lettered without holding the batch, a failing batch applied
one event at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from linli.common.cloudevents import Envelope
from linli.common.consumer import DeadLetterLimit, EventConsumer
from tests.unit.common.test_consumer_loop import TOPIC, FakeDlq, FakeKafka, MemoryProcessed, Record, events, records_of


def run_batches(
    kafka: FakeKafka,
    batch: Callable[[Sequence[Envelope]], None],
    single: Callable[[Envelope], None] = lambda _: None,
    *,
    dlq: FakeDlq | None = None,
    processed: MemoryProcessed | None = None,
    limit: DeadLetterLimit | None = None,
) -> EventConsumer:
    consumer = EventConsumer(
        bootstrap="unused:9092",
        group_id="g-batch",
        topics=[TOPIC],
        handler=single,
        batch_handler=batch,
        processed=processed,
        dlq_producer=dlq or FakeDlq(),
        max_attempts=2,
        retry_backoff=0.001,
        poll_timeout_ms=5,
        dead_letter_limit=limit,
        consumer_factory=kafka.factory,
    )
    consumer.start()
    kafka.drained.wait(10)
    deadline = threading.Event()
    while not deadline.wait(0.01) and not consumer.halted.is_set() and kafka.committed < len(kafka.records):
        if kafka.drained.is_set() and kafka.position >= len(kafka.records):
            break
    consumer.stop(5)
    return consumer


def test_each_poll_is_one_handler_call_and_its_offsets_are_committed_after_it() -> None:
    stream = events(7)
    kafka = FakeKafka(records_of(stream))  # polls of 3
    calls: list[tuple[list[str], int]] = []
    run_batches(kafka, lambda batch: calls.append(([e.id for e in batch], kafka.committed)))
    assert [ids for ids, _ in calls] == [[e.id for e in stream[i : i + 3]] for i in (0, 3, 6)]
    assert [committed for _, committed in calls] == [0, 3, 6]  # nothing of a batch committed before it
    assert kafka.committed == 7


def test_a_record_refused_before_the_handler_is_dead_lettered_and_the_rest_applied_in_one_call() -> None:
    stream = events(3)
    records = records_of(stream)
    poison = Record(TOPIC, 0, 1, b"k", b"not json", [])
    kafka = FakeKafka([records[0], poison, Record(TOPIC, 0, 2, records[2].key, records[2].value, records[2].headers)])
    dlq, calls = FakeDlq(), []
    run_batches(kafka, lambda batch: calls.append([e.id for e in batch]), dlq=dlq)
    assert calls == [[stream[0].id, stream[2].id]]
    assert len(dlq.letters) == 1 and dlq.letters[0][0] == f"{TOPIC}.dlq"
    assert kafka.committed == 3


def test_a_failing_batch_is_applied_one_by_one_and_only_the_poison_event_is_dead_lettered() -> None:
    stream = events(6)
    kafka = FakeKafka(records_of(stream))
    dlq, singles = FakeDlq(), []

    def batch(_: Sequence[Envelope]) -> None:
        raise RuntimeError("one of them is bad")

    def single(event: Envelope) -> None:
        if event.id == stream[1].id:
            raise ValueError("poison")
        singles.append(event.id)

    run_batches(kafka, batch, single, dlq=dlq)
    assert singles == [e.id for e in stream if e.id != stream[1].id]
    assert [letter[3]["ce_id"].decode() for letter in dlq.letters] == [stream[1].id]
    assert kafka.committed == 6


def test_with_a_processed_store_seen_events_are_left_out_of_the_batch_and_the_rest_marked() -> None:
    stream = events(3)
    processed = MemoryProcessed()
    processed.mark("g-batch", stream[1])
    kafka = FakeKafka(records_of(stream))
    calls: list[list[str]] = []
    run_batches(kafka, lambda batch: calls.append([e.id for e in batch]), processed=processed)
    assert calls == [[stream[0].id, stream[2].id]]
    assert processed.ids == {f"g-batch:{e.id}" for e in stream}
    assert kafka.committed == 3


def test_a_halt_in_the_middle_of_a_poll_commits_nothing_from_the_halting_record_on() -> None:
    stream = events(3)
    records = records_of(stream)
    bad = [Record(TOPIC, 0, n, b"k", b"not json", []) for n in range(3)]
    kafka = FakeKafka([records[0], *[Record(TOPIC, 0, n + 1, b.key, b.value, b.headers) for n, b in enumerate(bad)]])
    calls: list[list[str]] = []
    consumer = run_batches(
        kafka, lambda batch: calls.append([e.id for e in batch]), limit=DeadLetterLimit(consecutive=2)
    )
    assert consumer.halted.is_set()
    assert calls == []  # halted before the batch was applied: it replays after a restart
    assert kafka.committed == 0
